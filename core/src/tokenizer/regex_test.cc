#include "regex.h"

#include <gtest/gtest.h>

#include "pre_tokenizer.h"

namespace plexus::tokenizer {
namespace {

std::vector<std::string> split(std::string_view pattern, std::string_view text) {
  auto regex = Regex::compile(pattern);
  EXPECT_TRUE(regex.ok()) << regex.status().to_string();
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  (*regex)->find_all(text, 0, ranges);
  std::vector<std::string> out;
  for (const auto& [b, e] : ranges) out.emplace_back(text.substr(b, e - b));
  return out;
}

TEST(RegexTest, Gpt2PatternSplitsWordsAndSpaces) {
  EXPECT_EQ(split(kGpt2Pattern, "Hello  world's 123!!"),
            (std::vector<std::string>{"Hello", " ", " world", "'s", " 123", "!!"}));
}

TEST(RegexTest, WhiteSpaceIncludesNextLineAsInOniguruma) {
  // U+0085 is White_Space (Oniguruma's \s) but not in PCRE2's \s: the translation adds it.
  EXPECT_EQ(split(R"(\s+)", "a\u0085\u0085b"), (std::vector<std::string>{"\u0085\u0085"}));
  EXPECT_EQ(translate_pattern(R"([^\s]\S)"), R"([^\s\x{85}][^\s\x{85}])");
}

TEST(RegexTest, NewerUnicodeSymbolsAreSymbols) {
  // U+1FABF GOOSE (Unicode 15) is So for HF tokenizers; PCRE2 10.42 has it unassigned.
  EXPECT_EQ(split(R"(\p{S}+)", "a\U0001FABF\U0001FAE0b"),
            (std::vector<std::string>{"\U0001FABF\U0001FAE0"}));
  EXPECT_EQ(split(R"([^\p{S}]+)", "\U0001FABFxy"), (std::vector<std::string>{"xy"}));
}

TEST(RegexTest, UnicodePropertiesAndCaseInsensitiveGroups) {
  EXPECT_EQ(split(R"(\p{N}{1,3})", "12345٣"), (std::vector<std::string>{"123", "45٣"}));
  EXPECT_EQ(split(R"((?i:'s|'t))", "IT'S it'T"), (std::vector<std::string>{"'S", "'T"}));
}

TEST(RegexTest, BadPatternIsAnError) {
  auto regex = Regex::compile("(unclosed");
  ASSERT_FALSE(regex.ok());
  EXPECT_NE(regex.status().message().find("(unclosed"), std::string::npos);
}

}  // namespace
}  // namespace plexus::tokenizer
