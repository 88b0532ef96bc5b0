// Greedy generation for one sequence over a private paged KV cache: the smallest loop that
// turns a Model into text. The engine (scheduler, shared block pool, batching, sampling) will
// drive models the same way, through Model::forward and the same ForwardBatch.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "plexus/model.h"
#include "plexus/status.h"

namespace plexus::engine {

struct GreedyOptions {
  std::int32_t max_tokens = 256;
  std::vector<std::int32_t> stop_token_ids;  // generation ends after emitting one of these
  std::int32_t block_size = 16;
  // Sees each step's logits ([vocab]) before the token is chosen (tests compare them).
  std::function<void(std::span<const float>)> observe_logits;
};

// Prefills `prompt`, then decodes greedily. `on_token` is called for each new token (the stop
// token included) and may return false to stop early. Returns the generated ids.
Result<std::vector<std::int32_t>> generate_greedy(
    Model& model, std::span<const std::int32_t> prompt, const GreedyOptions& options,
    const std::function<bool(std::int32_t)>& on_token = {});

// The logits of every position of `prompt` ([prompt.size(), vocab]) from one prefill forward.
Result<std::vector<float>> prefill_logits(Model& model, std::span<const std::int32_t> prompt);

}  // namespace plexus::engine
