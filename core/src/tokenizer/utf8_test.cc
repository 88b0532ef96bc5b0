#include "utf8.h"

#include <gtest/gtest.h>

namespace plexus::tokenizer {
namespace {

const std::string kFffd(kReplacementChar);

TEST(Utf8Test, ValidTextIsUnchanged) {
  for (const std::string s : {"", "abc", "é", "日本", "👨‍👩‍👧", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_TRUE(is_valid_utf8(s)) << s;
    EXPECT_EQ(repair_utf8(s), s);
  }
}

// Cases from the Unicode Standard's "U+FFFD substitution of maximal subparts" (chapter 3),
// which Python's decode("utf-8", "replace") follows.
TEST(Utf8Test, EachMaximalSubpartBecomesOneReplacement) {
  EXPECT_EQ(repair_utf8("\x80"), kFffd);
  EXPECT_EQ(repair_utf8("a\xC3"), "a" + kFffd);
  EXPECT_EQ(repair_utf8("\xE2\x82"), kFffd);  // truncated 3-byte sequence: one
  EXPECT_EQ(repair_utf8("\xE2\x82("), kFffd + "(");
  EXPECT_EQ(repair_utf8("\xF0\x9F\x98"), kFffd);      // truncated 4-byte sequence: one
  EXPECT_EQ(repair_utf8("\xC0\xAF"), kFffd + kFffd);  // overlong lead: each byte
  EXPECT_EQ(repair_utf8("\xE0\x80\xAF"), kFffd + kFffd + kFffd);
  EXPECT_EQ(repair_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);              // surrogate
  EXPECT_EQ(repair_utf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
  EXPECT_EQ(repair_utf8("\xF0\x28\x8C\x28"), kFffd + "(" + kFffd + "(");
  EXPECT_EQ(repair_utf8("caf\xE9"), "caf" + kFffd);
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
}

TEST(Utf8Test, EncodeDecodeRoundTrip) {
  for (const char32_t cp : {0x41u, 0xE9u, 0x20ACu, 0x1F600u, 0x10FFFFu}) {
    std::string s;
    append_utf8(s, cp);
    EXPECT_TRUE(is_valid_utf8(s));
    EXPECT_EQ(char_length(s, 0), s.size());
    EXPECT_EQ(decode_char(s, 0), cp);
  }
}

}  // namespace
}  // namespace plexus::tokenizer
