// The steps that turn a model's logits row into the logits a request samples from, each on its
// own so tests can check it against its formula. Sampler runs them in vLLM v1's order:
// mask_stop_tokens_before_min, apply_logit_bias, apply_penalties (then temperature and the
// filters, see sampler.h).
//
// Each works in place on one row of vocab_size floats. Token ids outside [0, vocab_size) in the
// histories are ignored (validated params never carry any; histories come from the engine).
#pragma once

#include <cstdint>
#include <span>

#include "plexus/sampling_params.h"

namespace plexus::sampling {

// While fewer than min_tokens tokens have been generated, EOS and stop_token_ids get -inf so no
// stop can be sampled (ignore_eos leaves EOS alone: it cannot stop the sequence anyway).
void mask_stop_tokens_before_min(std::span<float> logits, const SamplingParams& params,
                                 std::size_t num_output_tokens,
                                 std::span<const std::int32_t> eos_token_ids);

// logits[id] += bias for each (id, bias) of params.logit_bias.
void apply_logit_bias(std::span<float> logits, const SamplingParams& params);

// Repetition penalty (HF / vLLM) over tokens seen in prompt or output: a positive logit is
// divided by it, any other multiplied. Then, for each token with count c > 0 in the output
// (OpenAI): logit -= frequency_penalty * c + presence_penalty.
void apply_penalties(std::span<float> logits, const SamplingParams& params,
                     std::span<const std::int32_t> prompt_ids,
                     std::span<const std::int32_t> output_ids);

// The first index of the largest value; -inf entries count as values. REQUIRES: non-empty.
std::int32_t argmax_first(std::span<const float> logits);

}  // namespace plexus::sampling
