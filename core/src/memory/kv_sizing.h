// How many KV cache blocks a memory budget buys, for a model's declared KV layout.
#pragma once

#include <cstdint>

#include "plexus/model.h"
#include "plexus/status.h"

namespace plexus {

// Bytes of f32 KV cache one token takes across all layers; InvalidArgument for a layout with a
// non-positive field or one too large to count in 64 bits.
Result<std::int64_t> bytes_per_token(const KvLayout& layout);

// The number of blocks of `block_size` tokens that fit in `budget_bytes` (capped to what a block
// id can name). ResourceExhausted, saying what to change, when not even one block fits.
Result<std::int32_t> blocks_for_budget(std::int64_t budget_bytes, const KvLayout& layout,
                                       std::int32_t block_size);

}  // namespace plexus
