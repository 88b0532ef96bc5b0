// ggml_types.h — the ggml tensor types a GGUF file may name, and dequantisation to f32.
//
// Every ggml type id that GGUF writers use has its block size and bytes per block here, so a
// file holding types plexus cannot dequantise still parses (its sizes are checked) and fails
// only when such a tensor is loaded. Dequantisation follows ggml's reference formulas and is
// bit-equal to the `gguf` Python package's (the golden tests check this).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "plexus/status.h"

namespace plexus::formats {

enum class GgmlType : std::uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kBF16 = 30,
};

struct GgmlTypeTraits {
  std::uint32_t id;
  std::string_view name;     // "Q4_1"
  std::uint32_t block_size;  // elements per block (1 for plain types)
  std::uint32_t type_size;   // bytes per block
  bool dequantizable;        // plexus can convert it to f32
};

// nullptr for an id no ggml version has defined (or one that was removed from the format).
const GgmlTypeTraits* ggml_type_traits(std::uint32_t id);

// Dequantises `n` elements starting at element `first` of a tensor of type `t` whose data
// begins at `src`, into dst[0..n). Elements outside whole blocks are handled (the containing
// blocks are decoded). REQUIRES: the caller checked that the tensor's data covers the blocks.
// Unsupported when `t` is not dequantizable.
Status ggml_dequantize(const GgmlTypeTraits& t, const std::byte* src, std::uint64_t first,
                       std::uint64_t n, float* dst);

}  // namespace plexus::formats
