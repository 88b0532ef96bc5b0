#include "plexus/sampling_params.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace plexus {
namespace {

constexpr std::int32_t kVocab = 1000;
constexpr int kMaxModelLen = 4096;

TEST(SamplingParamsTest, DefaultsAreValid) {
  EXPECT_TRUE(validate(SamplingParams{}, kVocab, kMaxModelLen).ok());
}

TEST(SamplingParamsTest, BoundaryValuesAreValid) {
  SamplingParams p;
  p.n = kMaxSamplingN;
  p.temperature = 0;
  p.top_k = kVocab;
  p.top_p = 1;
  p.min_p = 1;
  p.repetition_penalty = 0.01f;
  p.presence_penalty = -2;
  p.frequency_penalty = 2;
  p.logit_bias = {{0, -100}, {kVocab - 1, 100}};
  p.stop = std::vector<std::string>(kMaxStopStrings, "x");
  p.stop_token_ids = {0, kVocab - 1};
  p.max_tokens = kMaxModelLen;
  p.min_tokens = kMaxModelLen;
  p.logprobs = kMaxTopLogprobs;
  Status s = validate(p, kVocab, kMaxModelLen);
  EXPECT_TRUE(s.ok()) << s.to_string();
  p.top_k = 0;
  EXPECT_TRUE(validate(p, kVocab, kMaxModelLen).ok());
  p.top_k = -1;
  p.logprobs = 0;
  EXPECT_TRUE(validate(p, kVocab, kMaxModelLen).ok());
}

struct BadCase {
  std::string name;
  std::function<void(SamplingParams&)> edit;
  std::string message;
};

TEST(SamplingParamsTest, BadInputsNameFieldAndRange) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<BadCase> cases = {
      {"n zero", [](SamplingParams& p) { p.n = 0; }, "n must be in [1, 128], got 0"},
      {"n huge", [](SamplingParams& p) { p.n = 1 << 30; }, "n must be in [1, 128], got 1073741824"},
      {"temperature negative", [](SamplingParams& p) { p.temperature = -0.5f; },
       "temperature must be a finite number >= 0, got -0.5"},
      {"temperature nan", [&](SamplingParams& p) { p.temperature = nan; },
       "temperature must be a finite number >= 0, got nan"},
      {"temperature inf", [&](SamplingParams& p) { p.temperature = inf; },
       "temperature must be a finite number >= 0, got inf"},
      {"top_k negative", [](SamplingParams& p) { p.top_k = -2; },
       "top_k must be -1 or 0 (disabled) or in [1, 1000] (the vocabulary size), got -2"},
      {"top_k huge", [](SamplingParams& p) { p.top_k = 1001; },
       "top_k must be -1 or 0 (disabled) or in [1, 1000] (the vocabulary size), got 1001"},
      {"top_p zero", [](SamplingParams& p) { p.top_p = 0; }, "top_p must be in (0, 1], got 0"},
      {"top_p above one", [](SamplingParams& p) { p.top_p = 1.5f; },
       "top_p must be in (0, 1], got 1.5"},
      {"top_p nan", [&](SamplingParams& p) { p.top_p = nan; }, "top_p must be in (0, 1], got nan"},
      {"min_p negative", [](SamplingParams& p) { p.min_p = -0.25f; },
       "min_p must be in [0, 1], got -0.25"},
      {"repetition_penalty zero", [](SamplingParams& p) { p.repetition_penalty = 0; },
       "repetition_penalty must be a finite number > 0, got 0"},
      {"presence_penalty high", [](SamplingParams& p) { p.presence_penalty = 2.5f; },
       "presence_penalty must be in [-2, 2], got 2.5"},
      {"frequency_penalty -inf", [&](SamplingParams& p) { p.frequency_penalty = -inf; },
       "frequency_penalty must be in [-2, 2], got -inf"},
      {"logit_bias id",
       [](SamplingParams& p) {
         p.logit_bias = {{1000, 1}};
       },
       "logit_bias: token id 1000 is outside the vocabulary [0, 1000)"},
      {"logit_bias negative id",
       [](SamplingParams& p) {
         p.logit_bias = {{-1, 1}};
       },
       "logit_bias: token id -1 is outside the vocabulary [0, 1000)"},
      {"logit_bias value",
       [](SamplingParams& p) {
         p.logit_bias = {{5, 101}};
       },
       "logit_bias: bias of token 5 must be in [-100, 100], got 101"},
      {"logit_bias nan",
       [&](SamplingParams& p) {
         p.logit_bias = {{5, nan}};
       },
       "logit_bias: bias of token 5 must be in [-100, 100], got nan"},
      {"logit_bias duplicate",
       [](SamplingParams& p) {
         p.logit_bias = {{5, 1}, {5, 2}};
       },
       "logit_bias: token id 5 is given more than once"},
      {"too many stops", [](SamplingParams& p) { p.stop = std::vector<std::string>(65, "a"); },
       "stop must have at most 64 strings, got 65"},
      {"empty stop",
       [](SamplingParams& p) {
         p.stop = {"a", ""};
       },
       "stop[1] must not be empty"},
      {"long stop", [](SamplingParams& p) { p.stop = {std::string(1025, 'a')}; },
       "stop[0] must be at most 1024 bytes long, got 1025"},
      {"stop not utf8",
       [](SamplingParams& p) {
         p.stop = {"ok", "\xC3"};
       },
       "stop[1] must be valid UTF-8"},
      {"stop surrogate", [](SamplingParams& p) { p.stop = {"\xED\xA0\x80"}; },
       "stop[0] must be valid UTF-8"},
      {"stop_token_ids id",
       [](SamplingParams& p) {
         p.stop_token_ids = {1, 2, 5000};
       },
       "stop_token_ids[2]: token id 5000 is outside the vocabulary [0, 1000)"},
      {"too many stop ids",
       [](SamplingParams& p) { p.stop_token_ids = std::vector<std::int32_t>(1025, 1); },
       "stop_token_ids must have at most 1024 ids, got 1025"},
      {"max_tokens zero", [](SamplingParams& p) { p.max_tokens = 0; },
       "max_tokens must be in [1, 4096] (the model's context length), got 0"},
      {"max_tokens negative", [](SamplingParams& p) { p.max_tokens = -7; },
       "max_tokens must be in [1, 4096] (the model's context length), got -7"},
      {"max_tokens huge", [](SamplingParams& p) { p.max_tokens = 4097; },
       "max_tokens must be in [1, 4096] (the model's context length), got 4097"},
      {"min_tokens negative", [](SamplingParams& p) { p.min_tokens = -1; },
       "min_tokens must be in [0, max_tokens=16], got -1"},
      {"min_tokens above max", [](SamplingParams& p) { p.min_tokens = 17; },
       "min_tokens must be in [0, max_tokens=16], got 17"},
      {"logprobs negative", [](SamplingParams& p) { p.logprobs = -1; },
       "logprobs must be in [0, 20], got -1"},
      {"logprobs huge", [](SamplingParams& p) { p.logprobs = 21; },
       "logprobs must be in [0, 20], got 21"},
  };
  for (const BadCase& c : cases) {
    SamplingParams p;
    c.edit(p);
    Status s = validate(p, kVocab, kMaxModelLen);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(s.message(), c.message) << c.name;
  }
}

TEST(SamplingParamsTest, ValidUtf8StopIsAccepted) {
  SamplingParams p;
  p.stop = {"\xC3\xA9t\xC3\xA9", "\xF0\x9F\x98\x80", "\xE4\xB8\xAD"};  // été, 😀, 中
  EXPECT_TRUE(validate(p, kVocab, kMaxModelLen).ok());
  p.stop = {"\xC0\xAF"};  // overlong '/'
  EXPECT_FALSE(validate(p, kVocab, kMaxModelLen).ok());
}

}  // namespace
}  // namespace plexus
