// Builds the syntax tree of a template from its tokens (Jinja's grammar, the subset that chat
// templates use). Precedence, loosest first: `x if c else y`, or, and, not, comparisons and
// `in`, + -, ~, * / // %, **, unary - +, then postfix `.attr`, `[i]`, `(args)`, `| filter`
// and `is test`.
#pragma once

#include <string_view>

#include "chat/ast.h"
#include "plexus/status.h"

namespace plexus::chat {

// Deeper nesting than this (brackets, operators, blocks) is refused rather than risking the
// stack: no real template comes near it.
inline constexpr int kMaxNestingDepth = 200;

Result<Body> parse_template(std::string_view source);

}  // namespace plexus::chat
