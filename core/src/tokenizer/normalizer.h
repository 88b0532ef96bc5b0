// normalizer.h — tokenizer.json "normalizer" steps, applied to the text between added tokens.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plexus/status.h"

namespace plexus::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // REQUIRES: text is valid UTF-8; it stays valid UTF-8.
  virtual void normalize(std::string& text) const = 0;
};

enum class UnicodeForm { kNfc, kNfkc, kNfd, kNfkd };

// Unicode normalization (ICU). InvalidArgument when ICU cannot provide the form.
Result<std::unique_ptr<Normalizer>> make_unicode_normalizer(UnicodeForm form);
// Prepends `prefix` to non-empty text (SentencePiece's "▁" at the start).
std::unique_ptr<Normalizer> make_prepend_normalizer(std::string prefix);
// Replaces every occurrence of the literal `pattern` by `content`.
std::unique_ptr<Normalizer> make_replace_normalizer(std::string pattern, std::string content);
std::unique_ptr<Normalizer> make_sequence_normalizer(
    std::vector<std::unique_ptr<Normalizer>> steps);

}  // namespace plexus::tokenizer
