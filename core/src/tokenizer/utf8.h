// utf8.h — the UTF-8 helpers the tokenizer needs: lossy repair, code point iteration, encoding.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace plexus::tokenizer {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Length of the longest valid UTF-8 sequence starting at s[pos], or 0 when s[pos] does not start
// one (bad lead byte, bad or missing continuation, overlong form, surrogate, > U+10FFFF).
std::size_t valid_sequence_length(std::string_view s, std::size_t pos);

bool is_valid_utf8(std::string_view s);

// `s` with each maximal invalid subpart replaced by U+FFFD (Unicode's "substitution of maximal
// subparts", as Python's decode("utf-8", "replace") and Rust's from_utf8_lossy do).
std::string repair_utf8(std::string_view s);

// REQUIRES: s is valid UTF-8 and pos < s.size() is at a character boundary.
std::size_t char_length(std::string_view s, std::size_t pos);
char32_t decode_char(std::string_view s, std::size_t pos);

void append_utf8(std::string& out, char32_t cp);

}  // namespace plexus::tokenizer
