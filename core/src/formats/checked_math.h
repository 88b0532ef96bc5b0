// checked_math.h — overflow-checked integer arithmetic for file parsers.
//
// Every size, count and offset read from a weight file goes through these before it is used to
// index memory: a false return means "the file lies", and the caller reports which field.
#pragma once

#include <cstdint>
#include <span>

namespace plexus::formats {

// *out = a + b; false on overflow.
inline bool checked_add(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}

// *out = a * b; false on overflow.
inline bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

// Product of dims; false when it overflows or exceeds INT64_MAX (shapes are int64 in Tensor).
inline bool checked_numel(std::span<const std::int64_t> dims, std::uint64_t* out) {
  std::uint64_t n = 1;
  for (std::int64_t d : dims) {
    if (d < 0 || !checked_mul(n, std::uint64_t(d), &n)) return false;
  }
  if (n > std::uint64_t(INT64_MAX)) return false;
  *out = n;
  return true;
}

// Rounds `v` up to a multiple of `alignment` (a power of two); false on overflow.
inline bool checked_align_up(std::uint64_t v, std::uint64_t alignment, std::uint64_t* out) {
  std::uint64_t bumped;
  if (!checked_add(v, alignment - 1, &bumped)) return false;
  *out = bumped & ~(alignment - 1);
  return true;
}

inline bool is_power_of_two(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace plexus::formats
