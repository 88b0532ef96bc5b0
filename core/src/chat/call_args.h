// Arguments of a filter, test, method or global call, and the small helpers every builtin uses
// to read them and to iterate its input the way Python would.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/value.h"
#include "plexus/status.h"

namespace plexus::chat {

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The argument at `index`, or the keyword argument `name`, or null when neither was given.
  const Value* get(std::size_t index, std::string_view name) const;
};

struct BuiltinLimits {
  std::size_t max_string_bytes;
  std::optional<std::tm> now;  // for strftime_now; the local time when empty
};

// "<what> does not accept a value of type '<type>'".
Status type_error(const std::string& what, const Value& v);

// The string / integer / truthiness of argument `i` (or keyword `name`); `fallback` when absent.
Result<std::string> string_arg(const CallArgs& args, std::size_t i, std::string_view name,
                               const std::string& what);
Result<std::int64_t> int_arg(const CallArgs& args, std::size_t i, std::string_view name,
                             std::int64_t fallback, const std::string& what);
bool bool_arg(const CallArgs& args, std::size_t i, std::string_view name, bool fallback);

// The items Python yields when iterating `v`: list items, dict keys, string code points;
// nothing for an undefined value. Other types are an error.
Result<List> iterate(const Value& v, const std::string& what);

// `v.attribute`, where attribute may be dotted ("function.name") as in Jinja's attrgetter.
Value get_attribute(const Value& v, const std::string& attribute);

// Refuses strings past the render's size bound.
Status check_size(const std::string& s, const BuiltinLimits& limits);

}  // namespace plexus::chat
