// tensor_load.h — turns stored tensor bytes (dense or ggml blocks) into an owned tensor of the
// compute dtype, optionally one tensor-parallel shard and with rows reordered.
//
// Both weight sources end here, so conversion, slicing and the shard rules live in one place.
// REQUIRES of the caller: `data` covers the whole stored tensor (the readers checked it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ggml_types.h"
#include "plexus/dtype.h"
#include "plexus/status.h"
#include "plexus/weight_source.h"

namespace plexus::formats {

struct StoredTensor {
  std::string name;  // for messages: "model.layers.0.mlp.up_proj.weight in /m/model.safetensors"
  const std::byte* data = nullptr;
  std::vector<std::int64_t> shape;       // HF order, outermost first
  std::optional<DType> dense;            // safetensors: the element type
  const GgmlTypeTraits* ggml = nullptr;  // GGUF: the block format
  // Output row r (index along dim 0) is stored row row_map[r]; empty means identity.
  std::vector<std::int64_t> row_map;
};

// The part of `t` that `shard` selects, converted to `compute_dtype`: F32, BF16, F16, or the
// dense dtype the tensor is stored in (copied unchanged).
Result<OwnedTensor> load_stored(const StoredTensor& t, DType compute_dtype, ShardSpec shard);

// Undoes llama.cpp's Q/K permutation: the map for a [rows, ...] q_proj/k_proj with `n_head`
// heads. InvalidArgument when rows is not a multiple of 2 * n_head.
Result<std::vector<std::int64_t>> rope_unpermute_rows(std::int64_t rows, std::int64_t n_head);

}  // namespace plexus::formats
