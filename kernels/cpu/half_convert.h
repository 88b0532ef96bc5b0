// Internal to the CPU kernels: exact bf16/f16 -> f32 widening, inline for the scalar paths
// (plexus/dtype.h has the same conversions out of line; these are checked against them).
#pragma once

#include <bit>
#include <cstdint>

namespace plexus::kernels::internal {

inline float bf16_bits_to_f32(std::uint16_t h) {
  return std::bit_cast<float>(std::uint32_t(h) << 16);
}

inline float f16_bits_to_f32(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24 is exact in f32.
    const float magnitude = float(mantissa) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

}  // namespace plexus::kernels::internal
