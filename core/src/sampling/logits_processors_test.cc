#include "sampling/logits_processors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace plexus::sampling {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

TEST(LogitsProcessorsTest, RepetitionPenaltyDividesPositiveMultipliesNegative) {
  std::vector<float> logits = {2.0f, -1.0f, 3.0f, -4.0f, 0.0f, 5.0f};
  SamplingParams p;
  p.repetition_penalty = 2.0f;
  const std::vector<std::int32_t> prompt = {0, 1, 1, 4};
  const std::vector<std::int32_t> output = {3, 3, 3};
  apply_penalties(logits, p, prompt, output);
  // Seen tokens 0, 1, 3, 4, each once however often they occur; 2 and 5 untouched.
  EXPECT_EQ(logits, (std::vector<float>{1.0f, -2.0f, 3.0f, -8.0f, 0.0f, 5.0f}));
}

TEST(LogitsProcessorsTest, PresenceAndFrequencyUseOutputCountsOnly) {
  std::vector<float> logits = {1.0f, 1.0f, 1.0f, 1.0f};
  SamplingParams p;
  p.presence_penalty = 0.5f;
  p.frequency_penalty = 0.25f;
  const std::vector<std::int32_t> prompt = {0, 0, 0};
  const std::vector<std::int32_t> output = {1, 2, 2, 2};
  apply_penalties(logits, p, prompt, output);
  EXPECT_FLOAT_EQ(logits[0], 1.0f);                     // prompt only: no OpenAI penalty
  EXPECT_FLOAT_EQ(logits[1], 1.0f - 0.5f - 0.25f);      // count 1
  EXPECT_FLOAT_EQ(logits[2], 1.0f - 0.5f - 3 * 0.25f);  // count 3
  EXPECT_FLOAT_EQ(logits[3], 1.0f);
}

TEST(LogitsProcessorsTest, RepetitionThenOpenAiPenalties) {
  std::vector<float> logits = {4.0f, -2.0f};
  SamplingParams p;
  p.repetition_penalty = 2.0f;
  p.presence_penalty = 1.0f;
  p.frequency_penalty = -0.5f;
  const std::vector<std::int32_t> output = {0, 0, 1};
  apply_penalties(logits, p, {}, output);
  EXPECT_FLOAT_EQ(logits[0], 4.0f / 2 - (-0.5f * 2 + 1.0f));
  EXPECT_FLOAT_EQ(logits[1], -2.0f * 2 - (-0.5f * 1 + 1.0f));
}

TEST(LogitsProcessorsTest, LogitBiasAdds) {
  std::vector<float> logits = {0.5f, 0.5f, 0.5f};
  SamplingParams p;
  p.logit_bias = {{2, -100.0f}, {0, 3.0f}};
  apply_logit_bias(logits, p);
  EXPECT_EQ(logits, (std::vector<float>{3.5f, 0.5f, -99.5f}));
}

TEST(LogitsProcessorsTest, MinTokensMasksEosAndStopIdsUntilReached) {
  SamplingParams p;
  p.min_tokens = 2;
  p.stop_token_ids = {3};
  const std::vector<std::int32_t> eos = {1};
  for (std::size_t generated = 0; generated < 4; ++generated) {
    std::vector<float> logits = {0, 1, 2, 3, 4};
    mask_stop_tokens_before_min(logits, p, generated, eos);
    const bool masked = generated < 2;
    EXPECT_EQ(logits[1] == kNegInf, masked) << generated;
    EXPECT_EQ(logits[3] == kNegInf, masked) << generated;
    EXPECT_EQ(logits[0], 0);
    EXPECT_EQ(logits[2], 2);
    EXPECT_EQ(logits[4], 4);
  }
  p.ignore_eos = true;
  std::vector<float> logits = {0, 1, 2, 3, 4};
  mask_stop_tokens_before_min(logits, p, 0, eos);
  EXPECT_EQ(logits[1], 1);  // EOS cannot stop anyway
  EXPECT_EQ(logits[3], kNegInf);
}

TEST(LogitsProcessorsTest, ArgmaxTakesFirstOfTies) {
  const std::vector<float> logits = {1, 7, 3, 7, 7};
  EXPECT_EQ(argmax_first(logits), 1);
  const std::vector<float> all_equal = {kNegInf, kNegInf};
  EXPECT_EQ(argmax_first(all_equal), 0);
}

}  // namespace
}  // namespace plexus::sampling
