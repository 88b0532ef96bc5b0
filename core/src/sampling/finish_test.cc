#include "sampling/finish.h"

#include <gtest/gtest.h>

#include <vector>

namespace plexus::sampling {
namespace {

const std::vector<std::int32_t> kEos = {2, 9};

std::optional<FinishReason> after(const SamplingParams& p, std::int32_t token, std::size_t before,
                                  bool stop_string = false) {
  return finish_after_token(p, {token, before, stop_string}, kEos);
}

TEST(FinishTest, Names) {
  EXPECT_EQ(finish_reason_name(FinishReason::kStop), "stop");
  EXPECT_EQ(finish_reason_name(FinishReason::kLength), "length");
  EXPECT_EQ(finish_reason_name(FinishReason::kAbort), "abort");
  EXPECT_EQ(finish_reason_name(FinishReason::kError), "error");
}

TEST(FinishTest, EosStopsUnlessIgnored) {
  SamplingParams p;
  EXPECT_EQ(after(p, 9, 0), FinishReason::kStop);
  EXPECT_EQ(after(p, 2, 3), FinishReason::kStop);
  EXPECT_EQ(after(p, 5, 3), std::nullopt);
  p.ignore_eos = true;
  EXPECT_EQ(after(p, 2, 3), std::nullopt);
}

TEST(FinishTest, StopTokenIdsAndStopStrings) {
  SamplingParams p;
  p.stop_token_ids = {7};
  p.ignore_eos = true;  // does not affect stop ids
  EXPECT_EQ(after(p, 7, 0), FinishReason::kStop);
  EXPECT_EQ(after(p, 6, 0), std::nullopt);
  EXPECT_EQ(after(p, 6, 0, /*stop_string=*/true), FinishReason::kStop);
}

TEST(FinishTest, MinTokensHoldsBackEveryStop) {
  SamplingParams p;
  p.min_tokens = 3;
  p.stop_token_ids = {7};
  for (std::size_t before = 0; before < 3; ++before) {
    EXPECT_EQ(after(p, 2, before), std::nullopt) << before;
    EXPECT_EQ(after(p, 7, before), std::nullopt) << before;
    EXPECT_EQ(after(p, 5, before, true), std::nullopt) << before;
    EXPECT_FALSE(may_stop(p, before));
  }
  EXPECT_TRUE(may_stop(p, 3));
  EXPECT_EQ(after(p, 2, 3), FinishReason::kStop);
  EXPECT_EQ(after(p, 7, 3), FinishReason::kStop);
  EXPECT_EQ(after(p, 5, 3, true), FinishReason::kStop);
}

TEST(FinishTest, LengthAtMaxTokensAndStopWinsOnTheSameToken) {
  SamplingParams p;
  p.max_tokens = 4;
  EXPECT_EQ(after(p, 5, 2), std::nullopt);
  EXPECT_EQ(after(p, 5, 3), FinishReason::kLength);
  EXPECT_EQ(after(p, 2, 3), FinishReason::kStop);
  // Length applies even before min_tokens (min_tokens <= max_tokens after validate anyway).
  p.min_tokens = 4;
  EXPECT_EQ(after(p, 2, 3), FinishReason::kLength);
}

}  // namespace
}  // namespace plexus::sampling
