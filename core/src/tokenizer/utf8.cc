#include "utf8.h"

namespace plexus::tokenizer {
namespace {

bool in(unsigned char b, unsigned char lo, unsigned char hi) { return b >= lo && b <= hi; }

// What a lead byte promises: the sequence length (0 for a byte that cannot lead) and the range
// of the second byte, which excludes overlong forms, surrogates and code points above
// U+10FFFF; later continuation bytes are always 80..BF.
struct Lead {
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
};

Lead lead(unsigned char b0) {
  if (in(b0, 0xC2, 0xDF)) return {2};
  if (b0 == 0xE0) return {3, 0xA0};
  if (in(b0, 0xE1, 0xEC) || in(b0, 0xEE, 0xEF)) return {3};
  if (b0 == 0xED) return {3, 0x80, 0x9F};
  if (b0 == 0xF0) return {4, 0x90};
  if (in(b0, 0xF1, 0xF3)) return {4};
  if (b0 == 0xF4) return {4, 0x80, 0x8F};
  return {};
}

}  // namespace

std::size_t valid_sequence_length(std::string_view s, std::size_t pos) {
  const auto at = [&](std::size_t i) -> int {
    return pos + i < s.size() ? static_cast<unsigned char>(s[pos + i]) : -1;
  };
  const int b0 = at(0);
  if (b0 < 0) return 0;
  if (b0 < 0x80) return 1;
  const auto [len, lo, hi] = lead(static_cast<unsigned char>(b0));
  if (len == 0) return 0;
  const int b1 = at(1);
  if (b1 < 0 || !in(static_cast<unsigned char>(b1), lo, hi)) return 0;
  for (std::size_t i = 2; i < len; ++i) {
    const int b = at(i);
    if (b < 0 || !in(static_cast<unsigned char>(b), 0x80, 0xBF)) return 0;
  }
  return len;
}

bool is_valid_utf8(std::string_view s) {
  std::size_t pos = 0;
  while (pos < s.size()) {
    if (static_cast<unsigned char>(s[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const std::size_t n = valid_sequence_length(s, pos);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

namespace {

// Length of the maximal subpart starting at pos: the longest prefix of a well-formed sequence
// (at least one byte), with the same ranges as valid_sequence_length.
std::size_t maximal_subpart(std::string_view s, std::size_t pos) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  const auto [len, lo, hi] = lead(b0);
  if (len == 0) return 1;
  std::size_t n = 1;
  if (pos + n < s.size() && in(static_cast<unsigned char>(s[pos + n]), lo, hi)) {
    ++n;
    while (n < len && pos + n < s.size() &&
           in(static_cast<unsigned char>(s[pos + n]), 0x80, 0xBF)) {
      ++n;
    }
  }
  return n;
}

}  // namespace

std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  std::size_t pos = 0;
  while (pos < s.size()) {
    if (static_cast<unsigned char>(s[pos]) < 0x80) {
      out.push_back(s[pos++]);
      continue;
    }
    const std::size_t n = valid_sequence_length(s, pos);
    if (n > 0) {
      out.append(s.substr(pos, n));
      pos += n;
    } else {
      out.append(kReplacementChar);
      pos += maximal_subpart(s, pos);
    }
  }
  return out;
}

std::size_t char_length(std::string_view s, std::size_t pos) {
  const auto b = static_cast<unsigned char>(s[pos]);
  if (b < 0x80) return 1;
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 3;
  return 4;
}

char32_t decode_char(std::string_view s, std::size_t pos) {
  const auto b = [&](std::size_t i) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[pos + i]));
  };
  switch (char_length(s, pos)) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace plexus::tokenizer
