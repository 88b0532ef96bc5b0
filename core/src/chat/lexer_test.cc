// Tokens and whitespace control, on inputs small enough that the answer is plain to read.
#include "chat/lexer.h"

#include <gtest/gtest.h>

namespace plexus::chat {
namespace {

std::string texts(const std::vector<Token>& tokens) {
  std::string out;
  for (const Token& t : tokens) {
    if (t.kind == TokenKind::kText) out += "[" + t.text + "]";
  }
  return out;
}

TEST(LexerTest, TrimBlocksRemovesOneNewlineAfterABlockTag) {
  Result<std::vector<Token>> tokens = tokenize("{% if x %}\n\nA");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(texts(*tokens), "[\nA]");
}

TEST(LexerTest, LstripBlocksRemovesIndentBeforeABlockTagOnly) {
  Result<std::vector<Token>> tokens = tokenize("A\n    {% if x %}B\n    {{ y }}");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(texts(*tokens), "[A\n][B\n    ]");
}

TEST(LexerTest, DashStripsAllWhitespaceOnThatSide) {
  Result<std::vector<Token>> tokens = tokenize("A \n\t {{- x -}} \n B");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(texts(*tokens), "[A][B]");
}

TEST(LexerTest, LineEndingsAreNormalizedAndOneTrailingNewlineDropped) {
  Result<std::vector<Token>> tokens = tokenize("A\r\nB\rC\n\n");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(texts(*tokens), "[A\nB\nC\n]");
}

TEST(LexerTest, ClosingBracesInsideADictDoNotEndTheTag) {
  Result<std::vector<Token>> tokens = tokenize("{{ {'a': {'b': 1}} }}");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->back().kind, TokenKind::kEnd);
  EXPECT_EQ((*tokens)[tokens->size() - 2].kind, TokenKind::kVarEnd);
}

TEST(LexerTest, StringEscapesAreDecoded) {
  Result<std::vector<Token>> tokens = tokenize(R"({{ 'a\nb\u00e9\x41\\' }})");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ((*tokens)[1].kind, TokenKind::kString);
  EXPECT_EQ((*tokens)[1].text,
            "a\nb\xC3\xA9"
            "A\\");
}

TEST(LexerTest, NumbersAndOperators) {
  Result<std::vector<Token>> tokens = tokenize("{{ 10 // 3 ** 2.5e1 }}");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 8u);  // {{ 10 // 3 ** 25.0 }} end
  EXPECT_EQ((*tokens)[1].int_value, 10);
  EXPECT_EQ((*tokens)[2].text, "//");
  EXPECT_EQ((*tokens)[4].text, "**");
  EXPECT_EQ((*tokens)[5].kind, TokenKind::kFloat);
  EXPECT_DOUBLE_EQ((*tokens)[5].float_value, 25.0);
}

TEST(LexerTest, LinesAreCounted) {
  Result<std::vector<Token>> tokens = tokenize("a\nb\n{{ x }}");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ((*tokens)[1].line, 3);
}

TEST(LexerTest, UnterminatedTagIsAnErrorWithItsLine) {
  Result<std::vector<Token>> tokens = tokenize("a\n{{ x ");
  ASSERT_FALSE(tokens.ok());
  EXPECT_NE(tokens.status().message().find("line 2"), std::string::npos)
      << tokens.status().to_string();
}

}  // namespace
}  // namespace plexus::chat
