#include "plexus/dtype.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <string>

namespace plexus {

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::kF64:
    case DType::kI64:
    case DType::kU64:
      return 8;
    case DType::kF32:
    case DType::kI32:
    case DType::kU32:
      return 4;
    case DType::kF16:
    case DType::kBF16:
    case DType::kI16:
    case DType::kU16:
      return 2;
    case DType::kF8E4M3:
    case DType::kF8E5M2:
    case DType::kI8:
    case DType::kU8:
    case DType::kBool:
      return 1;
  }
  return 0;
}

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::kF32:
      return "F32";
    case DType::kF16:
      return "F16";
    case DType::kBF16:
      return "BF16";
    case DType::kF64:
      return "F64";
    case DType::kF8E4M3:
      return "F8_E4M3";
    case DType::kF8E5M2:
      return "F8_E5M2";
    case DType::kI8:
      return "I8";
    case DType::kU8:
      return "U8";
    case DType::kI16:
      return "I16";
    case DType::kU16:
      return "U16";
    case DType::kI32:
      return "I32";
    case DType::kU32:
      return "U32";
    case DType::kI64:
      return "I64";
    case DType::kU64:
      return "U64";
    case DType::kBool:
      return "BOOL";
  }
  return "?";
}

std::optional<DType> parse_dtype(std::string_view name) {
  static constexpr DType kAll[] = {DType::kF32,    DType::kF16,    DType::kBF16, DType::kF64,
                                   DType::kF8E4M3, DType::kF8E5M2, DType::kI8,   DType::kU8,
                                   DType::kI16,    DType::kU16,    DType::kI32,  DType::kU32,
                                   DType::kI64,    DType::kU64,    DType::kBool};
  for (DType t : kAll) {
    if (dtype_name(t) == name) return t;
  }
  if (name == "f32" || name == "float32" || name == "float") return DType::kF32;
  if (name == "f16" || name == "float16" || name == "half") return DType::kF16;
  if (name == "bf16" || name == "bfloat16") return DType::kBF16;
  return std::nullopt;
}

bool dtype_is_float(DType t) {
  return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16 || t == DType::kF64 ||
         t == DType::kF8E4M3 || t == DType::kF8E5M2;
}

float f16_to_f32(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1f;
  const std::uint32_t mant = h & 0x3ffu;
  std::uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf or nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    // Subnormal half: value = mant * 2^-24, exactly representable in f32.
    float v = std::ldexp(float(mant), -24);
    return sign ? -v : v;
  }
  return std::bit_cast<float>(bits);
}

std::uint16_t f32_to_f16(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = std::uint16_t((x >> 16) & 0x8000u);
  const std::uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // inf or nan
    return sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u);
  }
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: overflow to inf
  if (abs < 0x38800000u) {
    // Result is subnormal (or zero) in half: round abs * 2^24 to nearest even integer.
    const float scaled = std::bit_cast<float>(abs) * 16777216.0f;  // exact: power of two
    return sign | std::uint16_t(std::nearbyint(scaled));
  }
  // Normal: rebias exponent, round mantissa to nearest even on the 13 dropped bits.
  std::uint32_t rebased = abs - (112u << 23);
  const std::uint32_t lsb = (rebased >> 13) & 1u;
  rebased += 0xfffu + lsb;
  return sign | std::uint16_t(rebased >> 13);
}

float bf16_to_f32(std::uint16_t b) { return std::bit_cast<float>(std::uint32_t(b) << 16); }

std::uint16_t f32_to_bf16(float f) {
  std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return std::uint16_t((x >> 16) | 0x40u);  // quiet nan
  x += 0x7fffu + ((x >> 16) & 1u);
  return std::uint16_t(x >> 16);
}

namespace {
// Generic small-float decode: 1 sign bit, `e` exponent bits, `m` mantissa bits, `bias`.
float decode_small_float(std::uint8_t v, int e, int m, int bias) {
  const bool neg = v & 0x80;
  const int exp = (v >> m) & ((1 << e) - 1);
  const int mant = v & ((1 << m) - 1);
  float r;
  if (exp == 0) {
    r = std::ldexp(float(mant), 1 - bias - m);
  } else {
    r = std::ldexp(float((1 << m) | mant), exp - bias - m);
  }
  return neg ? -r : r;
}
}  // namespace

float f8e4m3_to_f32(std::uint8_t v) {
  // E4M3 "fn" (as in safetensors/PyTorch float8_e4m3fn): no infinities, S.1111.111 is NaN.
  if ((v & 0x7f) == 0x7f) return std::nanf("");
  return decode_small_float(v, 4, 3, 7);
}

float f8e5m2_to_f32(std::uint8_t v) {
  // E5M2 follows IEEE: exponent all ones is inf (mantissa 0) or NaN.
  if (((v >> 2) & 0x1f) == 0x1f) {
    if (v & 0x3) return std::nanf("");
    return (v & 0x80) ? -INFINITY : INFINITY;
  }
  return decode_small_float(v, 5, 2, 15);
}

}  // namespace plexus
