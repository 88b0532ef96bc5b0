#include "ggml_types.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "plexus/dtype.h"

// This file must not contract `d * q + m` into a fused multiply-add: the reference (numpy)
// rounds the product and the sum separately, and the tests compare bit for bit. CMake compiles
// it with -ffp-contract=off.

namespace plexus::formats {
namespace {

// Ids and sizes as ggml defines them (ggml.h / gguf-py constants).
constexpr GgmlTypeTraits kTypes[] = {
    {0, "F32", 1, 4, true},          {1, "F16", 1, 2, true},
    {2, "Q4_0", 32, 18, true},       {3, "Q4_1", 32, 20, true},
    {6, "Q5_0", 32, 22, false},      {7, "Q5_1", 32, 24, false},
    {8, "Q8_0", 32, 34, true},       {9, "Q8_1", 32, 40, false},
    {10, "Q2_K", 256, 84, false},    {11, "Q3_K", 256, 110, false},
    {12, "Q4_K", 256, 144, false},   {13, "Q5_K", 256, 176, false},
    {14, "Q6_K", 256, 210, false},   {15, "Q8_K", 256, 292, false},
    {16, "IQ2_XXS", 256, 66, false}, {17, "IQ2_XS", 256, 74, false},
    {18, "IQ3_XXS", 256, 98, false}, {19, "IQ1_S", 256, 50, false},
    {20, "IQ4_NL", 32, 18, false},   {21, "IQ3_S", 256, 110, false},
    {22, "IQ2_S", 256, 82, false},   {23, "IQ4_XS", 256, 136, false},
    {24, "I8", 1, 1, false},         {25, "I16", 1, 2, false},
    {26, "I32", 1, 4, false},        {27, "I64", 1, 8, false},
    {28, "F64", 1, 8, false},        {29, "IQ1_M", 256, 56, false},
    {30, "BF16", 1, 2, true},        {34, "TQ1_0", 256, 54, false},
    {35, "TQ2_0", 256, 66, false},   {39, "MXFP4", 32, 17, false},
};

std::uint16_t load_u16(const std::byte* p) {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// Decodes one whole block of `t` at `b` into out[0..block_size).
void decode_block(GgmlType t, const std::byte* b, float* out) {
  switch (t) {
    case GgmlType::kF32:
      std::memcpy(out, b, 4);
      return;
    case GgmlType::kF16:
      out[0] = f16_to_f32(load_u16(b));
      return;
    case GgmlType::kBF16:
      out[0] = bf16_to_f32(load_u16(b));
      return;
    case GgmlType::kQ4_0: {
      // f16 scale, then 16 bytes: byte j holds element j (low nibble) and j + 16 (high).
      const float d = f16_to_f32(load_u16(b));
      for (int j = 0; j < 16; ++j) {
        const auto q = std::uint8_t(b[2 + j]);
        out[j] = d * float(int(q & 0x0F) - 8);
        out[j + 16] = d * float(int(q >> 4) - 8);
      }
      return;
    }
    case GgmlType::kQ4_1: {
      const float d = f16_to_f32(load_u16(b));
      const float m = f16_to_f32(load_u16(b + 2));
      for (int j = 0; j < 16; ++j) {
        const auto q = std::uint8_t(b[4 + j]);
        const float lo = d * float(q & 0x0F);
        const float hi = d * float(q >> 4);
        out[j] = lo + m;
        out[j + 16] = hi + m;
      }
      return;
    }
    case GgmlType::kQ8_0: {
      const float d = f16_to_f32(load_u16(b));
      for (int j = 0; j < 32; ++j) out[j] = float(std::int8_t(b[2 + j])) * d;
      return;
    }
    default:
      return;  // unreachable: callers check `dequantizable`
  }
}

}  // namespace

const GgmlTypeTraits* ggml_type_traits(std::uint32_t id) {
  for (const GgmlTypeTraits& t : kTypes) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

Status ggml_dequantize(const GgmlTypeTraits& t, const std::byte* src, std::uint64_t first,
                       std::uint64_t n, float* dst) {
  if (!t.dequantizable) {
    return Status::unsupported("plexus cannot dequantise ggml type " + std::string(t.name) +
                               " yet (supported: F32, F16, BF16, Q4_0, Q4_1, Q8_0)");
  }
  const auto type = GgmlType(t.id);
  const std::uint64_t bs = t.block_size;
  if (t.block_size == 1 && type == GgmlType::kF32) {
    std::memcpy(dst, src + first * 4, n * 4);
    return Status();
  }
  float block[256];
  std::uint64_t done = 0;
  while (done < n) {
    const std::uint64_t element = first + done;
    const std::uint64_t block_index = element / bs;
    const std::uint64_t offset = element % bs;
    const std::uint64_t take = std::min<std::uint64_t>(bs - offset, n - done);
    const std::byte* b = src + block_index * t.type_size;
    if (offset == 0 && take == bs) {
      decode_block(type, b, dst + done);
    } else {
      decode_block(type, b, block);
      std::copy(block + offset, block + offset + take, dst + done);
    }
    done += take;
  }
  return Status();
}

}  // namespace plexus::formats
