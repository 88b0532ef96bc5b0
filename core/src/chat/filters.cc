// Jinja's filters (`value | name(args)`), as transformers' environment has them, with tojson
// defined the way transformers defines it.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "chat/builtins.h"
#include "chat/text.h"

namespace plexus::chat {
namespace {

// select/reject/selectattr/rejectattr: keep items whose test result equals `keep`.
Result<Value> filter_by_test(const Value& input, const CallArgs& args, bool by_attribute, bool keep,
                             const std::string& name) {
  // Jinja skips any falsy input (None, 0, False included) without iterating it.
  PLEXUS_ASSIGN_OR_RETURN(List items, input.truthy() ? iterate(input, name) : List{});
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
  PLEXUS_ASSIGN_OR_RETURN(List items, input.truthy() ? iterate(input, "map") : List{});
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

}  // namespace plexus::chat
