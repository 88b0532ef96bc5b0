// The scheduler with a fake model whose next token is a function of the whole sequence: random
// arrivals, prompt lengths, shared prefixes and aborts, over a pool small enough to force
// preemption. Every step must respect the token budget and max_num_seqs; every admitted request
// must finish with exactly the tokens it would get alone; no block may leak.
#include "sched/scheduler.h"

#include <gtest/gtest.h>

#include <random>

namespace plexus {
namespace {

// The fake model: the next token depends on every token before it (so a wrong or stale
// sequence shows), and not on which other requests share the step.
std::int32_t next_token(const std::vector<std::int32_t>& tokens) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::int32_t t : tokens) h = (h ^ std::uint64_t(t)) * 1099511628211ull;
  return std::int32_t(h % 1000);
}

std::vector<std::int32_t> alone(std::vector<std::int32_t> tokens, std::int64_t max_tokens) {
  const std::size_t prompt = tokens.size();
  while (std::int64_t(tokens.size() - prompt) < max_tokens) tokens.push_back(next_token(tokens));
  return tokens;
}

KvCacheManager make_cache(std::int32_t blocks, std::int32_t block_size = 16) {
  KvCacheOptions o;
  o.num_blocks = blocks;
  o.block_size = block_size;
  return std::move(KvCacheManager::create(o)).value();
}

TEST(Scheduler, AdmissionRefusesWhatCouldNeverRun) {
  KvCacheManager cache = make_cache(4);  // 64 tokens
  Scheduler s({.max_num_seqs = 4, .max_num_batched_tokens = 32, .max_model_len = 100}, cache);
  EXPECT_EQ(s.add(1, std::vector<std::int32_t>(90, 7), 20).message(),
            "the prompt (90 tokens) plus max_tokens (20) is 110 tokens, over max_model_len "
            "(100): shorten the prompt or lower max_tokens");
  Status big = s.add(2, std::vector<std::int32_t>(60, 7), 20);
  EXPECT_EQ(big.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(big.message(),
            "the request needs 80 tokens of KV cache, more than the 64 the whole pool holds: "
            "raise the KV cache budget or lower max_tokens");
  EXPECT_FALSE(s.add(3, {}, 5).ok());
  EXPECT_TRUE(s.add(4, {1, 2, 3}, 5).ok());
  EXPECT_FALSE(s.add(4, {1, 2, 3}, 5).ok());  // duplicate id
}

TEST(Scheduler, ChunksALongPromptBesideRunningDecodes) {
  KvCacheManager cache = make_cache(64);
  Scheduler s({.max_num_seqs = 8, .max_num_batched_tokens = 40, .max_model_len = 1000}, cache);
  ASSERT_TRUE(s.add(1, std::vector<std::int32_t>(10, 1), 50).ok());
  auto first = s.schedule();
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->chunks.size(), 1u);
  EXPECT_TRUE(first->chunks[0].wants_logits);
  ASSERT_TRUE(s.complete(*first).ok());
  ASSERT_TRUE(s.append_token(1, 5).ok());
  ASSERT_TRUE(s.add(2, std::vector<std::int32_t>(100, 2), 5).ok());
  auto second = s.schedule();
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->chunks.size(), 2u);
  EXPECT_EQ(second->chunks[0].id, 1);  // the running decode comes first: one token
  EXPECT_EQ(second->chunks[0].num_tokens, 1);
  EXPECT_EQ(second->chunks[1].id, 2);  // then 39 of the 100 prompt tokens
  EXPECT_EQ(second->chunks[1].num_tokens, 39);
  EXPECT_FALSE(second->chunks[1].wants_logits);
  EXPECT_EQ(second->num_tokens, 40);
}

struct Scenario {
  unsigned seed;
  std::int32_t blocks;
  bool aborts;
};

class SchedulerProperty : public ::testing::TestWithParam<Scenario> {};

