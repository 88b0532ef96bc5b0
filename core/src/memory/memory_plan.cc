#include "memory/memory_plan.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

namespace plexus {
namespace {

std::string size(std::int64_t bytes) { return human_bytes(bytes); }

}  // namespace

std::string human_bytes(std::int64_t bytes) {
  const double b = double(std::max<std::int64_t>(bytes, 0));
  char text[32];
  if (b >= double(1LL << 30)) {
    std::snprintf(text, sizeof text, "%.2f GiB", b / double(1LL << 30));
  } else {
    std::snprintf(text, sizeof text, "%.1f MiB", b / double(1 << 20));
  }
  return text;
}

Result<MemoryPlan> plan_memory(const MemoryPlanInput& in) {
  if (in.kv_bytes_per_token < 1 || in.block_size < 1 || in.max_model_len < 1) {
    return Status::invalid_argument(
        "memory plan: KV bytes per token, block_size and max_model_len "
        "must be positive");
  }
  const std::int64_t working = in.weight_bytes + in.activation_bytes + in.logits_bytes;
  MemoryPlan plan;
  plan.kv_budget_bytes = in.gpu ? in.budget_bytes - working : in.budget_bytes;
  const std::int64_t per_block = in.kv_bytes_per_token * in.block_size;
  const std::int64_t blocks_needed = (in.max_model_len + in.block_size - 1) / in.block_size;
  const std::int64_t needed = blocks_needed * per_block;
  if (in.gpu && plan.kv_budget_bytes < needed) {
    const std::int64_t fits =
        std::max<std::int64_t>(plan.kv_budget_bytes, 0) / per_block * in.block_size;
    std::ostringstream m;
    m << "not enough GPU memory for one sequence of max_model_len " << in.max_model_len
      << ": its KV cache needs " << size(needed) << ", and " << size(in.budget_bytes)
      << " (gpu_memory_utilization x memory) minus weights " << size(in.weight_bytes)
      << " and activations " << size(in.activation_bytes + in.logits_bytes) << " leaves "
      << size(plan.kv_budget_bytes) << ". ";
    if (fits > 0) {
      m << "Lower [model] max_model_len to at most " << fits << ", ";
    }
    m << "raise [devices] gpu_memory_utilization, lower max_num_batched_tokens, or add "
         "tensor_parallel GPUs.";
    return Status::resource_exhausted(m.str());
  }
  if (!in.gpu && plan.kv_budget_bytes < needed) {
    const std::int64_t fits = plan.kv_budget_bytes / per_block * in.block_size;
    std::ostringstream m;
    m << "cpu_kv_cache " << size(in.budget_bytes) << " cannot hold one sequence of max_model_len "
      << in.max_model_len << ": it needs " << size(needed) << " (" << in.kv_bytes_per_token
      << " bytes per token). Raise [devices] cpu_kv_cache to at least " << size(needed);
    if (fits > 0) m << " or lower [model] max_model_len to at most " << fits;
    m << ".";
    return Status::resource_exhausted(m.str());
  }
  const std::int64_t blocks = std::min<std::int64_t>(plan.kv_budget_bytes / per_block,
                                                     std::numeric_limits<std::int32_t>::max());
  plan.num_blocks = std::int32_t(blocks);
  plan.kv_tokens = blocks * in.block_size;
  plan.max_concurrency = double(plan.kv_tokens) / double(in.max_model_len);
  plan.total_bytes = working + blocks * per_block;
  if (!in.gpu && in.host_available_bytes > 0 && plan.total_bytes > in.host_available_bytes) {
    std::ostringstream m;
    m << "this machine has " << size(in.host_available_bytes)
      << " of memory available, and the deployment needs " << size(plan.total_bytes) << " (weights "
      << size(in.weight_bytes) << ", activations " << size(in.activation_bytes + in.logits_bytes)
      << ", KV cache " << size(blocks * per_block) << "). Lower [devices] cpu_kv_cache";
    const std::int64_t spare = in.host_available_bytes - working;
    if (spare >= needed) m << " to at most " << size(spare);
    m << ", lower max_num_batched_tokens, or use a quantized checkpoint.";
    return Status::resource_exhausted(m.str());
  }
  return plan;
}

std::string describe(const MemoryPlanInput& in, const MemoryPlan& plan) {
  char line[512];
  std::snprintf(line, sizeof line,
                "weights %s, activations %s, KV cache %s = %lld tokens (%d blocks of %d); "
                "%.2f sequences of max_model_len %lld at once",
                size(in.weight_bytes).c_str(), size(in.activation_bytes + in.logits_bytes).c_str(),
                size(std::int64_t(plan.num_blocks) * in.block_size * in.kv_bytes_per_token).c_str(),
                static_cast<long long>(plan.kv_tokens), plan.num_blocks, in.block_size,
                plan.max_concurrency, static_cast<long long>(in.max_model_len));
  return line;
}

std::int64_t host_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    long long kib = 0;
    if (std::sscanf(line.c_str(), "MemAvailable: %lld kB", &kib) == 1) return kib * 1024;
  }
  return 0;
}

}  // namespace plexus
