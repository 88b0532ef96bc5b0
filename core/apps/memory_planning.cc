#include "memory_planning.h"

#include <algorithm>

#include "memory/kv_sizing.h"

namespace plexus::cli {

std::int64_t effective_max_model_len(const Manifest& m, const ModelSummary& s) {
  return m.model.max_model_len > 0 ? m.model.max_model_len : s.max_position_embeddings;
}

std::int64_t estimate_weight_bytes(const Manifest& m, const ModelSummary& s,
                                   const QuantScheme* quant) {
  const double table = double(s.vocab_size) * double(s.hidden_size);
  const double linear = std::max(0.0, double(s.total_parameters) - 2 * table);
  const double dense_bytes = double(dtype_size(m.model.dtype.value_or(DType::kF32)));
  const double per_weight = quant ? quant->bytes_per_weight() : dense_bytes;
  const int tp = std::max(m.devices.tensor_parallel, 1);
  return std::int64_t(linear * per_weight / tp + table * 4 + table * dense_bytes);
}

MemoryPlanInput memory_plan_input(const Manifest& m, const Model& model, const QuantScheme* quant,
                                  bool check_host) {
  const ModelSummary& s = model.summary();
  MemoryPlanInput in;
  in.gpu = m.devices.backend != DeviceKind::kCpu;
  in.budget_bytes = std::int64_t(m.devices.cpu_kv_cache_bytes);
  in.weight_bytes = estimate_weight_bytes(m, s, quant);
  in.activation_bytes = model.activation_bytes(m.scheduler.max_num_batched_tokens);
  in.logits_bytes = std::int64_t(m.scheduler.max_num_seqs) * s.vocab_size * 4;
  const auto per_token = bytes_per_token(model.kv_layout());
  in.kv_bytes_per_token = per_token.ok() ? *per_token : 0;
  in.block_size = m.scheduler.block_size;
  in.max_model_len = effective_max_model_len(m, s);
  if (check_host && !in.gpu) in.host_available_bytes = host_available_bytes();
  return in;
}

}  // namespace plexus::cli
