// Jinja's tests (`value is name(args)`).
#include <algorithm>
#include <cmath>

#include "chat/builtins.h"
#include "chat/text.h"

namespace plexus::chat {

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
  if (name == "sequence") {
    return input.is_string() || input.is_list() || input.is_dict() || input.is_undefined();
  }
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

}  // namespace plexus::chat
