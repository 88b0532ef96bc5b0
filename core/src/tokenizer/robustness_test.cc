// Arbitrary input never breaks the tokenizer: random bytes encode to valid ids whose decode is
// valid UTF-8, invalid UTF-8 is read as its lossy repair, and arbitrary ids (also out of range)
// decode and stream without error.
#include <gtest/gtest.h>

#include <random>

#include "plexus/tokenizer.h"
#include "utf8.h"

namespace plexus::tokenizer {
namespace {

class RobustnessTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RobustnessTest, RandomBytesAndIds) {
  auto tok = load_tokenizer_for_model(GetParam());
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  std::mt19937 rng(1234);
  for (int round = 0; round < 300; ++round) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) {
      // Mostly high bytes and ASCII punctuation/space, where the edge cases are.
      const unsigned r = rng() % 4;
      c = static_cast<char>(r == 0   ? 0x20 + rng() % 0x60
                            : r == 1 ? rng() % 0x20
                                     : 0x80 + rng() % 0x80);
    }
    const auto ids = (*tok)->encode(bytes, true);
    EXPECT_EQ(ids, (*tok)->encode(repair_utf8(bytes), true));
    for (const int32_t id : ids) {
      ASSERT_GE(id, 0);
      ASSERT_LT(id, (*tok)->vocab_size());
    }
    EXPECT_TRUE(is_valid_utf8((*tok)->decode(ids, false)));

    std::vector<int32_t> random_ids(rng() % 16);
    for (int32_t& id : random_ids) {
      id = static_cast<int32_t>(rng() % ((*tok)->vocab_size() + 10)) - 5;
    }
    const std::string text = (*tok)->decode(random_ids, round % 2 == 0);
    EXPECT_TRUE(is_valid_utf8(text));
    auto detok = (*tok)->make_detokenizer(round % 2 == 0);
    std::string streamed;
    for (const int32_t id : random_ids) streamed += detok->feed(id);
    streamed += detok->finish();
    EXPECT_TRUE(is_valid_utf8(streamed));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Tokenizers, RobustnessTest,
    ::testing::Values("tests/fixtures/tokenizer/smollm2/tokenizer.json",
                      "tests/fixtures/tokenizer/spm-byte-fallback/tokenizer.json",
                      "tests/fixtures/tokenizer/spm-byte-fallback/tokenizer.gguf"));

}  // namespace
}  // namespace plexus::tokenizer
