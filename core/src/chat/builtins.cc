#include "chat/builtins.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <set>

#include "chat/text.h"

namespace plexus::chat {

const Value* CallArgs::get(std::size_t index, std::string_view name) const {
  if (index < positional.size()) return &positional[index];
  for (const auto& [k, v] : keyword) {
    if (k == name) return &v;
  }
  return nullptr;
}

namespace {

Status type_error(const std::string& what, const Value& v) {
  return Status::invalid_argument(what + " does not accept a value of type '" + v.type_name() +
                                  "'");
}

Result<std::string> string_arg(const CallArgs& args, std::size_t i, std::string_view name,
                               const std::string& what) {
  const Value* v = args.get(i, name);
  if (v == nullptr) {
    return Status::invalid_argument(what + " is missing its argument '" + std::string(name) + "'");
  }
  if (!v->is_string()) return type_error(what + " argument '" + std::string(name) + "'", *v);
  return v->as_string();
}

Result<std::int64_t> int_arg(const CallArgs& args, std::size_t i, std::string_view name,
                             std::int64_t fallback, const std::string& what) {
  const Value* v = args.get(i, name);
  if (v == nullptr || v->is_none()) return fallback;
  if (v->is_int()) return v->as_int();
  if (v->is_bool()) return v->as_bool() ? 1 : 0;
  return type_error(what + " argument '" + std::string(name) + "'", *v);
}

bool bool_arg(const CallArgs& args, std::size_t i, std::string_view name, bool fallback) {
  const Value* v = args.get(i, name);
  return v == nullptr ? fallback : v->truthy();
}

// The items a for loop or a filter sees when iterating `v`.
Result<List> iterate(const Value& v, const std::string& what) {
  if (v.is_list()) return v.as_list();
  if (v.is_undefined()) return List{};
  if (v.is_string()) {
    List out;
    for (std::string_view cp : split_code_points(v.as_string()))
      out.push_back(Value::string(std::string(cp)));
    return out;
  }
  if (v.is_dict()) {
    List out;
    for (const auto& [k, item] : v.as_dict().items()) out.push_back(Value::string(k));
    return out;
  }
  return Status::invalid_argument(what + ": '" + v.type_name() + "' object is not iterable");
}

// `attribute` may be dotted ("function.name") as in Jinja's make_attrgetter.
Value get_attribute(const Value& v, const std::string& attribute) {
  Value current = v;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = attribute.find('.', start);
    const std::string part = attribute.substr(start, dot == std::string::npos ? dot : dot - start);
    if (current.is_dict()) {
      const Value* found = current.as_dict().find(part);
      current = found ? *found : Value::undefined("no attribute '" + part + "'");
    } else if (current.is_list() && !part.empty() &&
               std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      const std::size_t index = std::strtoul(part.c_str(), nullptr, 10);
      current = index < current.as_list().size() ? current.as_list()[index]
                                                 : Value::undefined("index out of range");
    } else {
      return Value::undefined("no attribute '" + part + "'");
    }
    if (dot == std::string::npos) return current;
    start = dot + 1;
  }
}

Status check_size(const std::string& s, const BuiltinLimits& limits) {
  if (s.size() > limits.max_string_bytes) {
    return Status::resource_exhausted("chat template built a string of more than " +
                                      std::to_string(limits.max_string_bytes) + " bytes");
  }
  return Status();
}

// select/reject/selectattr/rejectattr: keep items whose test result equals `keep`.
Result<Value> filter_by_test(const Value& input, const CallArgs& args, bool by_attribute, bool keep,
                             const std::string& name) {
  // Jinja skips a falsy sequence (None included) without iterating it.
  PLEXUS_ASSIGN_OR_RETURN(List items, input.is_none() ? List{} : iterate(input, name));
  std::size_t next_arg = 0;
  std::string attribute;
  if (by_attribute) {
    PLEXUS_ASSIGN_OR_RETURN(attribute, string_arg(args, 0, "attribute", name));
    next_arg = 1;
  }
  std::string test;
  CallArgs test_args;
  if (next_arg < args.positional.size()) {
    if (!args.positional[next_arg].is_string())
      return type_error(name + " test name", args.positional[next_arg]);
    test = args.positional[next_arg].as_string();
    test_args.positional.assign(args.positional.begin() + static_cast<long>(next_arg) + 1,
                                args.positional.end());
  }
  List out;
  for (const Value& item : items) {
    const Value subject = by_attribute ? get_attribute(item, attribute) : item;
    bool result = subject.truthy();
    if (!test.empty()) {
      PLEXUS_ASSIGN_OR_RETURN(result, apply_test(test, subject, test_args));
    }
    if (result == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}

// Jinja's sort and unique compare strings case-insensitively unless told otherwise.
Value sort_key(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value::string(ascii_lower(v.as_string()));
  return v;
}

Result<Value> filter_sort(const Value& input, const CallArgs& args) {
  PLEXUS_ASSIGN_OR_RETURN(List items, iterate(input, "sort"));
  const bool reverse = bool_arg(args, 0, "reverse", false);
  const bool case_sensitive = bool_arg(args, 1, "case_sensitive", false);
  const Value* attribute = args.get(2, "attribute");
  std::vector<std::pair<Value, Value>> keyed;
  for (const Value& item : items) {
    Value key =
        attribute && attribute->is_string() ? get_attribute(item, attribute->as_string()) : item;
    keyed.emplace_back(sort_key(key, case_sensitive), item);
  }
  Status failure;
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    Result<int> c = python_compare(a.first, b.first);
    if (!c.ok()) {
      failure = c.status();
      return false;
    }
    return reverse ? *c > 0 : *c < 0;
  });
  PLEXUS_RETURN_IF_ERROR(failure);
  List out;
  for (auto& [key, item] : keyed) out.push_back(std::move(item));
  return Value::list(std::move(out));
}

Result<Value> filter_int(const Value& input, const CallArgs& args) {
  if (input.is_undefined()) return Status::invalid_argument(input.undefined_hint());
  const Value* fallback = args.get(0, "default");
  const Value def = fallback ? *fallback : Value::integer(0);
  if (input.is_int()) return input;
  if (input.is_bool()) return Value::integer(input.as_bool() ? 1 : 0);
  if (input.is_float()) {
    const double d = input.as_double();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return def;
    return Value::integer(static_cast<std::int64_t>(d));
  }
  if (input.is_string()) {
    const std::string s = python_strip(input.as_string(), nullptr, true, true);
    char* end = nullptr;
    errno = 0;
    const long long i = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && end == s.c_str() + s.size() && errno == 0) return Value::integer(i);
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(d) && std::fabs(d) < 9.2e18) {
      return Value::integer(static_cast<std::int64_t>(d));
    }
  }
  return def;
}

