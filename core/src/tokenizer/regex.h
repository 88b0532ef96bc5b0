// regex.h — the pre-tokenizer patterns, compiled with PCRE2 (UTF, Unicode properties, JIT).
//
// tokenizer.json patterns are written for HF tokenizers' engine, Oniguruma. compile() rewrites
// the two things that differ from PCRE2 so that both split text the same way:
// - Oniguruma's Unicode `\s` is the White_Space property; PCRE2's (with PCRE2_UCP) lacks U+0085
//   NEXT LINE, so `\s` / `\S` get it added.
// - Oniguruma has newer Unicode tables than PCRE2 10.42 (Unicode 14): `\p{L}`, `\p{N}`, `\p{P}`,
//   `\p{S}` and `\p{M}` get the code points assigned to them since (unicode_additions.inc,
//   generated from HF tokenizers by tools/tokenizer/make_unicode_additions.py).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plexus/status.h"

namespace plexus::tokenizer {

class Regex {
 public:
  // `pattern` in Oniguruma/PCRE syntax. InvalidArgument names the pattern and PCRE2's reason.
  static Result<std::shared_ptr<const Regex>> compile(std::string_view pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Appends the [begin, end) byte ranges of the successive non-overlapping, non-empty matches
  // in `text`, offset by `base`. REQUIRES: text is valid UTF-8.
  void find_all(std::string_view text, std::size_t base,
                std::vector<std::pair<std::size_t, std::size_t>>& out) const;

  const std::string& pattern() const { return pattern_; }

 private:
  Regex() = default;
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8*
};

// The Oniguruma -> PCRE2 rewrite described above (exposed for tests).
std::string translate_pattern(std::string_view pattern);

}  // namespace plexus::tokenizer
