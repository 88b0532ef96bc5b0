#include "chat/evaluator.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>
#include <utility>

#include "chat/builtins.h"
#include "chat/operators.h"
#include "chat/text.h"

namespace plexus::chat {
namespace {

struct Scope {
  std::unordered_map<std::string, Value> vars;
  const Scope* parent = nullptr;
};

enum class Flow { kNormal, kBreak, kContinue };

class Evaluator {
 public:
  Evaluator(const Dict& context, const EvalLimits& limits)
      : limits_(limits), builtin_limits_{limits.max_output_bytes, limits.now} {
    for (const auto& [k, v] : context.items()) root_.vars[k] = v;
  }

  Result<std::string> run(const Body& program) {
    std::string out;
    Flow flow = Flow::kNormal;
    PLEXUS_RETURN_IF_ERROR(exec(program, root_, out, flow));
    return out;
  }

 private:
  Status error(int line, const std::string& message) const {
    return Status::invalid_argument("chat template line " + std::to_string(line) + ": " + message);
  }
  Status at_line(int line, const Status& s) const {
    if (s.ok()) return s;
    if (s.message().rfind("chat template line ", 0) == 0) return s;  // already located
    return Status(s.code(), "chat template line " + std::to_string(line) + ": " + s.message());
  }

  Status append(std::string& out, std::string_view text, int line) const {
    if (out.size() + text.size() > limits_.max_output_bytes) {
      return Status::resource_exhausted("chat template line " + std::to_string(line) +
                                        ": output is larger than " +
                                        std::to_string(limits_.max_output_bytes) + " bytes");
    }
    out.append(text);
    return Status();
  }

  // ---- statements ----

  Status exec(const Body& body, Scope& scope, std::string& out, Flow& flow) {
    for (const NodePtr& node : body) {
      PLEXUS_RETURN_IF_ERROR(exec_node(*node, scope, out, flow));
      if (flow != Flow::kNormal) return Status();
    }
    return Status();
  }

  Status exec_node(const Node& node, Scope& scope, std::string& out, Flow& flow) {
    switch (node.kind) {
      case Node::Kind::kText:
        return append(out, node.text, node.line);
      case Node::Kind::kOutput: {
        PLEXUS_ASSIGN_OR_RETURN(Value v, eval(*node.expr, scope));
        return append(out, v.str(), node.line);
      }
      case Node::Kind::kIf:
        for (std::size_t i = 0; i < node.conditions.size(); ++i) {
          PLEXUS_ASSIGN_OR_RETURN(Value c, eval(*node.conditions[i], scope));
          if (c.truthy()) return exec(node.bodies[i], scope, out, flow);
        }
        return exec(node.else_body, scope, out, flow);
      case Node::Kind::kFor:
        return exec_for(node, scope, out);
      case Node::Kind::kSet: {
        PLEXUS_ASSIGN_OR_RETURN(Value v, eval(*node.expr, scope));
        return assign(node, scope, std::move(v));
      }
      case Node::Kind::kSetBlock: {
        std::string captured;
        Flow inner = Flow::kNormal;
        PLEXUS_RETURN_IF_ERROR(exec(node.body, scope, captured, inner));
        return assign(node, scope, Value::string(std::move(captured)));
      }
      case Node::Kind::kMacro:
        scope.vars[node.name] = Value(Value::Storage(std::make_shared<const Macro>(Macro{&node})));
        return Status();
      case Node::Kind::kBreak:
        flow = Flow::kBreak;
        return Status();
      case Node::Kind::kContinue:
        flow = Flow::kContinue;
        return Status();
    }
    return error(node.line, "unknown statement");
  }

  Status assign(const Node& node, Scope& scope, Value v) {
    if (node.name.empty()) {
      scope.vars[node.targets[0]] = std::move(v);
      return Status();
    }
    const Value target = lookup(node.targets[0], scope);
    if (!target.is_namespace()) {
      return error(node.line, "can only set attributes of a namespace(), and '" + node.targets[0] +
                                  "' is " + target.type_name());
    }
    target.as_namespace().attrs.set(node.name, std::move(v));
    return Status();
  }

  Status bind_targets(const Node& node, Scope& scope, const Value& item) {
    if (node.targets.size() == 1) {
      scope.vars[node.targets[0]] = item;
      return Status();
    }
    if (!item.is_list() || item.as_list().size() != node.targets.size()) {
      return error(node.line, "cannot unpack " + item.type_name() + " into " +
                                  std::to_string(node.targets.size()) + " loop variables");
    }
    for (std::size_t i = 0; i < node.targets.size(); ++i) {
      scope.vars[node.targets[i]] = item.as_list()[i];
    }
    return Status();
  }

