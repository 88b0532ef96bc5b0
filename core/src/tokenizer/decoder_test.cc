#include "decoder.h"

#include <gtest/gtest.h>

#include "utf8.h"

namespace plexus::tokenizer {
namespace {

const std::string kFffd(kReplacementChar);

Decoder sentencepiece() {
  Decoder d;
  d.add(ReplaceDecode{"\u2581", " "});
  d.add(ByteFallbackDecode{});
  d.add(FuseDecode{});
  d.add(StripDecode{" ", 1, 0});
  return d;
}

TEST(DecoderTest, SentencePieceChain) {
  const Decoder d = sentencepiece();
  EXPECT_EQ(d.decode({"\u2581Hello", "\u2581world"}), "Hello world");
  EXPECT_EQ(d.decode({"\u2581\u2581x"}), " x");  // only one leading space is stripped
  EXPECT_EQ(d.decode({"<0xE2>", "<0x82>", "<0xAC>", "!"}), "€!");
  // A run of byte tokens that is not valid UTF-8 gives one U+FFFD per token.
  EXPECT_EQ(d.decode({"a", "<0xE2>", "<0x82>", "b"}), "a" + kFffd + kFffd + "b");
  EXPECT_EQ(d.decode({}), "");
}

TEST(DecoderTest, ByteLevelMapsAlphabetAndKeepsOtherTokens) {
  Decoder d;
  d.add(ByteLevelDecode{});
  EXPECT_EQ(d.decode({"\u0120Hello", "\u010A"}), " Hello\n");
  // A token outside the alphabet (e.g. DeepSeek's special tokens) is its own UTF-8.
  EXPECT_EQ(d.decode({"<\uFF5CUser\uFF5C>", "\u0120hi"}), "<\uFF5CUser\uFF5C> hi");
  // Bytes that do not form characters become U+FFFD (one per maximal subpart).
  EXPECT_EQ(d.decode({"\u00E2\u0124"}), kFffd);  // E2 82
}

TEST(DecoderTest, MetaspaceDropsPrependedSpaceOfFirstToken) {
  Decoder d;
  d.add(MetaspaceDecode{"\u2581", true});
  EXPECT_EQ(d.decode({"\u2581a", "\u2581b"}), "a b");
  Decoder never;
  never.add(MetaspaceDecode{"\u2581", false});
  EXPECT_EQ(never.decode({"\u2581a", "\u2581b"}), " a b");
}

TEST(DecoderTest, NoStepsJoinsWithSpaces) { EXPECT_EQ(Decoder().decode({"a", "b"}), "a b"); }

}  // namespace
}  // namespace plexus::tokenizer
