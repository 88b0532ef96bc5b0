#include "chat/parser.h"

#include <set>

#include "chat/lexer.h"

namespace plexus::chat {
namespace {

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Body> parse() {
    Body body;
    std::string end_tag;
    PLEXUS_RETURN_IF_ERROR(parse_body(body, {}, &end_tag));
    return body;
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    const std::size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool at_operator(std::string_view op, std::size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::kOperator && peek(ahead).text == op;
  }
  bool at_name(std::string_view name) const {
    return peek().kind == TokenKind::kName && peek().text == name;
  }
  Status error(const std::string& message) const {
    return Status::invalid_argument("chat template line " + std::to_string(peek().line) + ": " +
                                    message);
  }
  std::string describe(const Token& t) const {
    switch (t.kind) {
      case TokenKind::kEnd:
        return "end of template";
      case TokenKind::kVarEnd:
        return "end of print statement";
      case TokenKind::kBlockEnd:
        return "end of statement block";
      case TokenKind::kText:
        return "text";
      default:
        return "'" + t.text + "'";
    }
  }
  Status expect_operator(std::string_view op) {
    if (!at_operator(op))
      return error("expected '" + std::string(op) + "', got " + describe(peek()));
    next();
    return Status();
  }
  Status expect_block_end() {
    if (peek().kind != TokenKind::kBlockEnd) {
      return error("expected end of statement block, got " + describe(peek()));
    }
    next();
    return Status();
  }
  Result<std::string> expect_name() {
    if (peek().kind != TokenKind::kName) return error("expected a name, got " + describe(peek()));
    return next().text;
  }

  // Parses nodes until a block tag named in `ends` (returned in *end, its name consumed) or the
  // end of the template (only allowed when `ends` is empty).
  Status parse_body(Body& body, const std::set<std::string>& ends, std::string* end) {
    if (++depth_ > kMaxNestingDepth) return error("blocks nested too deeply");
    while (true) {
      const Token& t = peek();
      if (t.kind == TokenKind::kEnd) {
        if (!ends.empty()) {
          std::string wanted;
          for (const auto& e : ends) wanted += (wanted.empty() ? "'" : " or '") + e + "'";
          return error("unexpected end of template, looking for " + wanted);
        }
        --depth_;
        return Status();
      }
      if (t.kind == TokenKind::kText) {
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::kText;
        node->line = t.line;
        node->text = t.text;
        body.push_back(std::move(node));
        next();
        continue;
      }
      if (t.kind == TokenKind::kVarBegin) {
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::kOutput;
        node->line = t.line;
        next();
        PLEXUS_ASSIGN_OR_RETURN(node->expr, parse_expression());
        if (peek().kind != TokenKind::kVarEnd) {
          return error("unexpected " + describe(peek()) + " in print statement");
        }
        next();
        body.push_back(std::move(node));
        continue;
      }
      if (t.kind != TokenKind::kBlockBegin) return error("unexpected " + describe(t));
      next();
      if (peek().kind != TokenKind::kName) return error("expected a tag name");
      const std::string tag = peek().text;
      if (ends.count(tag) != 0) {
        next();
        *end = tag;
        --depth_;
        return Status();
      }
      PLEXUS_ASSIGN_OR_RETURN(NodePtr node, parse_statement());
      body.push_back(std::move(node));
    }
  }

  Result<NodePtr> parse_statement() {
    const Token& t = next();
    auto node = std::make_unique<Node>();
    node->line = t.line;
    const std::string& tag = t.text;
    if (tag == "if") return parse_if(std::move(node));
    if (tag == "for") return parse_for(std::move(node));
    if (tag == "set") return parse_set(std::move(node));
    if (tag == "macro") return parse_macro(std::move(node));
    if (tag == "break" || tag == "continue") {
      node->kind = tag == "break" ? Node::Kind::kBreak : Node::Kind::kContinue;
      PLEXUS_RETURN_IF_ERROR(expect_block_end());
      return node;
    }
    return Status::invalid_argument("chat template line " + std::to_string(t.line) +
                                    ": unknown or unsupported tag '" + tag + "'");
  }

  Result<NodePtr> parse_if(NodePtr node) {
    node->kind = Node::Kind::kIf;
    while (true) {
      PLEXUS_ASSIGN_OR_RETURN(ExprPtr condition, parse_expression());
      PLEXUS_RETURN_IF_ERROR(expect_block_end());
      Body body;
      std::string end;
      PLEXUS_RETURN_IF_ERROR(parse_body(body, {"elif", "else", "endif"}, &end));
      node->conditions.push_back(std::move(condition));
      node->bodies.push_back(std::move(body));
      if (end == "elif") continue;
      if (end == "else") {
        PLEXUS_RETURN_IF_ERROR(expect_block_end());
        PLEXUS_RETURN_IF_ERROR(parse_body(node->else_body, {"endif"}, &end));
      }
      PLEXUS_RETURN_IF_ERROR(expect_block_end());
      return node;
    }
  }

  Result<NodePtr> parse_for(NodePtr node) {
    node->kind = Node::Kind::kFor;
    do {
      PLEXUS_ASSIGN_OR_RETURN(std::string target, expect_name());
      node->targets.push_back(std::move(target));
    } while (at_operator(",") && (next(), true));
    if (!at_name("in")) return error("expected 'in' in for loop, got " + describe(peek()));
    next();
    PLEXUS_ASSIGN_OR_RETURN(node->expr, parse_condition_free());
    if (at_name("if")) {
      next();
      PLEXUS_ASSIGN_OR_RETURN(node->filter, parse_condition_free());
    }
    if (at_name("recursive")) return error("recursive for loops are not supported");
    PLEXUS_RETURN_IF_ERROR(expect_block_end());
    std::string end;
    PLEXUS_RETURN_IF_ERROR(parse_body(node->body, {"else", "endfor"}, &end));
    if (end == "else") {
      PLEXUS_RETURN_IF_ERROR(expect_block_end());
      PLEXUS_RETURN_IF_ERROR(parse_body(node->else_body, {"endfor"}, &end));
    }
    PLEXUS_RETURN_IF_ERROR(expect_block_end());
    return node;
  }

  Result<NodePtr> parse_set(NodePtr node) {
    PLEXUS_ASSIGN_OR_RETURN(std::string target, expect_name());
    node->targets.push_back(std::move(target));
    if (at_operator(".")) {
      next();
      PLEXUS_ASSIGN_OR_RETURN(node->name, expect_name());
    }
    if (peek().kind == TokenKind::kBlockEnd && node->name.empty()) {
      next();
      node->kind = Node::Kind::kSetBlock;
      std::string end;
      PLEXUS_RETURN_IF_ERROR(parse_body(node->body, {"endset"}, &end));
      PLEXUS_RETURN_IF_ERROR(expect_block_end());
      return node;
    }
    node->kind = Node::Kind::kSet;
    if (at_operator(",")) return error("tuple assignment in set is not supported");
    PLEXUS_RETURN_IF_ERROR(expect_operator("="));
    PLEXUS_ASSIGN_OR_RETURN(node->expr, parse_expression());
    PLEXUS_RETURN_IF_ERROR(expect_block_end());
    return node;
  }

  Result<NodePtr> parse_macro(NodePtr node) {
    node->kind = Node::Kind::kMacro;
    PLEXUS_ASSIGN_OR_RETURN(node->name, expect_name());
    PLEXUS_RETURN_IF_ERROR(expect_operator("("));
    while (!at_operator(")")) {
      PLEXUS_ASSIGN_OR_RETURN(std::string param, expect_name());
      ExprPtr default_value;
      if (at_operator("=")) {
        next();
        PLEXUS_ASSIGN_OR_RETURN(default_value, parse_expression());
      }
      node->params.emplace_back(std::move(param), std::move(default_value));
      if (!at_operator(",")) break;
      next();
    }
    PLEXUS_RETURN_IF_ERROR(expect_operator(")"));
    PLEXUS_RETURN_IF_ERROR(expect_block_end());
    std::string end;
    PLEXUS_RETURN_IF_ERROR(parse_body(node->body, {"endmacro"}, &end));
    PLEXUS_RETURN_IF_ERROR(expect_block_end());
    return node;
  }

  // ---- expressions ----

  ExprPtr make(Expr::Kind kind, int line, std::string name = "") {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    e->name = std::move(name);
    return e;
  }

  // Guards recursion: every nested expression level passes here.
  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    int& depth;
  };