  Status count_iteration(int line) {
    if (++iterations_ > limits_.max_loop_iterations) {
      return Status::resource_exhausted(
          "chat template line " + std::to_string(line) + ": more than " +
          std::to_string(limits_.max_loop_iterations) + " loop iterations");
    }
    return Status();
  }

  Status exec_for(const Node& node, Scope& scope, std::string& out) {
    PLEXUS_ASSIGN_OR_RETURN(Value iterable, eval(*node.expr, scope));
    PLEXUS_ASSIGN_OR_RETURN(List items, iterate(iterable, "for loop"));
    if (node.filter) {  // `for x in xs if cond`: loop.length counts what passes the filter
      List kept;
      for (const Value& item : items) {
        PLEXUS_RETURN_IF_ERROR(count_iteration(node.line));
        Scope probe{{}, &scope};
        PLEXUS_RETURN_IF_ERROR(bind_targets(node, probe, item));
        PLEXUS_ASSIGN_OR_RETURN(Value keep, eval(*node.filter, probe));
        if (keep.truthy()) kept.push_back(item);
      }
      items = std::move(kept);
    }
    if (items.empty()) {
      Flow flow = Flow::kNormal;
      return exec(node.else_body, scope, out, flow);
    }
    const auto length = static_cast<std::int64_t>(items.size());
    for (std::int64_t i = 0; i < length; ++i) {
      PLEXUS_RETURN_IF_ERROR(count_iteration(node.line));
      Scope body_scope{{}, &scope};
      PLEXUS_RETURN_IF_ERROR(bind_targets(node, body_scope, items[i]));
      Dict loop;
      loop.set("index", Value::integer(i + 1));
      loop.set("index0", Value::integer(i));
      loop.set("revindex", Value::integer(length - i));
      loop.set("revindex0", Value::integer(length - i - 1));
      loop.set("first", Value::boolean(i == 0));
      loop.set("last", Value::boolean(i == length - 1));
      loop.set("length", Value::integer(length));
      loop.set("depth", Value::integer(1));
      loop.set("depth0", Value::integer(0));
      loop.set("previtem", i > 0 ? items[i - 1] : Value::undefined("there is no previous item"));
      loop.set("nextitem",
               i + 1 < length ? items[i + 1] : Value::undefined("there is no next item"));
      body_scope.vars["loop"] = Value::dict(std::move(loop));
      Flow flow = Flow::kNormal;
      PLEXUS_RETURN_IF_ERROR(exec(node.body, body_scope, out, flow));
      if (flow == Flow::kBreak) break;
    }
    return Status();
  }

  // ---- expressions ----

  Value lookup(const std::string& name, const Scope& scope) const {
    for (const Scope* s = &scope; s != nullptr; s = s->parent) {
      auto it = s->vars.find(name);
      if (it != s->vars.end()) return it->second;
    }
    if (is_global_function(name)) return Value(Value::Storage(Builtin{name}));
    return Value::undefined("'" + name + "' is undefined");
  }

  Result<Value> eval(const Expr& e, Scope& scope) {
    Result<Value> r = eval_inner(e, scope);
    if (!r.ok()) return at_line(e.line, r.status());
    if (r->is_list() && r->as_list().size() > kMaxListItems) {
      return Status::resource_exhausted("chat template line " + std::to_string(e.line) +
                                        ": a list grew past " + std::to_string(kMaxListItems) +
                                        " items");
    }
    if (r->is_string() && r->as_string().size() > limits_.max_output_bytes) {
      return Status::resource_exhausted("chat template line " + std::to_string(e.line) +
                                        ": a string grew past " +
                                        std::to_string(limits_.max_output_bytes) + " bytes");
    }
    return r;
  }

