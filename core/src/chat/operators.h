// Python's binary operators as Jinja applies them to template values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "chat/value.h"
#include "plexus/status.h"

namespace plexus::chat {

// Lists are bounded like strings: `{% set ns.l = ns.l + ns.l %}` in a short loop would
// otherwise double its way to any size.
inline constexpr std::size_t kMaxListItems = 1'000'000;

bool is_integral(const Value& v);       // int or bool
std::int64_t integral(const Value& v);  // REQUIRES: is_integral(v)

// + - * / // % ** with Python's semantics: int arithmetic (overflow is an error, where Python
// would grow a big integer), float division, floor division and modulo toward negative
// infinity, str and list concatenation and repetition (bounded by max_string_bytes and
// kMaxListItems before anything is allocated).
Result<Value> binary_operator(const std::string& op, const Value& a, const Value& b,
                              std::size_t max_string_bytes);

// Python's `item in container`: substring, list membership or dict key.
Result<bool> contains(const Value& container, const Value& item);

}  // namespace plexus::chat
