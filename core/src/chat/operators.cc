// Python's binary operators on template values: arithmetic, concatenation, repetition, `in`.
#include "chat/operators.h"

#include <cmath>
#include <utility>

namespace plexus::chat {

bool is_integral(const Value& v) { return v.is_int() || v.is_bool(); }
std::int64_t integral(const Value& v) { return v.is_int() ? v.as_int() : (v.as_bool() ? 1 : 0); }

namespace {

// Python's floor division and modulo for integers (rounding toward negative infinity).
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  std::int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

// Python's divmod for floats (Objects/floatobject.c), so that 1 // 0.1 == 9.0 as in Python.
std::pair<double, double> python_float_divmod(double x, double y) {
  double mod = std::fmod(x, y);
  double div = (x - mod) / y;
  if (mod != 0) {
    if ((y < 0) != (mod < 0)) {
      mod += y;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, y);
  }
  double floordiv;
  if (div != 0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, x / y);
  }
  return {floordiv, mod};
}

Result<Value> repeat(const Value& seq, std::int64_t times, std::size_t max_string_bytes) {
  if (times < 0) times = 0;
  const std::size_t unit = seq.is_string() ? seq.as_string().size() : seq.as_list().size();
  const std::size_t cap = seq.is_string() ? max_string_bytes : kMaxListItems;
  if (unit != 0 && static_cast<std::uint64_t>(times) > cap / unit) {
    return Status::resource_exhausted("repetition would build more than " + std::to_string(cap) +
                                      " items");
  }
  if (seq.is_string()) {
    std::string out;
    for (std::int64_t i = 0; i < times; ++i) out += seq.as_string();
    return Value::string(std::move(out));
  }
  List out;
  for (std::int64_t i = 0; i < times; ++i) {
    out.insert(out.end(), seq.as_list().begin(), seq.as_list().end());
  }
  return Value::list(std::move(out));
}

}  // namespace

Result<Value> binary_operator(const std::string& op, const Value& a, const Value& b,
                              std::size_t max_string_bytes) {
  auto unsupported = [&]() {
    return Status::invalid_argument("unsupported operand type(s) for " + op + ": '" +
                                    a.type_name() + "' and '" + b.type_name() + "'");
  };
  if (op == "+") {
    if (a.is_string() && b.is_string()) return Value::string(a.as_string() + b.as_string());
    if (a.is_string() && !b.is_string()) {
      return Status::invalid_argument("can only concatenate str (not \"" + b.type_name() +
                                      "\") to str");
    }
    if (a.is_list() && b.is_list()) {
      List out = a.as_list();
      out.insert(out.end(), b.as_list().begin(), b.as_list().end());
      return Value::list(std::move(out));
    }
  }
  if (op == "*") {
    if ((a.is_string() || a.is_list()) && is_integral(b))
      return repeat(a, integral(b), max_string_bytes);
    if ((b.is_string() || b.is_list()) && is_integral(a))
      return repeat(b, integral(a), max_string_bytes);
  }
  if (!a.is_number() || !b.is_number()) return unsupported();
  if (is_integral(a) && is_integral(b) && op != "/") {
    const std::int64_t x = integral(a);
    const std::int64_t y = integral(b);
    std::int64_t r = 0;
    if (op == "+" && !__builtin_add_overflow(x, y, &r)) return Value::integer(r);
    if (op == "-" && !__builtin_sub_overflow(x, y, &r)) return Value::integer(r);
    if (op == "*" && !__builtin_mul_overflow(x, y, &r)) return Value::integer(r);
    if (op == "//" || op == "%") {
      if (y == 0) return Status::invalid_argument("integer division or modulo by zero");
      if (x == INT64_MIN && y == -1) return Status::invalid_argument("integer overflow");
      return Value::integer(op == "//" ? floor_div(x, y) : floor_mod(x, y));
    }
    if (op == "**" && y >= 0) {
      std::int64_t result = 1;
      for (std::int64_t i = 0; i < y; ++i) {
        if (__builtin_mul_overflow(result, x, &result))
          return Status::invalid_argument("integer overflow");
        if (result == 0 || result == 1) break;  // 0**n and 1**n stay put
      }
      if (x == -1 && (y % 2 == 1)) result = -1;
      return Value::integer(result);
    }
    if (op == "**") return Value::number(std::pow(static_cast<double>(x), static_cast<double>(y)));
    return Status::invalid_argument("integer overflow");
  }
  const double x = a.as_double();
  const double y = b.as_double();
  if (op == "+") return Value::number(x + y);
  if (op == "-") return Value::number(x - y);
  if (op == "*") return Value::number(x * y);
  if (op == "/") {
    if (y == 0) return Status::invalid_argument("division by zero");
    return Value::number(x / y);
  }
  if (op == "//" || op == "%") {
    if (y == 0) return Status::invalid_argument("float division by zero");
    const auto [quotient, remainder] = python_float_divmod(x, y);
    return Value::number(op == "//" ? quotient : remainder);
  }
  if (op == "**") return Value::number(std::pow(x, y));
  return unsupported();
}

Result<bool> contains(const Value& container, const Value& item) {
  if (container.is_string()) {
    if (!item.is_string()) {
      return Status::invalid_argument("'in <string>' requires string as left operand, not " +
                                      item.type_name());
    }
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_dict())
    return item.is_string() && container.as_dict().find(item.as_string()) != nullptr;
  if (container.is_list()) {
    for (const Value& v : container.as_list()) {
      if (values_equal(v, item)) return true;
    }
    return false;
  }
  if (container.is_undefined()) return false;
  return Status::invalid_argument("argument of type '" + container.type_name() +
                                  "' is not iterable");
}

}  // namespace plexus::chat