  Result<Value> eval_inner(const Expr& e, Scope& scope) {
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        return e.literal;
      case Expr::Kind::kName:
        return lookup(e.name, scope);
      case Expr::Kind::kList:
      case Expr::Kind::kTuple: {
        List items;
        for (const ExprPtr& a : e.args) {
          PLEXUS_ASSIGN_OR_RETURN(Value v, eval(*a, scope));
          items.push_back(std::move(v));
        }
        return Value::list(std::move(items));
      }
      case Expr::Kind::kDict: {
        Dict d;
        for (std::size_t i = 0; i < e.args.size(); ++i) {
          PLEXUS_ASSIGN_OR_RETURN(Value k, eval(*e.keys[i], scope));
          if (!k.is_string()) return error(e.line, "dict keys must be strings");
          PLEXUS_ASSIGN_OR_RETURN(Value v, eval(*e.args[i], scope));
          d.set(k.as_string(), std::move(v));
        }
        return Value::dict(std::move(d));
      }
      case Expr::Kind::kAttr: {
        PLEXUS_ASSIGN_OR_RETURN(Value object, eval(*e.args[0], scope));
        return get_attr(object, e.name, e.line);
      }
      case Expr::Kind::kItem: {
        PLEXUS_ASSIGN_OR_RETURN(Value object, eval(*e.args[0], scope));
        PLEXUS_ASSIGN_OR_RETURN(Value key, eval(*e.args[1], scope));
        return get_item(object, key, e.line);
      }
      case Expr::Kind::kSlice:
        return eval_slice(e, scope);
      case Expr::Kind::kCall:
        return eval_call(e, scope);
      case Expr::Kind::kFilter: {
        PLEXUS_ASSIGN_OR_RETURN(Value input, eval(*e.args[0], scope));
        PLEXUS_ASSIGN_OR_RETURN(CallArgs args, eval_args(e, scope, 1));
        return apply_filter(e.name, input, args, builtin_limits_);
      }
      case Expr::Kind::kTest: {
        PLEXUS_ASSIGN_OR_RETURN(Value input, eval(*e.args[0], scope));
        PLEXUS_ASSIGN_OR_RETURN(CallArgs args, eval_args(e, scope, 1));
        PLEXUS_ASSIGN_OR_RETURN(bool result, apply_test(e.name, input, args));
        return Value::boolean(result != e.negated);
      }
      case Expr::Kind::kUnary:
        return eval_unary(e, scope);
      case Expr::Kind::kBinary:
        return eval_binary(e, scope);
      case Expr::Kind::kCompare:
        return eval_compare(e, scope);
      case Expr::Kind::kCondition: {
        PLEXUS_ASSIGN_OR_RETURN(Value c, eval(*e.args[1], scope));
        if (c.truthy()) return eval(*e.args[0], scope);
        if (e.args[2]) return eval(*e.args[2], scope);
        return Value::undefined("the inline if expression had no else");
      }
    }
    return error(e.line, "unknown expression");
  }

  Result<CallArgs> eval_args(const Expr& e, Scope& scope, std::size_t first) {
    CallArgs args;
    for (std::size_t i = first; i < e.args.size(); ++i) {
      PLEXUS_ASSIGN_OR_RETURN(Value v, eval(*e.args[i], scope));
      args.positional.push_back(std::move(v));
    }
    for (const auto& [k, ve] : e.kwargs) {
      PLEXUS_ASSIGN_OR_RETURN(Value v, eval(*ve, scope));
      args.keyword.emplace_back(k, std::move(v));
    }
    return args;
  }

  Result<Value> get_attr(const Value& object, const std::string& name, int line) {
    if (object.is_undefined()) return error(line, object.undefined_hint());
    if (object.is_dict()) {
      const Value* v = object.as_dict().find(name);
      if (v != nullptr) return *v;
      return Value::undefined("'dict object' has no attribute '" + name + "'");
    }
    if (object.is_namespace()) {
      const Value* v = object.as_namespace().attrs.find(name);
      if (v != nullptr) return *v;
    }
    return Value::undefined("'" + object.type_name() + " object' has no attribute '" + name + "'");
  }

  Result<Value> get_item(const Value& object, const Value& key, int line) {
    if (object.is_undefined()) return error(line, object.undefined_hint());
    if (object.is_dict() || object.is_namespace()) {
      if (key.is_string()) {
        const Dict& d = object.is_dict() ? object.as_dict() : object.as_namespace().attrs;
        const Value* v = d.find(key.as_string());
        if (v != nullptr) return *v;
      }
      return Value::undefined("'dict object' has no attribute " + key.repr());
    }
    if ((object.is_list() || object.is_string()) && is_integral(key)) {
      std::int64_t i = integral(key);
      if (object.is_list()) {
        const auto n = static_cast<std::int64_t>(object.as_list().size());
        if (i < 0) i += n;
        if (i < 0 || i >= n) return Value::undefined("list index out of range");
        return object.as_list()[static_cast<std::size_t>(i)];
      }
      const std::vector<std::string_view> cps = split_code_points(object.as_string());
      const auto n = static_cast<std::int64_t>(cps.size());
      if (i < 0) i += n;
      if (i < 0 || i >= n) return Value::undefined("string index out of range");
      return Value::string(std::string(cps[static_cast<std::size_t>(i)]));
    }
    return Value::undefined("'" + object.type_name() + " object' has no attribute " + key.repr());
  }