Result<Value> filter_float(const Value& input, const CallArgs& args) {
  if (input.is_undefined()) return Status::invalid_argument(input.undefined_hint());
  const Value* fallback = args.get(0, "default");
  const Value def = fallback ? *fallback : Value::number(0.0);
  if (input.is_number()) return Value::number(input.as_double());
  if (input.is_string()) {
    const std::string s = python_strip(input.as_string(), nullptr, true, true);
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return Value::number(d);
  }
  return def;
}

Result<Value> filter_round(const Value& input, const CallArgs& args) {
  if (!input.is_number()) return type_error("round", input);
  PLEXUS_ASSIGN_OR_RETURN(std::int64_t precision, int_arg(args, 0, "precision", 0, "round"));
  const Value* method_v = args.get(1, "method");
  const std::string method = method_v && method_v->is_string() ? method_v->as_string() : "common";
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = input.as_double() * scale;
  double r;
  if (method == "common") {
    // Python's round(int, n) stays an int for n >= 0.
    if (!input.is_float() && precision >= 0) {
      return Value::integer(input.is_int() ? input.as_int() : (input.as_bool() ? 1 : 0));
    }
    r = std::nearbyint(x);  // round-half-even, as Python's round()
  } else if (method == "ceil") {
    r = std::ceil(x);
  } else if (method == "floor") {
    r = std::floor(x);
  } else {
    return Status::invalid_argument("round: method must be common, ceil or floor");
  }
  return Value::number(r / scale);
}

