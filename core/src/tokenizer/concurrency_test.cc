// A Tokenizer is shared by all request threads: concurrent encodes (which share the word cache
// and use per-thread regex match data) give the same ids as a single thread.
#include <gtest/gtest.h>

#include <thread>

#include "plexus/tokenizer.h"
#include "test_corpus.h"

namespace plexus::tokenizer {
namespace {

TEST(ConcurrencyTest, ParallelEncodesAgreeWithSequential) {
  auto tok = load_tokenizer_json("tests/fixtures/tokenizer/smollm2/tokenizer.json");
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const auto corpus = testing::load_corpus();
  std::vector<std::vector<int32_t>> expected;
  for (const std::string& text : corpus) expected.push_back((*tok)->encode(text, true));

  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        // Each thread walks the corpus from a different start, so cache hits interleave.
        for (std::size_t k = 0; k < corpus.size(); ++k) {
          const std::size_t i = (k + t * corpus.size() / kThreads) % corpus.size();
          if ((*tok)->encode(corpus[i], true) != expected[i]) ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace plexus::tokenizer
