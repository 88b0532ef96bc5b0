#include "sampling/logits_processors.h"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <vector>

namespace plexus::sampling {
namespace {

bool in_vocab(std::int32_t id, std::span<float> logits) {
  return id >= 0 && static_cast<std::size_t>(id) < logits.size();
}

}  // namespace

void mask_stop_tokens_before_min(std::span<float> logits, const SamplingParams& params,
                                 std::size_t num_output_tokens,
                                 std::span<const std::int32_t> eos_token_ids) {
  if (num_output_tokens >= static_cast<std::size_t>(std::max(params.min_tokens, 0))) return;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  if (!params.ignore_eos) {
    for (std::int32_t id : eos_token_ids) {
      if (in_vocab(id, logits)) logits[id] = kNegInf;
    }
  }
  for (std::int32_t id : params.stop_token_ids) {
    if (in_vocab(id, logits)) logits[id] = kNegInf;
  }
}

void apply_logit_bias(std::span<float> logits, const SamplingParams& params) {
  for (const auto& [id, bias] : params.logit_bias) {
    if (in_vocab(id, logits)) logits[id] += bias;
  }
}

void apply_penalties(std::span<float> logits, const SamplingParams& params,
                     std::span<const std::int32_t> prompt_ids,
                     std::span<const std::int32_t> output_ids) {
  if (params.repetition_penalty != 1.0f) {
    // A token seen twice is penalised once, so mark before applying.
    std::vector<bool> seen(logits.size(), false);
    for (auto ids : {prompt_ids, output_ids}) {
      for (std::int32_t id : ids) {
        if (in_vocab(id, logits)) seen[id] = true;
      }
    }
    const float r = params.repetition_penalty;
    for (std::size_t id = 0; id < logits.size(); ++id) {
      if (seen[id]) logits[id] = logits[id] > 0 ? logits[id] / r : logits[id] * r;
    }
  }
  if (params.presence_penalty == 0.0f && params.frequency_penalty == 0.0f) return;
  std::unordered_map<std::int32_t, int> counts;
  for (std::int32_t id : output_ids) {
    if (in_vocab(id, logits)) ++counts[id];
  }
  for (const auto& [id, count] : counts) {
    logits[id] -= params.frequency_penalty * static_cast<float>(count) + params.presence_penalty;
  }
}

std::int32_t argmax_first(std::span<const float> logits) {
  // std::max_element returns the first of equal maxima.
  return static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

}  // namespace plexus::sampling
