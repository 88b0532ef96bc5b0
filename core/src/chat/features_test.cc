// One small template per engine feature, each expected output computed by jinja2
// (tests/fixtures/chat/features.json, made by tools/chat_templates/make_golden.py).
#include <gtest/gtest.h>

#include "chat/test_fixtures.h"
#include "plexus/chat_template.h"

namespace plexus {
namespace {

using chat::testing::parse_now;
using chat::testing::read_json_fixture;

struct Feature {
  std::string name;
  boost::json::object data;
  friend void PrintTo(const Feature& f, std::ostream* os) { *os << f.name; }
};

std::vector<Feature> features() {
  std::vector<Feature> out;
  const boost::json::value file = read_json_fixture("features.json");
  for (const auto& f : file.at("features").as_array()) {
    out.push_back({std::string(f.at("name").as_string()), f.as_object()});
  }
  return out;
}

class FeatureTest : public ::testing::TestWithParam<Feature> {};

TEST_P(FeatureTest, MatchesJinja2) {
  const boost::json::object& f = GetParam().data;
  ChatRenderOptions options;
  options.now = parse_now(std::string(read_json_fixture("features.json").at("now").as_string()));
  boost::json::object extra = f.at("context").as_object();
  boost::json::array messages;
  if (auto* m = extra.if_contains("messages")) messages = m->as_array();

  Result<ChatTemplate> tmpl = ChatTemplate::compile(std::string(f.at("template").as_string()));
  Result<std::string> out =
      tmpl.ok() ? tmpl->render(messages, extra, options) : Result<std::string>(tmpl.status());
  if (const auto* expected = f.if_contains("output")) {
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    EXPECT_EQ(*out, std::string(expected->as_string()));
  } else {
    ASSERT_FALSE(out.ok()) << "rendered: " << *out;
    EXPECT_NE(out.status().message().find("chat template line "), std::string::npos)
        << out.status().to_string();
    if (GetParam().name == "error_raise_exception") {
      EXPECT_NE(out.status().message().find(std::string(f.at("error").as_string())),
                std::string::npos)
          << out.status().to_string();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Jinja2, FeatureTest, ::testing::ValuesIn(features()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace plexus
