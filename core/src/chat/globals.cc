// Global functions: range (bounded like jinja2's sandbox), namespace, dict, strftime_now.
#include <cmath>
#include <ctime>
#include <memory>

#include "chat/builtins.h"

namespace plexus::chat {

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