Result<Value> filter_join(const Value& input, const CallArgs& args, const BuiltinLimits& limits) {
  PLEXUS_ASSIGN_OR_RETURN(List items, iterate(input, "join"));
  const Value* sep_v = args.get(0, "d");
  const std::string sep = sep_v ? sep_v->str() : "";
  const Value* attribute = args.get(1, "attribute");
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += attribute && attribute->is_string()
               ? get_attribute(items[i], attribute->as_string()).str()
               : items[i].str();
    PLEXUS_RETURN_IF_ERROR(check_size(out, limits));
  }
  return Value::string(std::move(out));
}

Result<Value> filter_map(const Value& input, const CallArgs& args, const BuiltinLimits& limits) {
  PLEXUS_ASSIGN_OR_RETURN(List items, input.is_none() ? List{} : iterate(input, "map"));
  List out;
  const Value* attribute = args.get(99, "attribute");
  if (attribute != nullptr) {
    if (!attribute->is_string()) return type_error("map attribute", *attribute);
    const Value* fallback = args.get(99, "default");
    for (const Value& item : items) {
      Value v = get_attribute(item, attribute->as_string());
      out.push_back(v.is_undefined() && fallback ? *fallback : v);
    }
    return Value::list(std::move(out));
  }
  if (args.positional.empty() || !args.positional[0].is_string()) {
    return Status::invalid_argument("map needs a filter name or attribute=");
  }
  CallArgs filter_args;
  filter_args.positional.assign(args.positional.begin() + 1, args.positional.end());
  filter_args.keyword = args.keyword;
  for (const Value& item : items) {
    PLEXUS_ASSIGN_OR_RETURN(
        Value v, apply_filter(args.positional[0].as_string(), item, filter_args, limits));
    out.push_back(std::move(v));
  }
  return Value::list(std::move(out));
}

}  // namespace

