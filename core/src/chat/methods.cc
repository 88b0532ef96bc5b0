// The Python methods of str, dict and list that templates call (`text.strip()`, `d.items()`).
#include <algorithm>
#include <set>

#include "chat/builtins.h"
#include "chat/text.h"

namespace plexus::chat {

bool is_method(const Value& object, const std::string& name) {
  static const std::set<std::string> kStringMethods = {
      "strip", "lstrip", "rstrip",     "split", "startswith", "endswith", "replace", "upper",
      "lower", "title",  "capitalize", "find",  "count",      "join",     "isdigit", "isspace"};
  static const std::set<std::string> kDictMethods = {"items", "keys", "values", "get"};
  if (object.is_list()) return name == "count" || name == "index";
  if (object.is_string()) return kStringMethods.count(name) != 0;
  if (object.is_dict()) return kDictMethods.count(name) != 0;
  return false;
}

Result<Value> call_method(const Value& object, const std::string& name, const CallArgs& args,
                          const BuiltinLimits& limits) {
  if (object.is_list()) {
    const Value* needle = args.get(0, "value");
    if (needle == nullptr) return Status::invalid_argument("list." + name + " needs an argument");
    const List& items = object.as_list();
    std::int64_t count = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!values_equal(items[i], *needle)) continue;
      if (name == "index") return Value::integer(static_cast<std::int64_t>(i));
      ++count;
    }
    if (name == "index") return Status::invalid_argument(needle->repr() + " is not in list");
    return Value::integer(count);
  }
  const std::string what = "str." + name;
  if (object.is_dict()) {
    const Dict& d = object.as_dict();
    List out;
    if (name == "get") {
      PLEXUS_ASSIGN_OR_RETURN(std::string key, string_arg(args, 0, "key", "dict.get"));
      const Value* found = d.find(key);
      const Value* fallback = args.get(1, "default");
      return found ? *found : fallback ? *fallback : Value::none();
    }
    for (const auto& [k, v] : d.items()) {
      if (name == "items") out.push_back(Value::list({Value::string(k), v}));
      if (name == "keys") out.push_back(Value::string(k));
      if (name == "values") out.push_back(v);
    }
    return Value::list(std::move(out));
  }
  const std::string& s = object.as_string();
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const Value* chars = args.get(0, "chars");
    const std::string* set = chars && chars->is_string() ? &chars->as_string() : nullptr;
    return Value::string(python_strip(s, set, name != "rstrip", name != "lstrip"));
  }
  if (name == "split") {
    const Value* sep = args.get(0, "sep");
    if (sep && !sep->is_string() && !sep->is_none()) return type_error(what, *sep);
    if (sep && sep->is_string() && sep->as_string().empty()) {
      return Status::invalid_argument("str.split: empty separator");
    }
    PLEXUS_ASSIGN_OR_RETURN(std::int64_t maxsplit, int_arg(args, 1, "maxsplit", -1, what));
    List out;
    for (std::string& part : python_split(s, sep && sep->is_string() ? &sep->as_string() : nullptr,
                                          static_cast<long>(maxsplit))) {
      out.push_back(Value::string(std::move(part)));
    }
    return Value::list(std::move(out));
  }
  if (name == "startswith" || name == "endswith") {
    const Value* affix = args.get(0, "prefix");
    if (affix == nullptr) return Status::invalid_argument(what + " needs an argument");
    List candidates = affix->is_list() ? affix->as_list() : List{*affix};
    for (const Value& c : candidates) {
      if (!c.is_string()) return type_error(what, c);
      const std::string& a = c.as_string();
      if (a.size() > s.size()) continue;
      if (name == "startswith" ? s.compare(0, a.size(), a) == 0
                               : s.compare(s.size() - a.size(), a.size(), a) == 0) {
        return Value::boolean(true);
      }
    }
    return Value::boolean(false);
  }
  if (name == "replace") {
    PLEXUS_ASSIGN_OR_RETURN(std::string from, string_arg(args, 0, "old", what));
    PLEXUS_ASSIGN_OR_RETURN(std::string to, string_arg(args, 1, "new", what));
    PLEXUS_ASSIGN_OR_RETURN(std::int64_t count, int_arg(args, 2, "count", -1, what));
    std::string out = python_replace(s, from, to, static_cast<long>(count));
    PLEXUS_RETURN_IF_ERROR(check_size(out, limits));
    return Value::string(std::move(out));
  }
  if (name == "upper") return Value::string(python_upper(s));
  if (name == "lower") return Value::string(python_lower(s));
  if (name == "title") return Value::string(python_title(s));
  if (name == "capitalize") return Value::string(python_capitalize(s));
  if (name == "isdigit") {
    return Value::boolean(
        !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }));
  }
  if (name == "isspace") {
    return Value::boolean(!s.empty() && python_strip(s, nullptr, true, true).empty());
  }
  if (name == "find" || name == "count") {
    PLEXUS_ASSIGN_OR_RETURN(std::string sub, string_arg(args, 0, "sub", what));
    if (name == "find") {
      const std::size_t pos = s.find(sub);
      if (pos == std::string::npos) return Value::integer(-1);
      return Value::integer(
          static_cast<std::int64_t>(code_point_count(std::string_view(s).substr(0, pos))));
    }
    if (sub.empty()) return Value::integer(static_cast<std::int64_t>(code_point_count(s) + 1));
    std::int64_t n = 0;
    for (std::size_t pos = s.find(sub); pos != std::string::npos;
         pos = s.find(sub, pos + sub.size()))
      ++n;
    return Value::integer(n);
  }
  // join
  const Value* iterable = args.get(0, "iterable");
  if (iterable == nullptr) return Status::invalid_argument("str.join needs an argument");
  PLEXUS_ASSIGN_OR_RETURN(List items, iterate(*iterable, what));
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string()) return type_error(what, items[i]);
    if (i > 0) out += s;
    out += items[i].as_string();
    PLEXUS_RETURN_IF_ERROR(check_size(out, limits));
  }
  return Value::string(std::move(out));
}

}  // namespace plexus::chat
