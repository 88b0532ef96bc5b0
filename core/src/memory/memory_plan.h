// The memory plan: how many KV blocks a deployment gets, decided before anything is promised.
//
// Contract:
// - GPU: KV budget = gpu_memory_utilization x device memory - weights - activation peak.
//   CPU: KV budget = [devices] cpu_kv_cache (like vLLM's CPU KV space), and weights + activation
//   peak + that budget must fit in the host's available memory when it is known.
// - The activation peak is the model's declared working memory for one step of
//   max_num_batched_tokens tokens (Model::activation_bytes) plus the logits of max_num_seqs rows.
// - `plan_memory` fails, before any listener opens, when one sequence of max_model_len tokens
//   cannot fit: the message says what is needed, what is free, and the largest max_model_len
//   that fits (or what to raise).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "plexus/status.h"

namespace plexus {

struct MemoryPlanInput {
  bool gpu = false;
  // GPU: utilization x memory of one device. CPU: the cpu_kv_cache budget itself.
  std::int64_t budget_bytes = 0;
  std::int64_t weight_bytes = 0;      // per device (this rank's share)
  std::int64_t activation_bytes = 0;  // model working memory at max_num_batched_tokens
  std::int64_t logits_bytes = 0;      // max_num_seqs x vocab x 4
  std::int64_t kv_bytes_per_token = 0;
  std::int32_t block_size = 16;
  std::int64_t max_model_len = 0;
  std::int64_t host_available_bytes = 0;  // CPU: MemAvailable; 0 = unknown (not checked)
};

struct MemoryPlan {
  std::int64_t kv_budget_bytes = 0;
  std::int32_t num_blocks = 0;
  std::int64_t kv_tokens = 0;    // num_blocks x block_size
  double max_concurrency = 0;    // sequences of max_model_len that fit at once
  std::int64_t total_bytes = 0;  // weights + activations + logits + KV
};

Result<MemoryPlan> plan_memory(const MemoryPlanInput& input);

// Lines for the start-up log and `plexus plan`: weights, activations, KV capacity, concurrency.
std::string describe(const MemoryPlanInput& input, const MemoryPlan& plan);

// "360.0 MiB", "1.25 GiB": sizes for people.
std::string human_bytes(std::int64_t bytes);

// The host's MemAvailable from /proc/meminfo, or 0 when it cannot be read.
std::int64_t host_available_bytes();

}  // namespace plexus