  Result<ExprPtr> parse_expression() {
    DepthGuard guard(depth_);
    if (depth_ > kMaxNestingDepth) return error("expression nested too deeply");
    PLEXUS_ASSIGN_OR_RETURN(ExprPtr value, parse_or());
    if (!at_name("if")) return value;
    const int line = peek().line;
    next();
    auto e = make(Expr::Kind::kCondition, line);
    e->args.push_back(std::move(value));
    PLEXUS_ASSIGN_OR_RETURN(ExprPtr condition, parse_or());
    e->args.push_back(std::move(condition));
    if (at_name("else")) {
      next();
      PLEXUS_ASSIGN_OR_RETURN(ExprPtr otherwise, parse_expression());
      e->args.push_back(std::move(otherwise));
    } else {
      e->args.push_back(nullptr);
    }
    return e;
  }

  // A for loop's iterable and filter stop before a bare `if`.
  Result<ExprPtr> parse_condition_free() {
    DepthGuard guard(depth_);
    return parse_or();
  }

  Result<ExprPtr> parse_binary_chain(const std::set<std::string>& ops, bool names,
                                     Result<ExprPtr> (Parser::*operand)()) {
    PLEXUS_ASSIGN_OR_RETURN(ExprPtr left, (this->*operand)());
    while (true) {
      const Token& t = peek();
      const bool match = names ? (t.kind == TokenKind::kName && ops.count(t.text) != 0)
                               : (t.kind == TokenKind::kOperator && ops.count(t.text) != 0);
      if (!match) return left;
      auto e = make(Expr::Kind::kBinary, t.line, t.text);
      next();
      if (++depth_ > kMaxNestingDepth) return error("expression nested too deeply");
      e->args.push_back(std::move(left));
      PLEXUS_ASSIGN_OR_RETURN(ExprPtr right, (this->*operand)());
      e->args.push_back(std::move(right));
      left = std::move(e);
    }
  }

