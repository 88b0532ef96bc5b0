// IncrementalDetokenizer (plexus/tokenizer.h).
//
// Works for any Tokenizer through decode(): it decodes the held-back ids together with the
// already emitted ones before them, and emits the difference once it does not end in U+FFFD
// (which is how decode() shows a character that is not complete yet). Keeping emitted ids as
// context makes decoders that depend on neighbours (SentencePiece's stripped leading space)
// agree with decoding everything at once.
#include "plexus/tokenizer.h"

#include "utf8.h"

namespace plexus {

std::unique_ptr<IncrementalDetokenizer> Tokenizer::make_detokenizer(
    bool skip_special_tokens) const {
  return std::make_unique<IncrementalDetokenizer>(*this, skip_special_tokens);
}

IncrementalDetokenizer::IncrementalDetokenizer(const Tokenizer& tokenizer, bool skip_special_tokens)
    : tokenizer_(tokenizer), skip_special_tokens_(skip_special_tokens) {}

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string IncrementalDetokenizer::feed(int32_t id) {
  ids_.push_back(id);
  const std::span<const int32_t> all(ids_);
  const std::string before = tokenizer_.decode(all.first(read_offset_), skip_special_tokens_);
  std::string text = tokenizer_.decode(all, skip_special_tokens_);
  if (text.size() <= before.size() || text.compare(0, before.size(), before) != 0 ||
      ends_with(text, tokenizer::kReplacementChar)) {
    return {};
  }
  // Everything up to here is emitted; keep the newly emitted ids as the next context.
  ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(read_offset_));
  read_offset_ = ids_.size();
  return text.substr(before.size());
}

std::string IncrementalDetokenizer::finish() {
  const std::span<const int32_t> all(ids_);
  const std::string before = tokenizer_.decode(all.first(read_offset_), skip_special_tokens_);
  std::string text = tokenizer_.decode(all, skip_special_tokens_);
  ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(read_offset_));
  read_offset_ = ids_.size();
  if (text.size() <= before.size() || text.compare(0, before.size(), before) != 0) return {};
  return text.substr(before.size());
}

}  // namespace plexus
