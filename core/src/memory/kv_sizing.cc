#include "memory/kv_sizing.h"

#include <algorithm>
#include <limits>
#include <string>

namespace plexus {

Result<std::int64_t> bytes_per_token(const KvLayout& layout) {
  if (layout.num_layers < 1 || layout.values_per_token < 1) {
    return Status::invalid_argument(
        "the model's KV layout must have at least one layer and one value per token, got " +
        std::to_string(layout.num_layers) + " layers x " + std::to_string(layout.values_per_token) +
        " values");
  }
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::int64_t per_layer_bytes = static_cast<std::int64_t>(sizeof(float));
  if (layout.values_per_token > kMax / per_layer_bytes / layout.num_layers) {
    return Status::invalid_argument("the model's KV layout is too large to size");
  }
  return layout.num_layers * layout.values_per_token * per_layer_bytes;
}

Result<std::int32_t> blocks_for_budget(std::int64_t budget_bytes, const KvLayout& layout,
                                       std::int32_t block_size) {
  if (block_size < 1) {
    return Status::invalid_argument("KV block_size must be at least 1, got " +
                                    std::to_string(block_size));
  }
  PLEXUS_ASSIGN_OR_RETURN(const std::int64_t per_token, bytes_per_token(layout));
  if (per_token > std::numeric_limits<std::int64_t>::max() / block_size) {
    return Status::invalid_argument("a KV block of " + std::to_string(block_size) +
                                    " tokens is too large to size; lower block_size");
  }
  const std::int64_t per_block = per_token * block_size;
  const std::int64_t blocks = budget_bytes > 0 ? budget_bytes / per_block : 0;
  if (blocks < 1) {
    return Status::resource_exhausted(
        "the KV cache budget of " + std::to_string(budget_bytes) + " bytes holds no block: one " +
        std::to_string(block_size) + "-token block needs " + std::to_string(per_block) +
        " bytes; raise the KV cache memory budget or lower block_size");
  }
  return static_cast<std::int32_t>(
      std::min<std::int64_t>(blocks, std::numeric_limits<std::int32_t>::max()));
}

}  // namespace plexus