  Result<ExprPtr> parse_or() {
    const int saved = depth_;
    auto r = parse_binary_chain({"or"}, true, &Parser::parse_and);
    depth_ = saved;
    return r;
  }
  Result<ExprPtr> parse_and() {
    const int saved = depth_;
    auto r = parse_binary_chain({"and"}, true, &Parser::parse_not);
    depth_ = saved;
    return r;
  }

  Result<ExprPtr> parse_not() {
    if (at_name("not")) {
      DepthGuard guard(depth_);
      if (depth_ > kMaxNestingDepth) return error("expression nested too deeply");
      auto e = make(Expr::Kind::kUnary, peek().line, "not");
      next();
      PLEXUS_ASSIGN_OR_RETURN(ExprPtr operand, parse_not());
      e->args.push_back(std::move(operand));
      return e;
    }
    return parse_compare();
  }

  Result<ExprPtr> parse_compare() {
    const int line = peek().line;
    PLEXUS_ASSIGN_OR_RETURN(ExprPtr first, parse_math1());
    ExprPtr cmp;
    while (true) {
      std::string op;
      const Token& t = peek();
      if (t.kind == TokenKind::kOperator && (t.text == "==" || t.text == "!=" || t.text == "<" ||
                                             t.text == "<=" || t.text == ">" || t.text == ">=")) {
        op = t.text;
        next();
      } else if (at_name("in")) {
        op = "in";
        next();
      } else if (at_name("not") && peek(1).kind == TokenKind::kName && peek(1).text == "in") {
        op = "not in";
        next();
        next();
      } else {
        break;
      }
      if (!cmp) {
        cmp = make(Expr::Kind::kCompare, line);
        cmp->args.push_back(std::move(first));
      }
      cmp->ops.push_back(op);
      PLEXUS_ASSIGN_OR_RETURN(ExprPtr operand, parse_math1());
      cmp->args.push_back(std::move(operand));
    }
    return cmp ? std::move(cmp) : std::move(first);
  }

  Result<ExprPtr> parse_math1() {
    const int saved = depth_;
    auto r = parse_binary_chain({"+", "-"}, false, &Parser::parse_concat);
    depth_ = saved;
    return r;
  }
  Result<ExprPtr> parse_concat() {
    const int saved = depth_;
    auto r = parse_binary_chain({"~"}, false, &Parser::parse_math2);
    depth_ = saved;
    return r;
  }
  Result<ExprPtr> parse_math2() {
    const int saved = depth_;
    auto r = parse_binary_chain({"*", "/", "//", "%"}, false, &Parser::parse_pow);
    depth_ = saved;
    return r;
  }
  Result<ExprPtr> parse_pow() {
    const int saved = depth_;
    auto r = parse_binary_chain({"**"}, false, &Parser::parse_unary);
    depth_ = saved;
    return r;
  }

  Result<ExprPtr> parse_unary() { return parse_unary_operand(true); }

