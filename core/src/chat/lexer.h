// Splits a Jinja template into text and tag tokens, applying Jinja's whitespace control the way
// transformers configures it (trim_blocks and lstrip_blocks on, keep_trailing_newline off):
//   {%- / -%}  remove all whitespace before / after the tag
//   {%+ / +%}  keep it (disable lstrip_blocks / trim_blocks for this tag)
//   lstrip_blocks: spaces and tabs from the start of a line up to a {% or {# tag are removed
//   trim_blocks:   the first newline after a %} or #} is removed
// Line endings are normalised to "\n" and one trailing newline is dropped, as Jinja does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/status.h"

namespace plexus::chat {

enum class TokenKind {
  kText,        // literal output
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,        // identifier or keyword
  kString,      // string literal, escapes already decoded
  kInt,
  kFloat,
  kOperator,  // + - * / // % ** ~ == != < <= > >= = . , : | ( ) [ ] { }
  kEnd,       // end of template
};

struct Token {
  TokenKind kind;
  std::string text;  // kText, kName, kString, kOperator
  int line = 1;
  std::int64_t int_value = 0;
  double float_value = 0;
};

Result<std::vector<Token>> tokenize(std::string_view source);

}  // namespace plexus::chat
