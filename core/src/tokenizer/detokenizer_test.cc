// The incremental detokenizer on every corpus string of every reference tokenizer: chunks are
// whole UTF-8 characters and add up to the full decode.
#include <gtest/gtest.h>

#include "plexus/tokenizer.h"
#include "test_corpus.h"
#include "utf8.h"

namespace plexus::tokenizer {
namespace {

class DetokenizerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DetokenizerTest, ChunksAreWholeCharactersAndAddUpToDecode) {
  const auto path = testing::reference_tokenizer(GetParam());
  if (!path) GTEST_SKIP() << GetParam() << " not fetched (tools/tokenizer/fetch_tokenizers.py)";
  auto tok = load_tokenizer_json(*path);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  int failures = 0;
  const auto corpus = testing::load_corpus();
  for (std::size_t i = 0; i < corpus.size() && failures < 5; ++i) {
    const auto ids = (*tok)->encode(corpus[i], true);
    for (const bool skip : {false, true}) {
      auto detok = (*tok)->make_detokenizer(skip);
      std::string streamed;
      for (const int32_t id : ids) {
        const std::string chunk = detok->feed(id);
        if (!is_valid_utf8(chunk)) {
          ADD_FAILURE() << "corpus[" << i << "]: chunk is not whole UTF-8 characters";
          ++failures;
        }
        streamed += chunk;
      }
      streamed += detok->finish();
      const std::string full = (*tok)->decode(ids, skip);
      if (streamed != full) {
        ADD_FAILURE() << "corpus[" << i << "] skip=" << skip << ": streamed [" << streamed
                      << "] != decode [" << full << "]";
        ++failures;
      }
    }
  }
  EXPECT_EQ(failures, 0);
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, DetokenizerTest,
                         ::testing::Values("smollm2", "spm-byte-fallback", "spm-metaspace",
                                           "llama3", "qwen2.5", "deepseek-v3"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

// A character split across tokens is held back until it is complete.
TEST(DetokenizerTest, HoldsBackSplitCharacter) {
  auto tok = load_tokenizer_json("tests/fixtures/tokenizer/spm-byte-fallback/tokenizer.json");
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const auto e2 = (*tok)->token_to_id("<0xE2>"), x82 = (*tok)->token_to_id("<0x82>"),
             xac = (*tok)->token_to_id("<0xAC>");
  ASSERT_TRUE(e2 && x82 && xac);
  auto detok = (*tok)->make_detokenizer(true);
  EXPECT_EQ(detok->feed(*e2), "");
  EXPECT_EQ(detok->feed(*x82), "");
  EXPECT_EQ(detok->feed(*xac), "€");
  EXPECT_EQ(detok->finish(), "");
  // An incomplete character at the end comes out as decode() shows it.
  EXPECT_EQ(detok->feed(*e2), "");
  EXPECT_EQ(detok->finish(), (*tok)->decode(std::vector<int32_t>{*e2}, true));
}

}  // namespace
}  // namespace plexus::tokenizer
