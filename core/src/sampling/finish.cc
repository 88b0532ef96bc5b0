#include "sampling/finish.h"

#include <algorithm>

namespace plexus::sampling {

std::string_view finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kAbort:
      return "abort";
    case FinishReason::kError:
      return "error";
  }
  return "error";
}

std::optional<FinishReason> finish_after_token(const SamplingParams& params,
                                               const TokenOutcome& outcome,
                                               std::span<const std::int32_t> eos_token_ids) {
  if (may_stop(params, outcome.num_output_tokens_before)) {
    const auto contains = [&](std::span<const std::int32_t> ids) {
      return std::find(ids.begin(), ids.end(), outcome.token) != ids.end();
    };
    if (!params.ignore_eos && contains(eos_token_ids)) return FinishReason::kStop;
    if (contains(params.stop_token_ids)) return FinishReason::kStop;
    if (outcome.stop_string_found) return FinishReason::kStop;
  }
  if (outcome.num_output_tokens_before + 1 >= static_cast<std::size_t>(params.max_tokens)) {
    return FinishReason::kLength;
  }
  return std::nullopt;
}

}  // namespace plexus::sampling