  Result<Value> eval_slice(const Expr& e, Scope& scope) {
    PLEXUS_ASSIGN_OR_RETURN(Value object, eval(*e.args[0], scope));
    std::optional<std::int64_t> parts[3];
    for (int i = 0; i < 3; ++i) {
      if (!e.args[static_cast<std::size_t>(i) + 1]) continue;
      PLEXUS_ASSIGN_OR_RETURN(Value v, eval(*e.args[static_cast<std::size_t>(i) + 1], scope));
      if (v.is_none()) continue;
      if (!is_integral(v)) return error(e.line, "slice indices must be integers or None");
      parts[i] = integral(v);
    }
    const std::int64_t step = parts[2].value_or(1);
    if (step == 0) return error(e.line, "slice step cannot be zero");
    std::vector<std::string_view> cps;
    std::int64_t n = 0;
    if (object.is_list()) {
      n = static_cast<std::int64_t>(object.as_list().size());
    } else if (object.is_string()) {
      cps = split_code_points(object.as_string());
      n = static_cast<std::int64_t>(cps.size());
    } else if (object.is_undefined()) {
      return error(e.line, object.undefined_hint());
    } else {
      return error(e.line, "'" + object.type_name() + "' object is not subscriptable");
    }
    // Python's slice.indices(n).
    auto clamp = [&](std::optional<std::int64_t> v, std::int64_t dflt) {
      if (!v) return dflt;
      std::int64_t x = *v;
      if (x < 0) x += n;
      if (step > 0) return std::clamp<std::int64_t>(x, 0, n);
      return std::clamp<std::int64_t>(x, -1, n - 1);
    };
    const std::int64_t start = clamp(parts[0], step > 0 ? 0 : n - 1);
    const std::int64_t stop = clamp(parts[1], step > 0 ? n : -1);
    List items;
    std::string text;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (object.is_list()) {
        items.push_back(object.as_list()[static_cast<std::size_t>(i)]);
      } else {
        text += cps[static_cast<std::size_t>(i)];
      }
    }
    if (object.is_list()) return Value::list(std::move(items));
    return Value::string(std::move(text));
  }

  Result<Value> eval_call(const Expr& e, Scope& scope) {
    const Expr& callee = *e.args[0];
    if (callee.kind == Expr::Kind::kAttr) {
      PLEXUS_ASSIGN_OR_RETURN(Value object, eval(*callee.args[0], scope));
      if (is_method(object, callee.name)) {
        PLEXUS_ASSIGN_OR_RETURN(CallArgs args, eval_args(e, scope, 1));
        return call_method(object, callee.name, args, builtin_limits_);
      }
      PLEXUS_ASSIGN_OR_RETURN(Value fn, get_attr(object, callee.name, e.line));
      if (fn.is_undefined()) {
        return error(e.line,
                     "'" + object.type_name() + "' object has no method '" + callee.name + "'");
      }
      return call_value(fn, e, scope);
    }
    PLEXUS_ASSIGN_OR_RETURN(Value fn, eval(callee, scope));
    return call_value(fn, e, scope);
  }

  Result<Value> call_value(const Value& fn, const Expr& e, Scope& scope) {
    PLEXUS_ASSIGN_OR_RETURN(CallArgs args, eval_args(e, scope, 1));
    if (fn.is_builtin()) {
      const std::string& name = fn.as_builtin().name;
      if (name == "raise_exception") {
        const Value* message = args.get(0, "message");
        return Status::invalid_argument(
            "chat template line " + std::to_string(e.line) +
            ": template raised an error: " + (message ? message->str() : std::string()));
      }
      return call_global(name, args, builtin_limits_);
    }
    if (fn.is_macro()) return call_macro(*fn.as_macro().node, args, e.line);
    if (fn.is_undefined()) return error(e.line, fn.undefined_hint());
    return error(e.line, "'" + fn.type_name() + "' object is not callable");
  }

