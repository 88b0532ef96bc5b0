// Why a sequence ends, and the per-token rule that decides it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "plexus/sampling_params.h"

namespace plexus::sampling {

enum class FinishReason {
  kStop,    // EOS, a stop token id or a stop string
  kLength,  // max_tokens generated (or the context is full: the engine's check)
  kAbort,   // the client went away or the request was cancelled
  kError,   // this request failed (e.g. NaN logits); the rest of the batch goes on
};

// The OpenAI spelling: "stop", "length", "abort", "error".
std::string_view finish_reason_name(FinishReason reason);

struct TokenOutcome {
  std::int32_t token = 0;
  // Tokens generated before this one (this one is number num_output_tokens_before + 1).
  std::size_t num_output_tokens_before = 0;
  // The StopChecker found a stop string in this token's text.
  bool stop_string_found = false;
};

// Whether the sequence ends with this token, in vLLM's order: nothing stops it before min_tokens
// tokens were generated (EOS, stop ids and strings are masked or ignored until then; length still
// applies); then EOS (unless ignore_eos), stop_token_ids, a stop string -> kStop; then
// max_tokens reached -> kLength. A stopping token (EOS or stop id) is not part of the output text.
std::optional<FinishReason> finish_after_token(const SamplingParams& params,
                                               const TokenOutcome& outcome,
                                               std::span<const std::int32_t> eos_token_ids);

// Whether stops may happen at this token: the StopChecker's `may_stop`.
inline bool may_stop(const SamplingParams& params, std::size_t num_output_tokens_before) {
  return num_output_tokens_before >= static_cast<std::size_t>(std::max(params.min_tokens, 0));
}

}  // namespace plexus::sampling
