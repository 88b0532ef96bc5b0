// The values a chat template computes with: Python's types as Jinja sees them.
//
// Lists and dicts are immutable and shared (a template cannot change the conversation it
// renders); only a namespace() is mutable, through `{% set ns.attr = ... %}`. Strings are UTF-8;
// operations that Python defines on code points (len, indexing, slicing) decode on demand.
// Dicts keep insertion order, as Python's do, so output is deterministic.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "plexus/status.h"

namespace plexus::chat {

class Value;
using List = std::vector<Value>;

// An ordered string-keyed map. Chat messages have a handful of keys, so a linear scan is both
// the simplest and the fastest choice.
class Dict {
 public:
  const Value* find(std::string_view key) const;
  void set(std::string key, Value value);
  const std::vector<std::pair<std::string, Value>>& items() const { return items_; }
  std::size_t size() const { return items_.size(); }

 private:
  std::vector<std::pair<std::string, Value>> items_;
};

struct Undefined {
  std::string hint;  // why it is undefined, for the error when it is used as an object
};
struct None {};
struct Namespace {
  Dict attrs;
};
struct Macro;  // defined by the evaluator
struct Builtin {
  std::string name;  // a global function: range, namespace, raise_exception, strftime_now, dict
};

class Value {
 public:
  using Storage = std::variant<Undefined, None, bool, std::int64_t, double, std::string,
                               std::shared_ptr<const List>, std::shared_ptr<const Dict>,
                               std::shared_ptr<Namespace>, std::shared_ptr<const Macro>, Builtin>;

  Value() : v_(Undefined{}) {}
  Value(Storage v) : v_(std::move(v)) {}  // NOLINT(google-explicit-constructor)
  static Value undefined(std::string hint) { return Value(Undefined{std::move(hint)}); }
  static Value none() { return Value(None{}); }
  static Value boolean(bool b) { return Value(b); }
  static Value integer(std::int64_t i) { return Value(i); }
  static Value number(double d) { return Value(d); }
  static Value string(std::string s) { return Value(std::move(s)); }
  static Value list(List items) { return Value(std::make_shared<const List>(std::move(items))); }
  static Value dict(Dict d) { return Value(std::make_shared<const Dict>(std::move(d))); }
  static Value from_json(const boost::json::value& json);

  bool is_undefined() const { return std::holds_alternative<Undefined>(v_); }
  bool is_none() const { return std::holds_alternative<None>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<std::int64_t>(v_); }
  bool is_float() const { return std::holds_alternative<double>(v_); }
  // Python's numbers.Number: bool, int and float.
  bool is_number() const { return is_bool() || is_int() || is_float(); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_list() const { return std::holds_alternative<std::shared_ptr<const List>>(v_); }
  bool is_dict() const { return std::holds_alternative<std::shared_ptr<const Dict>>(v_); }
  bool is_namespace() const { return std::holds_alternative<std::shared_ptr<Namespace>>(v_); }
  bool is_macro() const { return std::holds_alternative<std::shared_ptr<const Macro>>(v_); }
  bool is_builtin() const { return std::holds_alternative<Builtin>(v_); }

  const std::string& undefined_hint() const { return std::get<Undefined>(v_).hint; }
  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  // The value of a bool, int or float as a double.
  double as_double() const;
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const List& as_list() const { return *std::get<std::shared_ptr<const List>>(v_); }
  const std::shared_ptr<const List>& list_ptr() const {
    return std::get<std::shared_ptr<const List>>(v_);
  }
  const Dict& as_dict() const { return *std::get<std::shared_ptr<const Dict>>(v_); }
  Namespace& as_namespace() const { return *std::get<std::shared_ptr<Namespace>>(v_); }
  const Macro& as_macro() const { return *std::get<std::shared_ptr<const Macro>>(v_); }
  const Builtin& as_builtin() const { return std::get<Builtin>(v_); }

  // Python's bool(value).
  bool truthy() const;
  // Python's str(value), as `{{ value }}` prints it (undefined prints nothing).
  std::string str() const;
  // Python's repr(value), as used inside printed lists and dicts.
  std::string repr() const;
  // Python's type name, for error messages ("str", "int", "dict", ...).
  std::string type_name() const;

 private:
  Storage v_;
};

// Python's ==, with 1 == 1.0 == True.
bool values_equal(const Value& a, const Value& b);

// Python's ordering for numbers, strings and lists: <0, 0 or >0; other types are an error, as
// in Python ("'<' not supported between instances of ...").
Result<int> python_compare(const Value& a, const Value& b);

// Python's repr() of a float: the shortest text that reads back as the same double.
std::string python_float_repr(double d);

// json.dumps(value, ensure_ascii=ensure_ascii, indent=indent) as transformers' tojson filter
// calls it; indent < 0 means None. Undefined values and macros are not serialisable.
Result<std::string> to_json_text(const Value& value, int indent, bool ensure_ascii);

}  // namespace plexus::chat
