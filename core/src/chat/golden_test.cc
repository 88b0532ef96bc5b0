// Every real template × every recorded conversation must render byte-identical to jinja2, and
// every conversation the template rejects must be rejected with the template's own message.
#include <gtest/gtest.h>

#include "chat/test_fixtures.h"
#include "plexus/chat_template.h"

namespace plexus {
namespace {

using chat::testing::parse_now;
using chat::testing::read_fixture;
using chat::testing::read_json_fixture;

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, RendersLikeJinja2) {
  const boost::json::object golden =
      read_json_fixture("golden/" + GetParam() + ".json").as_object();
  const std::string source = read_fixture(std::string(golden.at("template").as_string()));
  ASSERT_FALSE(source.empty());
  Result<ChatTemplate> tmpl = ChatTemplate::compile(source);
  ASSERT_TRUE(tmpl.ok()) << tmpl.status().to_string();
  ChatRenderOptions options;
  options.now = parse_now(std::string(golden.at("now").as_string()));

  const boost::json::array& cases = golden.at("cases").as_array();
  ASSERT_GE(cases.size(), 30u);
  int index = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE("case " + std::to_string(index++) + ": " + boost::json::serialize(c));
    const boost::json::object& test_case = c.as_object();
    Result<std::string> out = tmpl->render(test_case.at("messages").as_array(),
                                           test_case.at("extra").as_object(), options);
    if (const auto* expected = test_case.if_contains("output")) {
      ASSERT_TRUE(out.ok()) << out.status().to_string();
      EXPECT_EQ(*out, std::string(expected->as_string()));
    } else {
      ASSERT_FALSE(out.ok()) << "rendered: " << *out;
      const std::string message(test_case.at("error").as_string());
      EXPECT_NE(out.status().message().find(message), std::string::npos)
          << out.status().to_string() << " does not carry: " << message;
    }
  }
}

std::vector<std::string> template_names() {
  std::vector<std::string> names;
  const boost::json::value manifest = read_json_fixture("templates.json");
  for (const auto& entry : manifest.as_array()) {
    names.emplace_back(entry.at("name").as_string());
  }
  return names;
}

INSTANTIATE_TEST_SUITE_P(RealTemplates, GoldenTest, ::testing::ValuesIn(template_names()),
                         [](const auto& info) { return info.param; });

TEST(GoldenFixtures, CoverEverySupportedFamily) {
  const std::vector<std::string> names = template_names();
  for (const char* family : {"smollm2", "deepseek_v3", "deepseek_r1", "qwen2_5", "llama3_2"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), family), names.end()) << family;
  }
}

}  // namespace
}  // namespace plexus
