// Python's str operations on UTF-8 text: code points, whitespace, strip/split/title.
//
// Python strings are sequences of code points; plexus keeps UTF-8 bytes and splits them into
// code points only where Python's answer depends on it. Bytes that are not valid UTF-8 count as
// one character each, so no input can make these functions fail.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plexus::chat {

// Each code point of `s` as a view into `s`.
std::vector<std::string_view> split_code_points(std::string_view s);
std::size_t code_point_count(std::string_view s);
// The code point that starts `s` (U+FFFD for an invalid byte); `size` receives its byte length.
char32_t decode_code_point(std::string_view s, std::size_t* size);
void append_utf8(std::string& out, char32_t cp);

// str.isspace() for one code point.
bool is_python_space(char32_t cp);

// str.strip/lstrip/rstrip; `chars` is the set of code points to remove, or Python's whitespace
// when `chars` is null.
std::string python_strip(std::string_view s, const std::string* chars, bool left, bool right);
// str.split(sep, maxsplit); sep == nullptr splits on runs of whitespace. maxsplit < 0: no limit.
std::vector<std::string> python_split(std::string_view s, const std::string* sep, long maxsplit);
std::string python_replace(std::string_view s, std::string_view from, std::string_view to,
                           long count);
// ASCII-only case mapping, for comparisons that Jinja makes case-insensitive (sort, unique).
std::string ascii_lower(std::string_view s);

// Case mapping of one code point for the scripts chat content mostly uses: ASCII, Latin-1,
// Latin Extended-A, Greek and Cyrillic. Other code points are returned unchanged (Python maps
// a few more scripts; none of the supported templates change the case of message content).
char32_t to_upper(char32_t cp);
char32_t to_lower(char32_t cp);
bool is_cased_letter(char32_t cp);

// str.upper() / str.lower() (with "ß".upper() == "SS", as Python).
std::string python_upper(std::string_view s);
std::string python_lower(std::string_view s);
// str.isupper() / str.islower(): at least one cased letter, and none of the other case.
bool python_isupper(std::string_view s);
bool python_islower(std::string_view s);
// str.title(): a letter after a non-letter is upper-cased, every other letter lower-cased.
std::string python_title(std::string_view s);
// str.capitalize(): the first character upper-cased, the rest lower-cased.
std::string python_capitalize(std::string_view s);
// Jinja's title filter: the first character of each word (words split at runs of whitespace,
// '-', '(', '{', '[' and '<') upper-cased, the rest of the word lower-cased.
std::string jinja_title(std::string_view s);

}  // namespace plexus::chat