Result<Value> apply_filter(const std::string& name, const Value& input, const CallArgs& args,
                           const BuiltinLimits& limits) {
  if (name == "trim") {
    const Value* chars = args.get(0, "chars");
    const std::string s = input.str();
    return Value::string(
        python_strip(s, chars && chars->is_string() ? &chars->as_string() : nullptr, true, true));
  }
  if (name == "length" || name == "count") {
    if (input.is_string())
      return Value::integer(static_cast<std::int64_t>(code_point_count(input.as_string())));
    if (input.is_list()) return Value::integer(static_cast<std::int64_t>(input.as_list().size()));
    if (input.is_dict()) return Value::integer(static_cast<std::int64_t>(input.as_dict().size()));
    if (input.is_undefined()) return Value::integer(0);
    return Status::invalid_argument("object of type '" + input.type_name() + "' has no len()");
  }
  if (name == "tojson") {
    PLEXUS_ASSIGN_OR_RETURN(std::int64_t indent, int_arg(args, 1, "indent", -1, "tojson"));
    const bool ensure_ascii = bool_arg(args, 0, "ensure_ascii", false);
    if (bool_arg(args, 4, "sort_keys", false)) {
      return Status::unsupported("tojson(sort_keys=true) is not supported");
    }
    if (indent > 64) return Status::invalid_argument("tojson indent too large");
    PLEXUS_ASSIGN_OR_RETURN(std::string text,
                            to_json_text(input, static_cast<int>(indent), ensure_ascii));
    PLEXUS_RETURN_IF_ERROR(check_size(text, limits));
    return Value::string(std::move(text));
  }
  if (name == "default" || name == "d") {
    const Value* fallback = args.get(0, "default_value");
    const bool boolean = bool_arg(args, 1, "boolean", false);
    const bool use_default = boolean ? !input.truthy() : input.is_undefined();
    if (!use_default) return input;
    return fallback ? *fallback : Value::string("");
  }
  if (name == "first" || name == "last") {
    PLEXUS_ASSIGN_OR_RETURN(List items, iterate(input, name));
    if (items.empty()) return Value::undefined("No " + name + " item, sequence was empty.");
    return name == "first" ? items.front() : items.back();
  }
  if (name == "join") return filter_join(input, args, limits);
  if (name == "upper") return Value::string(python_upper(input.str()));
  if (name == "lower") return Value::string(python_lower(input.str()));
  if (name == "capitalize") return Value::string(python_capitalize(input.str()));
  if (name == "title") return Value::string(jinja_title(input.str()));
  if (name == "string") return Value::string(input.str());
  if (name == "safe") return input;
  if (name == "int") return filter_int(input, args);
  if (name == "float") return filter_float(input, args);
  if (name == "round") return filter_round(input, args);
  if (name == "abs") {
    if (input.is_int()) {
      if (input.as_int() == INT64_MIN) return Status::invalid_argument("abs: integer overflow");
      return Value::integer(std::llabs(input.as_int()));
    }
    if (input.is_bool()) return Value::integer(input.as_bool() ? 1 : 0);
    if (input.is_number()) return Value::number(std::fabs(input.as_double()));
    return type_error("abs", input);
  }
  if (name == "list") {
    PLEXUS_ASSIGN_OR_RETURN(List items, iterate(input, name));
    return Value::list(std::move(items));
  }
  if (name == "items") {
    if (input.is_undefined()) return Value::list({});
    if (!input.is_dict()) return type_error("items", input);
    List out;
    for (const auto& [k, v] : input.as_dict().items())
      out.push_back(Value::list({Value::string(k), v}));
    return Value::list(std::move(out));
  }
  if (name == "reverse") {
    if (input.is_string()) {
      std::vector<std::string_view> cps = split_code_points(input.as_string());
      std::string out;
      for (auto it = cps.rbegin(); it != cps.rend(); ++it) out += *it;
      return Value::string(std::move(out));
    }
    PLEXUS_ASSIGN_OR_RETURN(List items, iterate(input, name));
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
  }
  if (name == "unique") {
    PLEXUS_ASSIGN_OR_RETURN(List items, iterate(input, name));
    const bool case_sensitive = bool_arg(args, 0, "case_sensitive", false);
    List out;
    std::vector<Value> seen;
    for (const Value& item : items) {
      const Value key = sort_key(item, case_sensitive);
      if (std::none_of(seen.begin(), seen.end(),
                       [&](const Value& s) { return values_equal(s, key); })) {
        seen.push_back(key);
        out.push_back(item);
      }
    }
    return Value::list(std::move(out));
  }
  if (name == "sum") {
    PLEXUS_ASSIGN_OR_RETURN(List items, iterate(input, name));
    const Value* attribute = args.get(0, "attribute");
    const Value* start = args.get(1, "start");
    bool is_int = start == nullptr || start->is_int() || start->is_bool();
    std::int64_t isum = start && start->is_int() ? start->as_int() : 0;
    double fsum = start ? start->as_double() : 0.0;
    for (const Value& item : items) {
      const Value v =
          attribute && attribute->is_string() ? get_attribute(item, attribute->as_string()) : item;
      if (!v.is_number()) return type_error("sum", v);
      if (v.is_float()) is_int = false;
      if (v.is_int() && __builtin_add_overflow(isum, v.as_int(), &isum)) {
        return Status::invalid_argument("sum: integer overflow");
      }
      fsum += v.as_double();
    }
    return is_int ? Value::integer(isum) : Value::number(fsum);
  }
  if (name == "sort") return filter_sort(input, args);
  if (name == "replace") {
    PLEXUS_ASSIGN_OR_RETURN(std::string from, string_arg(args, 0, "old", name));
    PLEXUS_ASSIGN_OR_RETURN(std::string to, string_arg(args, 1, "new", name));
    PLEXUS_ASSIGN_OR_RETURN(std::int64_t count, int_arg(args, 2, "count", -1, name));
    std::string out = python_replace(input.str(), from, to, static_cast<long>(count));
    PLEXUS_RETURN_IF_ERROR(check_size(out, limits));
    return Value::string(std::move(out));
  }
  if (name == "select" || name == "reject") {
    return filter_by_test(input, args, false, name == "select", name);
  }
  if (name == "selectattr" || name == "rejectattr") {
    return filter_by_test(input, args, true, name == "selectattr", name);
  }
  if (name == "map") return filter_map(input, args, limits);
  return Status::invalid_argument("No filter named '" + name + "'.");
}

