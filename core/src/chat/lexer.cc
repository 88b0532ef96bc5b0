#include "chat/lexer.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "chat/text.h"

namespace plexus::chat {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Python's str.splitlines() boundaries, joined back with "\n"; a final line break is dropped.
std::string normalize_newlines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  bool ended_with_break = false;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    if (c == '\r') {
      len = (i + 1 < s.size() && s[i + 1] == '\n') ? 2 : 1;
    } else if (c == '\n' || c == '\v' || c == '\f' || (c >= 0x1C && c <= 0x1E)) {
      len = 1;
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) {
      len = 2;
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      len = 3;
    }
    if (len > 0) {
      out += '\n';
      i += len;
      ended_with_break = true;
    } else {
      out += s[i];
      ++i;
      ended_with_break = false;
    }
  }
  if (ended_with_break) out.pop_back();
  return out;
}

Status error_at(int line, const std::string& message) {
  return Status::invalid_argument("chat template line " + std::to_string(line) + ": " + message);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes Python string-literal escapes, as Jinja does with "unicode-escape".
std::string decode_escapes(std::string_view body) {
  std::string out;
  std::size_t i = 0;
  while (i < body.size()) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out += body[i++];
      continue;
    }
    const char e = body[i + 1];
    i += 2;
    switch (e) {
      case '\n':
        break;  // line continuation
      case '\\':
        out += '\\';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
      case 'u':
      case 'U': {
        const std::size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        char32_t cp = 0;
        bool ok = i + digits <= body.size();
        for (std::size_t k = 0; ok && k < digits; ++k) {
          const int h = hex_value(body[i + k]);
          ok = h >= 0;
          cp = cp * 16 + static_cast<char32_t>(h);
        }
        if (ok && cp <= 0x10FFFF) {
          append_utf8(out, cp);
          i += digits;
        } else {
          out += '\\';
          out += e;
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          char32_t cp = static_cast<char32_t>(e - '0');
          for (int k = 0; k < 2 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++k) {
            cp = cp * 8 + static_cast<char32_t>(body[i++] - '0');
          }
          append_utf8(out, cp);
        } else {
          out += '\\';
          out += e;
        }
    }
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string source) : src_(std::move(source)) {}

  Result<std::vector<Token>> run() {
    std::size_t text_start = 0;
    while (true) {
      const std::size_t tag = find_tag(text_start);
      std::string text = src_.substr(text_start, tag - text_start);
      if (tag == src_.size()) {
        emit_text(std::move(text), text_start);
        break;
      }
      const char kind = src_[tag + 1];  // '{', '%' or '#'
      const char sign = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      apply_left_strip(text, text_start, kind, sign);
      emit_text(std::move(text), text_start);
      pos_ = tag + 2 + ((sign == '-' || sign == '+') ? 1 : 0);
      if (kind == '#') {
        PLEXUS_RETURN_IF_ERROR(skip_comment(tag));
      } else if (kind == '%' && starts_raw()) {
        PLEXUS_RETURN_IF_ERROR(lex_raw(tag));
      } else {
        PLEXUS_RETURN_IF_ERROR(lex_tag(kind == '{', tag));
      }
      text_start = pos_;
    }
    tokens_.push_back(Token{TokenKind::kEnd, "", line_at(src_.size())});
    return std::move(tokens_);
  }

 private:
  int line_at(std::size_t pos) {
    while (line_pos_ < pos && line_pos_ < src_.size()) {
      if (src_[line_pos_] == '\n') ++line_;
      ++line_pos_;
    }
    return line_;
  }

  std::size_t find_tag(std::size_t from) const {
    for (std::size_t i = from; i + 1 < src_.size(); ++i) {
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) {
        return i;
      }
    }
    return src_.size();
  }

  void apply_left_strip(std::string& text, std::size_t text_start, char kind, char sign) const {
    if (sign == '-') {
      std::size_t end = text.size();
      while (end > 0 && is_space(text[end - 1])) --end;
      text.resize(end);
      return;
    }
    if (sign == '+' || kind == '{') return;
    // lstrip_blocks: only whitespace between the line start and the tag.
    const std::size_t nl = text.rfind('\n');
    const std::size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
    const bool line_starting = text_start == 0 || src_[text_start - 1] == '\n';
    if (l_pos == 0 && !line_starting) return;
    for (std::size_t i = l_pos; i < text.size(); ++i) {
      if (!is_space(text[i])) return;
    }
    text.resize(l_pos);
  }

  void emit_text(std::string text, std::size_t at) {
    if (text.empty()) return;
    tokens_.push_back(Token{TokenKind::kText, std::move(text), line_at(at)});
  }

  // After a tag's closing delimiter at pos_: "-" strips whitespace, otherwise trim_blocks.
  void apply_right_strip(char sign, bool is_block) {
    if (sign == '-') {
      while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
    } else if (sign != '+' && is_block && pos_ < src_.size() && src_[pos_] == '\n') {
      ++pos_;
    }
  }

  Status skip_comment(std::size_t tag) {
    const std::size_t end = src_.find("#}", pos_);
    if (end == std::string::npos) return error_at(line_at(tag), "missing end of comment tag");
    const char sign =
        end > pos_ && (src_[end - 1] == '-' || src_[end - 1] == '+') ? src_[end - 1] : '\0';
    pos_ = end + 2;
    apply_right_strip(sign, true);
    return Status();
  }

  void skip_spaces() {
    while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
  }

  bool starts_raw() {
    std::size_t p = pos_;
    while (p < src_.size() && is_space(src_[p])) ++p;
    if (src_.compare(p, 3, "raw") != 0) return false;
    p += 3;
    while (p < src_.size() && is_space(src_[p])) ++p;
    return src_.compare(p, 2, "%}") == 0 || src_.compare(p, 3, "-%}") == 0 ||
           src_.compare(p, 3, "+%}") == 0;
  }

  // {% raw %}...{% endraw %}: the body is text, tags inside are not parsed.
  Status lex_raw(std::size_t tag) {
    skip_spaces();
    pos_ += 3;  // raw
    skip_spaces();
    const char open_sign = src_[pos_] == '%' ? '\0' : src_[pos_++];
    pos_ += 2;
    apply_right_strip(open_sign, true);
    const std::size_t body_start = pos_;
    for (std::size_t i = body_start; i + 1 < src_.size(); ++i) {
      if (src_[i] != '{' || src_[i + 1] != '%') continue;
      std::size_t p = i + 2;
      const char sign = p < src_.size() && (src_[p] == '-' || src_[p] == '+') ? src_[p++] : '\0';
      while (p < src_.size() && is_space(src_[p])) ++p;
      if (src_.compare(p, 6, "endraw") != 0) continue;
      p += 6;
      while (p < src_.size() && is_space(src_[p])) ++p;
      char close_sign = '\0';
      if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) close_sign = src_[p++];
      if (src_.compare(p, 2, "%}") != 0) continue;
      std::string body = src_.substr(body_start, i - body_start);
      apply_left_strip(body, body_start, '%', sign);
      emit_text(std::move(body), body_start);
      pos_ = p + 2;
      apply_right_strip(close_sign, true);
      return Status();
    }
    return error_at(line_at(tag), "missing endraw tag for a raw block");
  }

  Status lex_tag(bool is_variable, std::size_t tag) {
    tokens_.push_back(
        Token{is_variable ? TokenKind::kVarBegin : TokenKind::kBlockBegin, "", line_at(tag)});
    int depth = 0;  // open brackets: "}}" inside {'a': {'b': 1}} does not end the tag
    const char* close = is_variable ? "}}" : "%}";
    while (true) {
      skip_spaces();
      if (pos_ >= src_.size()) {
        return error_at(line_at(tag), std::string("missing end of tag ") + close);
      }
      if (depth == 0) {
        char sign = '\0';
        std::size_t p = pos_;
        if (src_[p] == '-' || src_[p] == '+') {
          sign = src_[p];
          ++p;
        }
        if (src_.compare(p, 2, close) == 0) {
          pos_ = p + 2;
          tokens_.push_back(
              Token{is_variable ? TokenKind::kVarEnd : TokenKind::kBlockEnd, "", line_at(p)});
          apply_right_strip(sign, !is_variable);
          return Status();
        }
      }
      PLEXUS_RETURN_IF_ERROR(lex_expression_token(depth));
    }
  }

  Status lex_expression_token(int& depth) {
    const int line = line_at(pos_);
    const char c = src_[pos_];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t end = pos_;
      while (end < src_.size() &&
             (std::isalnum(static_cast<unsigned char>(src_[end])) || src_[end] == '_')) {
        ++end;
      }
      tokens_.push_back(Token{TokenKind::kName, src_.substr(pos_, end - pos_), line});
      pos_ = end;
      return Status();
    }
    if (std::isdigit(static_cast<unsigned char>(c))) return lex_number(line);
    if (c == '\'' || c == '"') {
      std::size_t i = pos_ + 1;
      while (i < src_.size() && src_[i] != c) i += src_[i] == '\\' ? 2 : 1;
      if (i >= src_.size()) return error_at(line, "unterminated string literal");
      tokens_.push_back(Token{TokenKind::kString,
                              decode_escapes(std::string_view(src_).substr(pos_ + 1, i - pos_ - 1)),
                              line});
      pos_ = i + 1;
      return Status();
    }
    static const char* const kTwoChar[] = {"//", "**", "==", "!=", "<=", ">="};
    for (const char* op : kTwoChar) {
      if (src_.compare(pos_, 2, op) == 0) {
        tokens_.push_back(Token{TokenKind::kOperator, op, line});
        pos_ += 2;
        return Status();
      }
    }
    if (std::strchr("+-*/%~<>=.,:|()[]{}", c) != nullptr && c != '\0') {
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) return error_at(line, std::string("unexpected '") + c + "'");
        --depth;
      }
      tokens_.push_back(Token{TokenKind::kOperator, std::string(1, c), line});
      ++pos_;
      return Status();
    }
    std::size_t n = 0;
    decode_code_point(std::string_view(src_).substr(pos_), &n);  // quote the whole character
    return error_at(line, "unexpected char '" + src_.substr(pos_, n) + "'");
  }

  Status lex_number(int line) {
    std::size_t end = pos_;
    auto digits = [&] {
      while (end < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[end])) ||
                                   (src_[end] == '_' && end + 1 < src_.size() &&
                                    std::isdigit(static_cast<unsigned char>(src_[end + 1]))))) {
        ++end;
      }
    };
    digits();
    bool is_float = false;
    if (end + 1 < src_.size() && src_[end] == '.' &&
        std::isdigit(static_cast<unsigned char>(src_[end + 1]))) {
      is_float = true;
      ++end;
      digits();
    }
    if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      std::size_t p = end + 1;
      if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
      if (p < src_.size() && std::isdigit(static_cast<unsigned char>(src_[p]))) {
        is_float = true;
        end = p;
        digits();
      }
    }
    std::string text;
    for (std::size_t i = pos_; i < end; ++i) {
      if (src_[i] != '_') text += src_[i];
    }
    Token token{is_float ? TokenKind::kFloat : TokenKind::kInt, text, line};
    errno = 0;
    if (is_float) {
      token.float_value = std::strtod(text.c_str(), nullptr);
    } else {
      token.int_value = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE) return error_at(line, "integer literal too large: " + text);
    }
    tokens_.push_back(std::move(token));
    pos_ = end;
    return Status();
  }

  std::string src_;
  std::size_t pos_ = 0;
  std::vector<Token> tokens_;
  std::size_t line_pos_ = 0;
  int line_ = 1;
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view source) {
  return Lexer(normalize_newlines(source)).run();
}

}  // namespace plexus::chat
