// bpe_tokenizer.h — the Tokenizer for BPE vocabularies: the HF tokenizers pipeline of
// added tokens -> normalizer -> pre-tokenizer -> BPE model -> post-processor, and the decoder.
//
// Built from a TokenizerSpec, which the tokenizer.json and GGUF loaders fill in.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "added_vocabulary.h"
#include "bpe_model.h"
#include "decoder.h"
#include "normalizer.h"
#include "plexus/tokenizer.h"
#include "pre_tokenizer.h"

namespace plexus::tokenizer {

struct TokenizerSpec {
  BpeModelConfig model;
  std::vector<AddedToken> added_tokens;
  std::unique_ptr<Normalizer> normalizer;  // may be null
  PreTokenizer pre_tokenizer;              // no steps: the whole text is one word
  Decoder decoder;
  std::vector<int32_t> prefix_ids;  // added by encode(..., add_special_tokens = true)
  std::vector<int32_t> suffix_ids;
  std::optional<int32_t> bos_id;
  std::optional<int32_t> eos_id;
};

class BpeTokenizer final : public Tokenizer {
 public:
  static Result<std::unique_ptr<BpeTokenizer>> create(TokenizerSpec spec);

  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const override;
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const override;
  int32_t vocab_size() const override { return vocab_size_; }
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::optional<std::string> id_to_token(int32_t id) const override;
  std::optional<int32_t> bos_id() const override { return bos_id_; }
  std::optional<int32_t> eos_id() const override { return eos_id_; }
  bool is_special(int32_t id) const override;
  bool adds_bos() const override;

 private:
  explicit BpeTokenizer(TokenizerSpec spec, BpeModel model);
  // Tokenizes text between added tokens (raw, before normalization); `at_start`: it begins the
  // input (Metaspace's "first" prepend scheme looks at that).
  void encode_text(std::string_view raw, bool at_start, std::vector<int32_t>& out) const;
  void encode_normalized(std::string_view text, bool at_start, std::vector<int32_t>& out) const;
  void encode_word(std::string_view word, std::vector<int32_t>& out) const;

  BpeModel model_;
  AddedTokenMatcher raw_matcher_;         // normalized = false
  AddedTokenMatcher normalized_matcher_;  // normalized = true
  std::unique_ptr<Normalizer> normalizer_;
  PreTokenizer pre_tokenizer_;
  Decoder decoder_;
  std::vector<int32_t> prefix_ids_, suffix_ids_;
  std::optional<int32_t> bos_id_, eos_id_;
  int32_t vocab_size_ = 0;
  std::unordered_map<int32_t, AddedToken> added_by_id_;
  std::unordered_map<std::string, int32_t> added_by_content_;

  // Words seen before and their ids (HF keeps the same kind of cache).
  static constexpr std::size_t kCacheCapacity = 1 << 16;
  static constexpr std::size_t kCacheMaxWordBytes = 256;
  static constexpr std::size_t kMaxWordBytes = std::size_t{1} << 30;
  mutable std::mutex cache_mutex_;
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  mutable std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> cache_;
};

}  // namespace plexus::tokenizer
