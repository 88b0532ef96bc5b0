// Hostile templates end in clean errors: no crash, no hang, no unbounded memory.
#include <gtest/gtest.h>

#include "plexus/chat_template.h"

namespace plexus {
namespace {

Result<std::string> render(const std::string& source, const ChatRenderOptions& options = {}) {
  Result<ChatTemplate> tmpl = ChatTemplate::compile(source);
  if (!tmpl.ok()) return tmpl.status();
  return tmpl->render(boost::json::array{}, boost::json::object{}, options);
}

TEST(LimitsTest, InfiniteMacroRecursionIsRefused) {
  Result<std::string> out = render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(out.status().message().find("macro calls nested deeper than 64"), std::string::npos)
      << out.status().to_string();
}

TEST(LimitsTest, HugeRangeIsRefusedLikeTheSandbox) {
  Result<std::string> out = render("{% for i in range(10**9) %}x{% endfor %}");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("Range too big"), std::string::npos);
}

TEST(LimitsTest, NestedLoopsHitTheIterationBudget) {
  ChatRenderOptions options;
  options.max_loop_iterations = 50'000;  // the default (1M) behaves the same, only slower
  Result<std::string> out = render(
      "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", options);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(out.status().message().find("loop iterations"), std::string::npos);
}

TEST(LimitsTest, OutputSizeIsBounded) {
  ChatRenderOptions options;
  options.max_output_bytes = 1000;
  Result<std::string> out = render("{% for i in range(2000) %}ab{% endfor %}", options);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(render("{% for i in range(400) %}ab{% endfor %}", options).ok());
}

TEST(LimitsTest, StringRepetitionIsBoundedBeforeAllocating) {
  Result<std::string> out = render("{{ 'x' * 10**12 }}");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
}

TEST(LimitsTest, StringGrowthInANamespaceIsBounded) {
  ChatRenderOptions options;
  options.max_output_bytes = 4096;
  Result<std::string> out = render(
      "{% set ns = namespace(s='x') %}{% for i in range(30) %}{% set ns.s = ns.s + ns.s %}"
      "{% endfor %}",
      options);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
}

TEST(LimitsTest, ListGrowthIsBounded) {
  Result<std::string> out = render(
      "{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}"
      "{% endfor %}");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(render("{{ ([0] * 10**9) | length }}").ok());
}

TEST(LimitsTest, DeeplyNestedExpressionsAreACompileError) {
  const std::string parens = std::string(5000, '(') + "1" + std::string(5000, ')');
  Result<ChatTemplate> tmpl = ChatTemplate::compile("{{ " + parens + " }}");
  ASSERT_FALSE(tmpl.ok());
  EXPECT_NE(tmpl.status().message().find("nested too deeply"), std::string::npos);

  std::string lists = std::string(5000, '[') + std::string(5000, ']');
  EXPECT_FALSE(ChatTemplate::compile("{{ " + lists + " }}").ok());

  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "not ";
  EXPECT_FALSE(ChatTemplate::compile("{{ " + nots + "x }}").ok());

  std::string sum = "1";
  for (int i = 0; i < 5000; ++i) sum += " + 1";
  EXPECT_FALSE(ChatTemplate::compile("{{ " + sum + " }}").ok());
}

TEST(LimitsTest, DeeplyNestedBlocksAreACompileError) {
  std::string source;
  for (int i = 0; i < 5000; ++i) source += "{% if true %}";
  for (int i = 0; i < 5000; ++i) source += "{% endif %}";
  Result<ChatTemplate> tmpl = ChatTemplate::compile(source);
  ASSERT_FALSE(tmpl.ok());
  EXPECT_NE(tmpl.status().message().find("nested too deeply"), std::string::npos);
}

TEST(LimitsTest, ModestNestingStillWorks) {
  const std::string parens = std::string(50, '(') + "1" + std::string(50, ')');
  Result<std::string> out = render("{{ " + parens + " }}");
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, "1");
}

TEST(LimitsTest, GarbageNeverCrashes) {
  // Truncated tags, stray delimiters and unterminated literals: errors, not crashes.
  for (const char* source : {"{{", "{%", "{#", "{{ 'abc }}", "{% if %}", "{% for %}", "{% endif %}",
                             "{{ ) }}", "{{ a[ }}", "{{ a. }}", "{% set %}", "{% macro %}",
                             "{{ 1 if }}", "{% raw %}never closed", "{{ a | }}", "{{ a is }}",
                             "{% for x in y %}{% else %}{% else %}{% endfor %}", "{{ {1: } }}"}) {
    SCOPED_TRACE(source);
    Result<ChatTemplate> tmpl = ChatTemplate::compile(source);
    EXPECT_FALSE(tmpl.ok());
  }
}

}  // namespace
}  // namespace plexus
