// sample_token: chooses one sequence's next token from its logits row.
//
// Order (vLLM v1's): check the row; raw log-probabilities if asked; mask EOS / stop tokens
// before min_tokens; logit_bias; repetition, frequency and presence penalties; then greedy
// (temperature < kGreedyTemperature: first index of the maximal processed logit, no draw) or:
// divide by temperature, softmax, min_p, top_k, top_p, and one draw from what is left.
//
// Determinism: the result is a function of (logits, params, history, rng state). Filtering works
// on weights exp(l - max) in double; top_k and top_p rank tokens by (weight desc, id asc); the
// draw walks the kept tokens in a fixed order (that ranking when top_p sorted them, else id
// order) with one uniform from the sequence's own SamplingRng.
//
// Errors: a row with NaN or +inf, or with no token left that could be sampled, ends that request
// only (kInternal: the model, not the user, is at fault); the caller reports it and carries on
// with the rest of the batch. The rng is not advanced on error.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "plexus/sampling_params.h"
#include "plexus/status.h"
#include "sampling/sampling_rng.h"

namespace plexus::sampling {

inline constexpr float kGreedyTemperature = 1e-5f;

struct TokenLogprob {
  std::int32_t token = 0;
  float logprob = 0;
};

struct SampledToken {
  std::int32_t token = 0;
  // Raw log_softmax of the model's logits (before any processing) at `token`; set only when
  // params.logprobs is.
  std::optional<float> logprob;
  // The params.logprobs most likely tokens by raw log-probability, (logprob desc, id asc).
  std::vector<TokenLogprob> top_logprobs;
};

// What the sampler needs to know about the sequence beside its logits.
struct SequenceContext {
  std::span<const std::int32_t> prompt_ids;
  std::span<const std::int32_t> output_ids;  // generated so far, before this token
  std::span<const std::int32_t> eos_token_ids;
};

// REQUIRES: validate(params, logits.size(), ...) is ok.
Result<SampledToken> sample_token(std::span<const float> logits, const SamplingParams& params,
                                  const SequenceContext& sequence, SamplingRng& rng);

// log_softmax of `logits` in double precision (the reference for logprobs). REQUIRES: no NaN or
// +inf, at least one finite value.
std::vector<double> log_softmax(std::span<const float> logits);

}  // namespace plexus::sampling
