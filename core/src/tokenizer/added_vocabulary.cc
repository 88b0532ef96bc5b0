#include "added_vocabulary.h"

#include "utf8.h"

namespace plexus::tokenizer {
namespace {

// Unicode White_Space, which Rust's char::is_whitespace (used by HF for lstrip/rstrip) tests.
bool is_white_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Start of the character that ends just before `pos`.
std::size_t previous_char(std::string_view text, std::size_t pos) {
  do {
    --pos;
  } while (pos > 0 && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80);
  return pos;
}

// Approximates Rust's char::is_alphanumeric: ASCII letters and digits, and every non-ASCII
// character that is not white space.
bool is_word_char(char32_t c) {
  if (c < 0x80) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
  return !is_white_space(c);
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
  nodes_.emplace_back();
  for (std::size_t t = 0; t < tokens_.size(); ++t) {
    const std::string& s = tokens_[t].content;
    if (s.empty()) continue;
    first_byte_[static_cast<unsigned char>(s[0])] = true;
    int32_t node = 0;
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      auto it = nodes_[node].children.find(c);
      if (it == nodes_[node].children.end()) {
        nodes_.emplace_back();
        const auto child = static_cast<int32_t>(nodes_.size() - 1);
        nodes_[node].children.emplace(c, child);
        node = child;
      } else {
        node = it->second;
      }
    }
    if (nodes_[node].token < 0) nodes_[node].token = static_cast<int32_t>(t);
  }
}

int32_t AddedTokenMatcher::longest_at(std::string_view text, std::size_t pos,
                                      std::size_t end) const {
  int32_t node = 0, best = -1;
  for (std::size_t i = pos; i < end; ++i) {
    const auto it = nodes_[node].children.find(static_cast<unsigned char>(text[i]));
    if (it == nodes_[node].children.end()) break;
    node = it->second;
    if (nodes_[node].token >= 0) best = nodes_[node].token;
  }
  return best;
}

void AddedTokenMatcher::split(std::string_view text, std::size_t begin, std::size_t end,
                              std::vector<TextPiece>& out) const {
  std::size_t gap_begin = begin;  // start of text not yet emitted
  std::size_t pos = begin;
  while (pos < end) {
    if (!first_byte_[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    const int32_t t = longest_at(text, pos, end);
    if (t < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[t];
    std::size_t match_begin = pos, match_end = pos + token.content.size();
    if (token.single_word) {
      const bool left_ok = match_begin == begin ||
                           !is_word_char(decode_char(text, previous_char(text, match_begin)));
      const bool right_ok = match_end == end || !is_word_char(decode_char(text, match_end));
      if (!left_ok || !right_ok) {
        ++pos;
        continue;
      }
    }
    if (token.lstrip) {
      while (match_begin > gap_begin) {
        const std::size_t p = previous_char(text, match_begin);
        if (!is_white_space(decode_char(text, p))) break;
        match_begin = p;
      }
    }
    if (token.rstrip) {
      while (match_end < end && is_white_space(decode_char(text, match_end))) {
        match_end += char_length(text, match_end);
      }
    }
    if (match_begin > gap_begin) out.push_back(TextPiece{gap_begin, match_begin, -1});
    out.push_back(TextPiece{match_begin, match_end, token.id});
    gap_begin = pos = match_end;
  }
  if (end > gap_begin) out.push_back(TextPiece{gap_begin, end, -1});
}

}  // namespace plexus::tokenizer