Result<bool> apply_test(const std::string& name, const Value& input, const CallArgs& args) {
  auto arg = [&]() -> Result<Value> {
    const Value* v = args.get(0, "other");
    if (v == nullptr) return Status::invalid_argument("test '" + name + "' needs an argument");
    return *v;
  };
  if (name == "defined") return !input.is_undefined();
  if (name == "undefined") return input.is_undefined();
  if (name == "none") return input.is_none();
  if (name == "boolean") return input.is_bool();
  if (name == "true") return input.is_bool() && input.as_bool();
  if (name == "false") return input.is_bool() && !input.as_bool();
  if (name == "integer") return input.is_int();
  if (name == "float") return input.is_float();
  if (name == "number") return input.is_number();
  if (name == "string") return input.is_string();
  if (name == "mapping") return input.is_dict();
  // Jinja's Undefined iterates as empty, so it counts as iterable.
  if (name == "iterable") {
    return input.is_string() || input.is_list() || input.is_dict() || input.is_undefined();
  }
  if (name == "sequence") return input.is_string() || input.is_list() || input.is_dict();
  if (name == "callable") return input.is_macro() || input.is_builtin();
  if (name == "odd" || name == "even") {
    if (!input.is_number()) return type_error("test '" + name + "'", input);
    if (input.is_float()) {
      const double r = std::fmod(input.as_double(), 2.0);
      return name == "odd" ? (r == 1.0 || r == -1.0) : r == 0.0;
    }
    return (static_cast<std::int64_t>(input.as_double()) % 2 != 0) == (name == "odd");
  }
  if (name == "divisibleby") {
    PLEXUS_ASSIGN_OR_RETURN(Value n, arg());
    if (!input.is_number()) return type_error("divisibleby", input);
    if (!n.is_number() || n.as_double() == 0) return type_error("divisibleby", n);
    if (input.is_float() || n.is_float()) {
      return std::fmod(input.as_double(), n.as_double()) == 0;
    }
    const auto a = static_cast<std::int64_t>(input.as_double());
    const auto b = static_cast<std::int64_t>(n.as_double());
    return b == -1 || a % b == 0;
  }
  if (name == "lower") return python_islower(input.str());
  if (name == "upper") return python_isupper(input.str());
  if (name == "equalto" || name == "eq" || name == "==" || name == "sameas") {
    PLEXUS_ASSIGN_OR_RETURN(Value other, arg());
    return values_equal(input, other);
  }
  if (name == "ne" || name == "!=") {
    PLEXUS_ASSIGN_OR_RETURN(Value other, arg());
    return !values_equal(input, other);
  }
  if (name == "lt" || name == "lessthan" || name == "le" || name == "gt" || name == "greaterthan" ||
      name == "ge") {
    PLEXUS_ASSIGN_OR_RETURN(Value other, arg());
    PLEXUS_ASSIGN_OR_RETURN(int c, python_compare(input, other));
    if (name == "lt" || name == "lessthan") return c < 0;
    if (name == "le") return c <= 0;
    if (name == "gt" || name == "greaterthan") return c > 0;
    return c >= 0;
  }
  if (name == "in") {
    PLEXUS_ASSIGN_OR_RETURN(Value container, arg());
    PLEXUS_ASSIGN_OR_RETURN(List items, iterate(container, "in"));
    if (container.is_string()) {
      return input.is_string() &&
             container.as_string().find(input.as_string()) != std::string::npos;
    }
    return std::any_of(items.begin(), items.end(),
                       [&](const Value& v) { return values_equal(v, input); });
  }
  return Status::invalid_argument("No test named '" + name + "'.");
}

