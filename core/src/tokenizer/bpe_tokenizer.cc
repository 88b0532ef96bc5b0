#include "bpe_tokenizer.h"

#include <algorithm>

#include "utf8.h"

namespace plexus::tokenizer {
namespace {

std::vector<AddedToken> select(const std::vector<AddedToken>& tokens, bool normalized) {
  std::vector<AddedToken> out;
  for (const AddedToken& t : tokens) {
    if (t.normalized == normalized) out.push_back(t);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<BpeTokenizer>> BpeTokenizer::create(TokenizerSpec spec) {
  PLEXUS_ASSIGN_OR_RETURN(BpeModel model, BpeModel::create(std::move(spec.model)));
  for (const AddedToken& t : spec.added_tokens) {
    if (t.id < 0) return Status::corruption("added token '" + t.content + "' has a negative id");
    if (t.content.empty())
      return Status::corruption("added token " + std::to_string(t.id) + " has no content");
  }
  int32_t vocab_size = model.size();
  for (const AddedToken& t : spec.added_tokens) vocab_size = std::max(vocab_size, t.id + 1);
  std::vector<int32_t> referenced = spec.prefix_ids;
  referenced.insert(referenced.end(), spec.suffix_ids.begin(), spec.suffix_ids.end());
  if (spec.bos_id) referenced.push_back(*spec.bos_id);
  if (spec.eos_id) referenced.push_back(*spec.eos_id);
  for (const int32_t id : referenced) {
    if (id < 0 || id >= vocab_size) {
      return Status::corruption("special token id " + std::to_string(id) +
                                " is outside the vocabulary (size " + std::to_string(vocab_size) +
                                ")");
    }
  }
  return std::unique_ptr<BpeTokenizer>(new BpeTokenizer(std::move(spec), std::move(model)));
}

BpeTokenizer::BpeTokenizer(TokenizerSpec spec, BpeModel model)
    : model_(std::move(model)),
      raw_matcher_(select(spec.added_tokens, false)),
      normalized_matcher_(select(spec.added_tokens, true)),
      normalizer_(std::move(spec.normalizer)),
      pre_tokenizer_(std::move(spec.pre_tokenizer)),
      decoder_(std::move(spec.decoder)),
      prefix_ids_(std::move(spec.prefix_ids)),
      suffix_ids_(std::move(spec.suffix_ids)),
      bos_id_(spec.bos_id),
      eos_id_(spec.eos_id) {
  vocab_size_ = model_.size();
  for (const AddedToken& t : spec.added_tokens) {
    vocab_size_ = std::max(vocab_size_, t.id + 1);
    added_by_id_[t.id] = t;
    added_by_content_.emplace(t.content, t.id);
  }
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view input, bool add_special_tokens) const {
  std::string repaired;
  std::string_view text = input;
  if (!is_valid_utf8(input)) {
    repaired = repair_utf8(input);
    text = repaired;
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + prefix_ids_.size() + suffix_ids_.size() + 1);
  if (add_special_tokens) ids.insert(ids.end(), prefix_ids_.begin(), prefix_ids_.end());
  std::vector<TextPiece> pieces;
  raw_matcher_.split(text, 0, text.size(), pieces);
  for (const TextPiece& piece : pieces) {
    if (piece.id >= 0) {
      ids.push_back(piece.id);
    } else {
      encode_text(text.substr(piece.begin, piece.end - piece.begin), piece.begin == 0, ids);
    }
  }
  if (add_special_tokens) ids.insert(ids.end(), suffix_ids_.begin(), suffix_ids_.end());
  return ids;
}

void BpeTokenizer::encode_text(std::string_view raw, bool at_start,
                               std::vector<int32_t>& out) const {
  if (normalizer_ == nullptr && normalized_matcher_.empty()) {
    encode_normalized(raw, at_start, out);
    return;
  }
  std::string text(raw);
  if (normalizer_ != nullptr) normalizer_->normalize(text);
  std::vector<TextPiece> pieces;
  normalized_matcher_.split(text, 0, text.size(), pieces);
  for (const TextPiece& piece : pieces) {
    if (piece.id >= 0) {
      out.push_back(piece.id);
    } else {
      encode_normalized(std::string_view(text).substr(piece.begin, piece.end - piece.begin),
                        at_start && piece.begin == 0, out);
    }
  }
}

void BpeTokenizer::encode_normalized(std::string_view text, bool at_start,
                                     std::vector<int32_t>& out) const {
  std::string prepared;
  if (pre_tokenizer_.changes_text()) {
    prepared = text;
    pre_tokenizer_.prepare(prepared, at_start);
    text = prepared;
  }
  std::vector<Range> words{{0, text.size()}};
  pre_tokenizer_.split(text, words);
  for (const Range& w : words) encode_word(text.substr(w.first, w.second - w.first), out);
}

void BpeTokenizer::encode_word(std::string_view word, std::vector<int32_t>& out) const {
  // The merge loop indexes symbols with int32: a word beyond kMaxWordBytes (only possible
  // without a pre-tokenizer, on a text over 1 GiB) is encoded in pieces cut at characters.
  while (word.size() > kMaxWordBytes) {
    std::size_t cut = kMaxWordBytes;
    while (cut > 0 && (static_cast<unsigned char>(word[cut]) & 0xC0) == 0x80) --cut;
    encode_word(word.substr(0, cut), out);
    word.remove_prefix(cut);
  }
  const bool cacheable = word.size() <= kCacheMaxWordBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const auto it = cache_.find(word);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const std::size_t mark = out.size();
  if (pre_tokenizer_.byte_level()) {
    model_.encode_bytes(word, out);
  } else {
    model_.encode_word(word, out);
  }
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() >= kCacheCapacity) cache_.clear();
    cache_.emplace(std::string(word), std::vector<int32_t>(out.begin() + mark, out.end()));
  }
}

std::string BpeTokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const int32_t id : ids) {
    const auto added = added_by_id_.find(id);
    if (added != added_by_id_.end()) {
      if (skip_special_tokens && added->second.special) continue;
      tokens.push_back(added->second.content);
      continue;
    }
    const std::string_view token = model_.id_to_token(id);
    if (!token.empty()) tokens.emplace_back(token);
  }
  return decoder_.decode(std::move(tokens));
}

std::optional<int32_t> BpeTokenizer::token_to_id(std::string_view token) const {
  const auto it = added_by_content_.find(std::string(token));
  if (it != added_by_content_.end()) return it->second;
  return model_.token_to_id(token);
}

std::optional<std::string> BpeTokenizer::id_to_token(int32_t id) const {
  const auto added = added_by_id_.find(id);
  if (added != added_by_id_.end()) return added->second.content;
  const std::string_view token = model_.id_to_token(id);
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

bool BpeTokenizer::is_special(int32_t id) const {
  const auto it = added_by_id_.find(id);
  return it != added_by_id_.end() && it->second.special;
}

bool BpeTokenizer::adds_bos() const {
  return bos_id_.has_value() && !prefix_ids_.empty() && prefix_ids_.front() == *bos_id_;
}

}  // namespace plexus::tokenizer