  // As in Jinja, `-x | f` is `(-x) | f`: filters apply after the sign.
  Result<ExprPtr> parse_unary_operand(bool with_filters) {
    ExprPtr e;
    if (at_operator("-") || at_operator("+")) {
      DepthGuard guard(depth_);
      if (depth_ > kMaxNestingDepth) return error("expression nested too deeply");
      e = make(Expr::Kind::kUnary, peek().line, next().text);
      PLEXUS_ASSIGN_OR_RETURN(ExprPtr operand, parse_unary_operand(false));
      e->args.push_back(std::move(operand));
    } else {
      PLEXUS_ASSIGN_OR_RETURN(ExprPtr primary, parse_primary());
      PLEXUS_ASSIGN_OR_RETURN(e, parse_postfix(std::move(primary)));
    }
    if (!with_filters) return e;
    return parse_filters(std::move(e));
  }

  Result<ExprPtr> parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::kString: {
        std::string s;
        const int line = t.line;
        while (peek().kind == TokenKind::kString) s += next().text;  // 'a' 'b' == 'ab'
        auto e = make(Expr::Kind::kLiteral, line);
        e->literal = Value::string(std::move(s));
        return e;
      }
      case TokenKind::kInt: {
        auto e = make(Expr::Kind::kLiteral, t.line);
        e->literal = Value::integer(next().int_value);
        return e;
      }
      case TokenKind::kFloat: {
        auto e = make(Expr::Kind::kLiteral, t.line);
        e->literal = Value::number(next().float_value);
        return e;
      }
      case TokenKind::kName: {
        auto e = make(Expr::Kind::kLiteral, t.line);
        if (t.text == "true" || t.text == "True") {
          e->literal = Value::boolean(true);
        } else if (t.text == "false" || t.text == "False") {
          e->literal = Value::boolean(false);
        } else if (t.text == "none" || t.text == "None") {
          e->literal = Value::none();
        } else {
          e = make(Expr::Kind::kName, t.line, t.text);
        }
        next();
        return e;
      }
      case TokenKind::kOperator:
        if (t.text == "(" || t.text == "[" || t.text == "{") {
          DepthGuard guard(depth_);
          if (depth_ > kMaxNestingDepth) return error("expression nested too deeply");
          if (t.text == "(") return parse_parenthesized();
          if (t.text == "[") return parse_list();
          return parse_dict();
        }
        break;
      default:
        break;
    }
    return error("unexpected " + describe(t));
  }

  Result<ExprPtr> parse_parenthesized() {
    const int line = next().line;  // (
    auto tuple = make(Expr::Kind::kTuple, line);
    bool saw_comma = false;
    while (!at_operator(")")) {
      PLEXUS_ASSIGN_OR_RETURN(ExprPtr item, parse_expression());
      tuple->args.push_back(std::move(item));
      if (!at_operator(",")) break;
      saw_comma = true;
      next();
    }
    PLEXUS_RETURN_IF_ERROR(expect_operator(")"));
    if (tuple->args.size() == 1 && !saw_comma) return std::move(tuple->args[0]);
    return tuple;
  }

  Result<ExprPtr> parse_list() {
    auto list = make(Expr::Kind::kList, next().line);
    while (!at_operator("]")) {
      PLEXUS_ASSIGN_OR_RETURN(ExprPtr item, parse_expression());
      list->args.push_back(std::move(item));
      if (!at_operator(",")) break;
      next();
    }
    PLEXUS_RETURN_IF_ERROR(expect_operator("]"));
    return list;
  }

  Result<ExprPtr> parse_dict() {
    auto dict = make(Expr::Kind::kDict, next().line);
    while (!at_operator("}")) {
      PLEXUS_ASSIGN_OR_RETURN(ExprPtr key, parse_expression());
      PLEXUS_RETURN_IF_ERROR(expect_operator(":"));
      PLEXUS_ASSIGN_OR_RETURN(ExprPtr value, parse_expression());
      dict->keys.push_back(std::move(key));
      dict->args.push_back(std::move(value));
      if (!at_operator(",")) break;
      next();
    }
    PLEXUS_RETURN_IF_ERROR(expect_operator("}"));
    return dict;
  }

  Status parse_call_args(Expr& call) {
    next();  // (
    while (!at_operator(")")) {
      if (peek().kind == TokenKind::kName && at_operator("=", 1)) {
        std::string key = next().text;
        next();
        PLEXUS_ASSIGN_OR_RETURN(ExprPtr value, parse_expression());
        call.kwargs.emplace_back(std::move(key), std::move(value));
      } else {
        if (!call.kwargs.empty()) return error("positional argument after keyword argument");
        PLEXUS_ASSIGN_OR_RETURN(ExprPtr value, parse_expression());
        call.args.push_back(std::move(value));
      }
      if (!at_operator(",")) break;
      next();
    }
    return expect_operator(")");
  }

  Result<ExprPtr> parse_postfix(ExprPtr e) {
    int chain = 0;
    while (true) {
      if (++chain > kMaxNestingDepth) return error("expression too long");
      const int line = peek().line;
      if (at_operator(".")) {
        next();
        if (peek().kind == TokenKind::kInt) {  // xs.0 is xs[0] in Jinja
          auto item = make(Expr::Kind::kItem, line);
          item->args.push_back(std::move(e));
          auto index = make(Expr::Kind::kLiteral, line);
          index->literal = Value::integer(next().int_value);
          item->args.push_back(std::move(index));
          e = std::move(item);
          continue;
        }
        PLEXUS_ASSIGN_OR_RETURN(std::string name, expect_name());
        auto attr = make(Expr::Kind::kAttr, line, std::move(name));
        attr->args.push_back(std::move(e));
        e = std::move(attr);
      } else if (at_operator("[")) {
        DepthGuard guard(depth_);
        if (depth_ > kMaxNestingDepth) return error("expression nested too deeply");
        next();
        PLEXUS_ASSIGN_OR_RETURN(e, parse_subscript(std::move(e), line));
      } else if (at_operator("(")) {
        DepthGuard guard(depth_);
        if (depth_ > kMaxNestingDepth) return error("expression nested too deeply");
        auto call = make(Expr::Kind::kCall, line);
        call->args.push_back(std::move(e));
        PLEXUS_RETURN_IF_ERROR(parse_call_args(*call));
        e = std::move(call);
      } else {
        return e;
      }
    }
  }

  Result<ExprPtr> parse_subscript(ExprPtr object, int line) {
    ExprPtr parts[3];
    int colons = 0;
    for (int part = 0; part < 3; ++part) {
      if (!at_operator(":") && !at_operator("]")) {
        PLEXUS_ASSIGN_OR_RETURN(parts[part], parse_expression());
      }
      if (at_operator(":") && part < 2) {
        next();
        ++colons;
      } else {
        break;
      }
    }
    PLEXUS_RETURN_IF_ERROR(expect_operator("]"));
    if (colons == 0) {
      if (!parts[0]) return error("empty subscript");
      auto item = make(Expr::Kind::kItem, line);
      item->args.push_back(std::move(object));
      item->args.push_back(std::move(parts[0]));
      return item;
    }
    auto slice = make(Expr::Kind::kSlice, line);
    slice->args.push_back(std::move(object));
    for (auto& p : parts) slice->args.push_back(std::move(p));
    return slice;
  }

  // `| filter(args)` and `is [not] test(args)`, then more postfix operators after a filter.
  Result<ExprPtr> parse_filters(ExprPtr e) {
    int chain = 0;
    while (true) {
      if (++chain > kMaxNestingDepth) return error("expression too long");
      const int line = peek().line;
      if (at_operator("|")) {
        next();
        PLEXUS_ASSIGN_OR_RETURN(std::string name, expect_name());
        auto filter = make(Expr::Kind::kFilter, line, std::move(name));
        filter->args.push_back(std::move(e));
        if (at_operator("(")) PLEXUS_RETURN_IF_ERROR(parse_call_args(*filter));
        e = std::move(filter);
      } else if (at_name("is")) {
        next();
        auto test = make(Expr::Kind::kTest, line);
        if (at_name("not")) {
          next();
          test->negated = true;
        }
        PLEXUS_ASSIGN_OR_RETURN(test->name, expect_name());
        test->args.push_back(std::move(e));
        if (at_operator("(")) {
          PLEXUS_RETURN_IF_ERROR(parse_call_args(*test));
        } else if (starts_test_argument()) {
          // `is divisibleby 3`, `is equalto 'x'`: one argument without parentheses.
          PLEXUS_ASSIGN_OR_RETURN(ExprPtr arg, parse_primary());
          PLEXUS_ASSIGN_OR_RETURN(arg, parse_postfix(std::move(arg)));
          test->args.push_back(std::move(arg));
        }
        e = std::move(test);
      } else {
        return e;
      }
    }
  }

  bool starts_test_argument() const {
    const Token& t = peek();
    if (t.kind == TokenKind::kString || t.kind == TokenKind::kInt || t.kind == TokenKind::kFloat) {
      return true;
    }
    if (t.kind == TokenKind::kOperator) return t.text == "[" || t.text == "{";
    if (t.kind != TokenKind::kName) return false;
    static const std::set<std::string> kStops = {"else", "or", "and", "is", "in", "not", "if"};
    return kStops.count(t.text) == 0;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Body> parse_template(std::string_view source) {
  PLEXUS_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(source));
  return Parser(std::move(tokens)).parse();
}

}  // namespace plexus::chat
