// plexus/sampling_params.h — what a request asks of the sampler, and how it is checked.
//
// Contract:
// - `SamplingParams` is a plain value: one per request, copied freely, never shared mutably.
//   Its defaults are those of the OpenAI / vLLM APIs (temperature 1, no filtering, no penalties,
//   16 tokens at most).
// - `validate` is the one gate between a request and the engine: every field a front end fills
//   from user input is checked here (range, NaN/infinity, token ids inside the vocabulary,
//   counts and lengths bounded), and the first problem is returned as InvalidArgument with a
//   message that names the field, the allowed range and the value given (a 400 for HTTP front
//   ends). The sampler assumes validated params and does not check them again.
// - The length of the prompt is not known here: "prompt + max_tokens <= max_model_len" is the
//   admission check's job; `validate` only bounds max_tokens by max_model_len alone.
// Thread safety: values and a pure function; use from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plexus/status.h"

namespace plexus {

struct SamplingParams {
  // Independent completions of one prompt. With a seed, completion i draws from its own stream
  // derived from (seed, i), so each is reproducible on its own.
  int n = 1;

  // Logits are divided by it. 0 (below 1e-5) means greedy: the first token of maximal
  // processed logit (after penalties and logit_bias), no random draw.
  float temperature = 1.0f;
  // Keep the k most likely tokens; -1 or 0 disables.
  int top_k = -1;
  // Keep the smallest set of most likely tokens whose probability sums to at least top_p, in (0,
  // 1].
  float top_p = 1.0f;
  // Drop tokens whose probability is below min_p times that of the most likely one, in [0, 1].
  float min_p = 0.0f;

  // HF / vLLM: a positive logit of a token seen in the prompt or the output is divided by it, a
  // negative one multiplied; 1 disables.
  float repetition_penalty = 1.0f;
  // OpenAI: subtracted once from the logit of each token present in the output so far.
  float presence_penalty = 0.0f;
  // OpenAI: subtracted from the logit of each output token, times its count so far.
  float frequency_penalty = 0.0f;
  // (token id, bias added to its logit), bias in [-100, 100]; each id at most once.
  std::vector<std::pair<std::int32_t, float>> logit_bias;

  // Absent: the sequence's generator is seeded from the process's random source.
  std::optional<std::uint64_t> seed;

  // Generation ends when the output text contains one of these; the text returned stops just
  // before it (the stop string itself is not returned).
  std::vector<std::string> stop;
  // Generation ends when one of these is sampled (the token is not part of the returned text).
  std::vector<std::int32_t> stop_token_ids;
  // Keep generating past the model's end-of-sequence token.
  bool ignore_eos = false;
  // No stop (EOS, stop token, stop string) before this many tokens: EOS and stop tokens are
  // masked out of the logits until then.
  int min_tokens = 0;
  int max_tokens = 16;

  // Return this many most likely alternatives (0..20) with each token, plus the chosen token's
  // own log-probability. Log-probabilities are log_softmax of the model's raw logits (vLLM's
  // default "raw_logprobs"): before penalties, bias, temperature and filtering.
  std::optional<int> logprobs;
};

// Limits `validate` enforces beyond the per-field ranges.
inline constexpr int kMaxSamplingN = 128;
inline constexpr int kMaxTopLogprobs = 20;
inline constexpr int kMaxStopStrings = 64;
inline constexpr int kMaxStopStringBytes = 1024;
inline constexpr int kMaxStopTokenIds = 1024;
inline constexpr float kMaxAbsLogitBias = 100.0f;
inline constexpr float kMaxAbsPresenceFrequencyPenalty = 2.0f;

// Ok, or InvalidArgument naming the first bad field, e.g.
// "top_p must be in (0, 1], got 0". REQUIRES: vocab_size > 0, max_model_len > 0.
Status validate(const SamplingParams& params, std::int32_t vocab_size, int max_model_len);

}  // namespace plexus
