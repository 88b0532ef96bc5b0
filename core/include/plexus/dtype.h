// plexus/dtype.h — element types of tensors.
//
// Contract: `DType` names a dense element type; `dtype_size` is its size in bytes (1 for the
// fp8 types). Quantized block formats (GGUF Q4_0, AWQ, GPTQ) are not dtypes: they live behind
// the quant plugins' Linear interface. Names follow safetensors ("F32", "BF16", "F8_E4M3").
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace plexus {

enum class DType : std::uint8_t {
  kF32,
  kF16,
  kBF16,
  kF64,
  kF8E4M3,
  kF8E5M2,
  kI8,
  kU8,
  kI16,
  kU16,
  kI32,
  kU32,
  kI64,
  kU64,
  kBool,
};

std::size_t dtype_size(DType t);
// The safetensors spelling: "F32", "BF16", "F8_E4M3", "I32", "BOOL" ...
std::string_view dtype_name(DType t);
// Parses the safetensors spelling; also accepts the lower-case manifest spellings "f32",
// "float32", "f16", "float16", "half", "bf16", "bfloat16".
std::optional<DType> parse_dtype(std::string_view name);
bool dtype_is_float(DType t);

// Conversions used by readers and kernels (round-to-nearest-even where narrowing).
float f16_to_f32(std::uint16_t h);
std::uint16_t f32_to_f16(float f);
float bf16_to_f32(std::uint16_t b);
std::uint16_t f32_to_bf16(float f);
float f8e4m3_to_f32(std::uint8_t v);
float f8e5m2_to_f32(std::uint8_t v);

}  // namespace plexus
