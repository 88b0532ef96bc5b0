// added_vocabulary.h — added and special tokens, found in raw text before pre-tokenization.
//
// As in HF tokenizers: tokens with normalized = false are matched in the raw text first; the
// text between them is normalized, then tokens with normalized = true are matched in it. Both
// passes take the leftmost match, and the longest one at that position. lstrip / rstrip make a
// match absorb the whitespace before / after it; single_word only accepts matches that are not
// inside a word.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace plexus::tokenizer {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false;
  bool normalized = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
};

// A piece of text: either an added token (id >= 0) or text to tokenize (id < 0).
struct TextPiece {
  std::size_t begin;
  std::size_t end;
  int32_t id;
};

class AddedTokenMatcher {
 public:
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);
  bool empty() const { return tokens_.empty(); }
  // Splits text[begin, end) into added tokens and the text between them (empty text omitted).
  void split(std::string_view text, std::size_t begin, std::size_t end,
             std::vector<TextPiece>& out) const;

 private:
  struct Node {
    std::unordered_map<unsigned char, int32_t> children;
    int32_t token = -1;  // index into tokens_ of the token ending here
  };
  // Longest token starting at pos (index into tokens_), or -1.
  int32_t longest_at(std::string_view text, std::size_t pos, std::size_t end) const;

  std::vector<AddedToken> tokens_;
  std::vector<Node> nodes_;
  bool first_byte_[256] = {};
};

}  // namespace plexus::tokenizer