TEST_P(SchedulerProperty, EveryRequestFinishesWithItsSoloAnswerAndNothingLeaks) {
  const Scenario sc = GetParam();
  std::mt19937 rng(sc.seed);
  KvCacheManager cache = make_cache(sc.blocks, 8);
  const SchedulerConfig config{
      .max_num_seqs = 6, .max_num_batched_tokens = 48, .max_model_len = 256};
  Scheduler s(config, cache);
  std::vector<std::vector<std::int32_t>> families;  // shared prompt prefixes
  for (int f = 0; f < 4; ++f) {
    std::vector<std::int32_t> p(std::uniform_int_distribution<int>(8, 40)(rng));
    for (auto& t : p) t = std::uniform_int_distribution<int>(0, 999)(rng);
    families.push_back(p);
  }
  std::map<RequestId, std::vector<std::int32_t>> expected;
  std::map<RequestId, std::int64_t> max_tokens;
  RequestId next_id = 1;
  int finished = 0, aborted = 0, refused = 0;
  std::int64_t steps = 0, idle_steps = 0;
  const int kRequests = 120;
  while (next_id <= kRequests || s.num_running() + s.num_waiting() > 0) {
    ASSERT_LT(++steps, 20000) << "watchdog: the scheduler stopped making progress";
    // Arrivals.
    if (next_id <= kRequests && rng() % 3 == 0) {
      std::vector<std::int32_t> prompt = families[rng() % families.size()];
      prompt.resize(std::uniform_int_distribution<std::size_t>(1, prompt.size())(rng));
      const int extra = std::uniform_int_distribution<int>(0, 60)(rng);
      for (int i = 0; i < extra; ++i) prompt.push_back(std::int32_t(rng() % 1000));
      const std::int64_t mt = std::uniform_int_distribution<int>(1, 30)(rng);
      const RequestId id = next_id++;
      Status added = s.add(id, prompt, mt);
      if (added.ok()) {
        expected[id] = alone(prompt, mt);
        max_tokens[id] = mt;
      } else {
        ASSERT_EQ(added.code(), StatusCode::kResourceExhausted) << added.to_string();
        ++refused;
      }
    }
    // Random aborts.
    if (sc.aborts && !expected.empty() && rng() % 25 == 0) {
      auto it = std::next(expected.begin(), std::ptrdiff_t(rng() % expected.size()));
      s.abort(it->first);
      max_tokens.erase(it->first);
      expected.erase(it);
      ++aborted;
    }
    auto plan = s.schedule();
    ASSERT_TRUE(plan.ok()) << plan.status().to_string();
    ASSERT_LE(plan->num_tokens, config.max_num_batched_tokens);
    ASSERT_LE(s.num_running(), std::size_t(config.max_num_seqs));
    if (plan->chunks.empty()) {
      // Only acceptable while nothing is admitted yet.
      ASSERT_EQ(s.num_running(), 0u);
      ASSERT_LT(++idle_steps, 1000) << "requests wait while nothing runs";
    }
    for (const ScheduledChunk& c : plan->chunks) {
      // The slots exist for exactly the scheduled positions.
      ASSERT_TRUE(cache.slots_for(c.id, c.first_position, c.num_tokens).ok());
    }
    ASSERT_TRUE(s.complete(*plan).ok());
    for (const ScheduledChunk& c : plan->chunks) {
      if (!c.wants_logits) continue;
      const SequenceState* seq = s.find(c.id);
      ASSERT_NE(seq, nullptr);
      ASSERT_TRUE(s.append_token(c.id, next_token(seq->tokens)).ok());
      if (seq->num_output_tokens() == max_tokens.at(c.id)) {
        EXPECT_EQ(seq->tokens, expected.at(c.id)) << "request " << c.id;
        s.finish(c.id);
        expected.erase(c.id);
        ++finished;
      }
    }
    ASSERT_TRUE(cache.pool().check_invariants().ok());
  }
  EXPECT_TRUE(expected.empty());
  EXPECT_EQ(cache.num_free_blocks(), cache.num_blocks()) << "blocks leaked";
  EXPECT_GT(finished, 60);
  if (sc.blocks < 40) EXPECT_GT(s.num_preemptions(), 0) << "the small pool should preempt";
  if (sc.aborts) EXPECT_GT(aborted, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, SchedulerProperty,
                         ::testing::Values(Scenario{1, 64, false}, Scenario{2, 24, false},
                                           Scenario{3, 24, true}, Scenario{4, 40, true}));

}  // namespace
}  // namespace plexus
