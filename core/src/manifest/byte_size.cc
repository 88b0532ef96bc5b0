#include "byte_size.h"

#include <array>
#include <cctype>

namespace plexus {
namespace {

struct Unit {
  std::string_view name;  // lower case
  std::uint64_t bytes;
};

constexpr std::uint64_t kKiB = 1024;
constexpr std::array<Unit, 14> kUnits = {{
    {"", 1},
    {"b", 1},
    {"k", kKiB},
    {"kib", kKiB},
    {"m", kKiB* kKiB},
    {"mib", kKiB* kKiB},
    {"g", kKiB* kKiB* kKiB},
    {"gib", kKiB* kKiB* kKiB},
    {"t", kKiB* kKiB* kKiB* kKiB},
    {"tib", kKiB* kKiB* kKiB* kKiB},
    {"kb", 1000},
    {"mb", 1000 * 1000},
    {"gb", 1000ull * 1000 * 1000},
    {"tb", 1000ull * 1000 * 1000 * 1000},
}};

bool find_unit(std::string_view text, std::uint64_t* bytes) {
  std::string lower;
  for (char c : text)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const Unit& u : kUnits) {
    if (lower == u.name) {
      *bytes = u.bytes;
      return true;
    }
  }
  return false;
}

Status not_a_size() {
  return Status::invalid_argument(
      "is not a size: write a number of bytes or a number with a unit, like \"2GiB\", "
      "\"512MiB\" or \"1.5GB\"");
}

}  // namespace

Result<std::uint64_t> parse_byte_size(std::string_view text) {
  // Exact decimal arithmetic in 128 bits. More than 20 significant integer digits cannot fit in
  // 64 bits whatever the unit. At most 24 significant digits and 30 fractional places are kept:
  // 10^24 times the largest unit (2^40) stays far below 2^128, and what is dropped is worth
  // well under a byte in any result that fits in 64 bits.
  constexpr int kMaxIntegerDigits = 20;
  constexpr int kMaxSignificant = 24;
  constexpr int kMaxFractionPlaces = 30;
  std::size_t i = 0;
  unsigned __int128 mantissa = 0;
  unsigned __int128 divisor = 1;
  int significant = 0, int_digits = 0, frac_digits = 0;
  bool too_large = false;
  auto is_digit = [&](std::size_t at) {
    return at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]));
  };
  for (; is_digit(i); ++i, ++int_digits) {
    if (mantissa == 0 && text[i] == '0') continue;
    if (++significant > kMaxIntegerDigits) {
      too_large = true;
    } else {
      mantissa = mantissa * 10 + static_cast<unsigned>(text[i] - '0');
    }
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; is_digit(i); ++i, ++frac_digits) {
      if (mantissa != 0 || text[i] != '0') ++significant;
      if (too_large || significant > kMaxSignificant || frac_digits >= kMaxFractionPlaces) {
        continue;
      }
      mantissa = mantissa * 10 + static_cast<unsigned>(text[i] - '0');
      divisor *= 10;
    }
    if (frac_digits == 0) return not_a_size();
  }
  if (int_digits == 0) return not_a_size();
  while (i < text.size() && text[i] == ' ') ++i;
  std::uint64_t unit = 0;
  if (!find_unit(text.substr(i), &unit)) return not_a_size();
  const unsigned __int128 bytes = mantissa * unit / divisor;
  if (too_large || bytes > UINT64_MAX) {
    return Status::invalid_argument("is too large: sizes must be below 16EiB (2^64 bytes)");
  }
  return static_cast<std::uint64_t>(bytes);
}

std::string format_byte_size(std::uint64_t bytes) {
  constexpr std::array<std::pair<std::uint64_t, std::string_view>, 4> kBinary = {{
      {kKiB * kKiB * kKiB * kKiB, "TiB"},
      {kKiB * kKiB * kKiB, "GiB"},
      {kKiB * kKiB, "MiB"},
      {kKiB, "KiB"},
  }};
  if (bytes != 0) {
    for (const auto& [size, name] : kBinary) {
      if (bytes % size == 0) return std::to_string(bytes / size) + std::string(name);
    }
  }
  return std::to_string(bytes);
}

}  // namespace plexus
