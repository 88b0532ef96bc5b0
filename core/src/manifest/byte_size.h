// byte_size.h — sizes written for people ("2GiB", "512MiB", "1.5GB") as exact byte counts.
//
// Accepted: a decimal number (optionally with a fractional part) followed, after optional
// spaces, by a unit: B; KiB, MiB, GiB, TiB (powers of 1024, also written K, M, G, T); KB, MB,
// GB, TB (powers of 1000). Units are case-insensitive except that the "i" forms are binary.
// The arithmetic is exact (no floating point): "1.5GiB" is 1610612736 bytes; a fraction of a
// byte is dropped. Results that do not fit in 64 bits are errors, never wrapped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "plexus/status.h"

namespace plexus {

// InvalidArgument with a short reason ("not a size", "too large") that the caller puts after
// the key's name.
Result<std::uint64_t> parse_byte_size(std::string_view text);

// The shortest exact spelling: "2GiB", "512MiB", "1536KiB", or plain bytes "1000".
std::string format_byte_size(std::uint64_t bytes);

}  // namespace plexus
