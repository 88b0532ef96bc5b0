#include "chat/call_args.h"

#include <algorithm>
#include <cstdlib>

#include "chat/text.h"

namespace plexus::chat {

const Value* CallArgs::get(std::size_t index, std::string_view name) const {
  if (index < positional.size()) return &positional[index];
  for (const auto& [k, v] : keyword) {
    if (k == name) return &v;
  }
  return nullptr;
}

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

}  // namespace plexus::chat
