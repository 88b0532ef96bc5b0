// pre_tokenizer.h — splits normalized text into the words BPE runs on.
//
// Supports the tokenizer.json pre-tokenizers the known BPE vocabularies use: Split with a regex
// (behaviours Isolated and Removed, optionally inverted), Digits, ByteLevel (with or without the
// GPT-2 regex), Metaspace (as the first step) and Sequence of these. Words are byte ranges into
// the text; ByteLevel's mapping to its alphabet is applied later, by the model, to each word.
// The steps that change the text (ByteLevel's add_prefix_space, Metaspace) run first, in
// prepare().
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "regex.h"

namespace plexus::tokenizer {

using Range = std::pair<std::size_t, std::size_t>;  // [begin, end) in bytes

enum class SplitBehavior { kIsolated, kRemoved };

enum class PrependScheme { kAlways, kFirst, kNever };

// SentencePiece's spaces: ' ' becomes `replacement`, which is also put in front of the text
// (kFirst: only text at the very start of the input); with `split`, words start at each
// replacement.
struct MetaspaceStep {
  std::string replacement = "\u2581";
  PrependScheme prepend_scheme = PrependScheme::kAlways;
  bool split = true;
};

struct SplitStep {
  std::shared_ptr<const Regex> regex;
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
};

class PreTokenizer {
 public:
  void add_split(SplitStep step) { steps_.push_back(std::move(step)); }
  // Whether a ByteLevel step is present (words are then spelled in the byte alphabet).
  bool byte_level() const { return byte_level_; }
  void set_byte_level() { byte_level_ = true; }
  // ByteLevel's add_prefix_space: a space before text that does not start with one.
  bool add_prefix_space() const { return add_prefix_space_; }
  void set_add_prefix_space() { add_prefix_space_ = true; }
  void set_metaspace(MetaspaceStep step) { metaspace_ = std::move(step); }
  bool has_metaspace() const { return metaspace_.has_value(); }
  std::size_t num_steps() const { return steps_.size() + (metaspace_ ? 1 : 0); }

  // Whether prepare() may change text.
  bool changes_text() const { return add_prefix_space_ || metaspace_.has_value(); }
  // Applies the text-changing steps; `at_start`: the text begins the whole input.
  void prepare(std::string& text, bool at_start) const;
  // Replaces `words` (ranges of `text`) by the result of every step. REQUIRES: valid UTF-8.
  void split(std::string_view text, std::vector<Range>& words) const;

 private:
  std::vector<SplitStep> steps_;
  std::optional<MetaspaceStep> metaspace_;
  bool byte_level_ = false;
  bool add_prefix_space_ = false;
};

// GPT-2's pattern, as HF's ByteLevel pre-tokenizer uses it with use_regex.
inline constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace plexus::tokenizer