  Result<Value> call_macro(const Node& macro, const CallArgs& args, int line) {
    if (call_depth_ >= limits_.max_call_depth) {
      return Status::resource_exhausted("chat template line " + std::to_string(line) +
                                        ": macro calls nested deeper than " +
                                        std::to_string(limits_.max_call_depth));
    }
    if (args.positional.size() > macro.params.size()) {
      return error(line, "macro '" + macro.name + "' takes " + std::to_string(macro.params.size()) +
                             " arguments");
    }
    for (const auto& [k, v] : args.keyword) {
      bool known = false;
      for (const auto& p : macro.params) known = known || p.first == k;
      if (!known) return error(line, "macro '" + macro.name + "' has no argument '" + k + "'");
    }
    Scope macro_scope{{}, &root_};
    for (std::size_t i = 0; i < macro.params.size(); ++i) {
      const auto& [param, default_expr] = macro.params[i];
      const Value* given = args.get(i, param);
      if (given != nullptr) {
        macro_scope.vars[param] = *given;
      } else if (default_expr) {
        PLEXUS_ASSIGN_OR_RETURN(Value v, eval(*default_expr, macro_scope));
        macro_scope.vars[param] = std::move(v);
      } else {
        macro_scope.vars[param] = Value::undefined("'" + param + "' is undefined");
      }
    }
    ++call_depth_;
    std::string out;
    Flow flow = Flow::kNormal;
    Status s = exec(macro.body, macro_scope, out, flow);
    --call_depth_;
    PLEXUS_RETURN_IF_ERROR(s);
    return Value::string(std::move(out));
  }

  Result<Value> eval_unary(const Expr& e, Scope& scope) {
    PLEXUS_ASSIGN_OR_RETURN(Value v, eval(*e.args[0], scope));
    if (e.name == "not") return Value::boolean(!v.truthy());
    if (!v.is_number())
      return error(e.line, "bad operand type for unary " + e.name + ": '" + v.type_name() + "'");
    if (e.name == "+") return is_integral(v) ? Value::integer(integral(v)) : v;
    if (is_integral(v)) {
      if (integral(v) == INT64_MIN) return error(e.line, "integer overflow");
      return Value::integer(-integral(v));
    }
    return Value::number(-v.as_double());
  }

  Result<Value> eval_binary(const Expr& e, Scope& scope) {
    PLEXUS_ASSIGN_OR_RETURN(Value a, eval(*e.args[0], scope));
    if (e.name == "and") return a.truthy() ? eval(*e.args[1], scope) : Result<Value>(a);
    if (e.name == "or") return a.truthy() ? Result<Value>(a) : eval(*e.args[1], scope);
    PLEXUS_ASSIGN_OR_RETURN(Value b, eval(*e.args[1], scope));
    if (e.name == "~") {
      std::string s = a.str();
      s += b.str();
      return Value::string(std::move(s));
    }
    if (a.is_undefined()) return error(e.line, a.undefined_hint());
    if (b.is_undefined()) return error(e.line, b.undefined_hint());
    return binary_operator(e.name, a, b, limits_.max_output_bytes);
  }

  Result<Value> eval_compare(const Expr& e, Scope& scope) {
    PLEXUS_ASSIGN_OR_RETURN(Value left, eval(*e.args[0], scope));
    for (std::size_t i = 0; i < e.ops.size(); ++i) {
      PLEXUS_ASSIGN_OR_RETURN(Value right, eval(*e.args[i + 1], scope));
      const std::string& op = e.ops[i];
      bool result;
      if (op == "==") {
        result = values_equal(left, right);
      } else if (op == "!=") {
        result = !values_equal(left, right);
      } else if (op == "in" || op == "not in") {
        PLEXUS_ASSIGN_OR_RETURN(bool in, contains(right, left));
        result = in == (op == "in");
      } else {
        PLEXUS_ASSIGN_OR_RETURN(int c, python_compare(left, right));
        result = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
      }
      if (!result) return Value::boolean(false);
      left = std::move(right);
    }
    return Value::boolean(true);
  }

  const EvalLimits& limits_;
  BuiltinLimits builtin_limits_;
  Scope root_;
  std::uint64_t iterations_ = 0;
  int call_depth_ = 0;
};

}  // namespace

Result<std::string> evaluate(const Body& program, const Dict& context, const EvalLimits& limits) {
  return Evaluator(context, limits).run(program);
}

}  // namespace plexus::chat
