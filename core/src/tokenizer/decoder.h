// decoder.h — tokenizer.json "decoder" steps: token strings back to text.
//
// Like HF tokenizers, the steps work on the list of token strings, each step mapping the list to
// a new one; the result is the concatenation. Without any step, tokens are joined with spaces.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace plexus::tokenizer {

// The byte-level alphabet back to bytes; a token with a character outside the alphabet is taken
// as its own UTF-8. The concatenation is then repaired to valid UTF-8 (U+FFFD).
struct ByteLevelDecode {};
// Every occurrence of `pattern` in each token becomes `content`.
struct ReplaceDecode {
  std::string pattern;
  std::string content;
};
// Runs of <0xXX> tokens become their bytes when those form valid UTF-8, else one U+FFFD each.
struct ByteFallbackDecode {};
// All tokens joined into one.
struct FuseDecode {};
// Up to `start` leading and `stop` trailing copies of `content` removed from each token.
struct StripDecode {
  std::string content;  // one character
  std::size_t start = 0;
  std::size_t stop = 0;
};

// SentencePiece's spaces back: `replacement` becomes ' ', except in the first token when a
// replacement was prepended at encoding (`prepended`), where it is dropped.
struct MetaspaceDecode {
  std::string replacement;
  bool prepended = true;
};

using DecodeStep = std::variant<ByteLevelDecode, ReplaceDecode, ByteFallbackDecode, FuseDecode,
                                StripDecode, MetaspaceDecode>;

class Decoder {
 public:
  void add(DecodeStep step) { steps_.push_back(std::move(step)); }
  std::string decode(std::vector<std::string> tokens) const;

 private:
  std::vector<DecodeStep> steps_;
};

}  // namespace plexus::tokenizer