bool is_method(const Value& object, const std::string& name) {
  static const std::set<std::string> kStringMethods = {
      "strip", "lstrip", "rstrip",     "split", "startswith", "endswith", "replace", "upper",
      "lower", "title",  "capitalize", "find",  "count",      "join",     "isdigit", "isspace"};
  static const std::set<std::string> kDictMethods = {"items", "keys", "values", "get"};
  if (object.is_string()) return kStringMethods.count(name) != 0;
  if (object.is_dict()) return kDictMethods.count(name) != 0;
  return false;
}

Result<Value> call_method(const Value& object, const std::string& name, const CallArgs& args,
                          const BuiltinLimits& limits) {
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

bool is_global_function(const std::string& name) {
  return name == "range" || name == "namespace" || name == "dict" || name == "strftime_now" ||
         name == "raise_exception";
}

Result<Value> call_global(const std::string& name, const CallArgs& args,
                          const BuiltinLimits& limits) {
  if (name == "range") {
    std::int64_t bounds[3] = {0, 0, 1};
    if (args.positional.empty() || args.positional.size() > 3 || !args.keyword.empty()) {
      return Status::invalid_argument("range expects 1 to 3 integer arguments");
    }
    for (std::size_t i = 0; i < args.positional.size(); ++i) {
      const Value& v = args.positional[i];
      if (!v.is_int() && !v.is_bool()) return type_error("range", v);
      const std::int64_t x = v.is_int() ? v.as_int() : (v.as_bool() ? 1 : 0);
      if (args.positional.size() == 1) {
        bounds[1] = x;
      } else {
        bounds[i] = x;
      }
    }
    const auto [start, stop, step] = bounds;
    if (step == 0) return Status::invalid_argument("range() arg 3 must not be zero");
    // Count with long double so that extreme bounds cannot overflow.
    const long double span = static_cast<long double>(stop) - static_cast<long double>(start);
    long double count = std::ceil(span / static_cast<long double>(step));
    if (count < 0) count = 0;
    if (count > kMaxRange) {
      return Status::resource_exhausted(
          "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    }
    List out;
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(count); ++i) {
      out.push_back(Value::integer(start + i * step));
    }
    return Value::list(std::move(out));
  }
  if (name == "namespace" || name == "dict") {
    Dict attrs;
    for (const Value& v : args.positional) {
      if (!v.is_dict()) return type_error(name, v);
      for (const auto& [k, item] : v.as_dict().items()) attrs.set(k, item);
    }
    for (const auto& [k, v] : args.keyword) attrs.set(k, v);
    if (name == "dict") return Value::dict(std::move(attrs));
    auto ns = std::make_shared<Namespace>();
    ns->attrs = std::move(attrs);
    return Value(Value::Storage(std::move(ns)));
  }
  if (name == "strftime_now") {
    PLEXUS_ASSIGN_OR_RETURN(std::string format, string_arg(args, 0, "format", name));
    std::tm now{};
    if (limits.now) {
      now = *limits.now;
    } else {
      const std::time_t t = std::time(nullptr);
      localtime_r(&t, &now);
    }
    if (format.size() > 256) return Status::invalid_argument("strftime_now: format too long");
    if (format.empty()) return Value::string("");
    std::string out(format.size() * 32 + 64, '\0');
    const std::size_t n = std::strftime(out.data(), out.size(), format.c_str(), &now);
    out.resize(n);
    return Value::string(std::move(out));
  }
  return Status::invalid_argument("'" + name + "' is not a function");
}

}  // namespace plexus::chat
