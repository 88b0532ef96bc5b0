// bpe_model.h — byte-pair encoding of one word into vocabulary ids.
//
// Two ways to choose merges: a ranked merge list (tokenizer.json, GGUF gpt2), or, for GGUF
// SentencePiece vocabularies without merges, "merge the adjacent pair whose concatenation is in
// the vocabulary with the highest score" (ties: lower id, then leftmost). In both, the best
// pair is merged first and ties go to the leftmost pair, as HF tokenizers does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "plexus/status.h"

namespace plexus::tokenizer {

struct BpeModelConfig {
  std::vector<std::string> vocab;  // id -> token; ids without a token are empty strings
  std::vector<std::pair<std::string, std::string>> merges;  // rank order
  std::vector<float> scores;  // per id; used when merges is empty and scores is not
  std::optional<std::string> unk_token;
  bool byte_fallback = false;  // unknown characters become <0xXX> byte tokens
  bool fuse_unk = false;       // consecutive unknowns become one unk token
  bool ignore_merges = false;  // a word that is a token is emitted whole
};

class BpeModel {
 public:
  static Result<BpeModel> create(BpeModelConfig config);
  // Movable only: ids_ views the strings of vocab_, whose buffer a move keeps.
  BpeModel(BpeModel&&) = default;
  BpeModel& operator=(BpeModel&&) = default;
  BpeModel(const BpeModel&) = delete;
  BpeModel& operator=(const BpeModel&) = delete;

  // Encodes one word given in the model's alphabet.
  void encode_word(std::string_view word, std::vector<int32_t>& out) const;
  // Encodes one word of raw bytes for a byte-level vocabulary: each byte stands for its
  // byte-level character.
  void encode_bytes(std::string_view bytes, std::vector<int32_t>& out) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  // Empty view for ids without a token.
  std::string_view id_to_token(int32_t id) const;
  int32_t size() const { return static_cast<int32_t>(vocab_.size()); }

 private:
  struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
  };
  struct Merge {
    uint32_t rank;
    int32_t new_id;
  };

  BpeModel() = default;
  void add_unknown_char(std::string_view ch, std::vector<Symbol>& symbols, bool& last_unk) const;
  std::optional<Merge> find_merge(int32_t left, int32_t right) const;
  void merge_symbols(std::vector<Symbol>& symbols, std::vector<int32_t>& out) const;

  std::vector<std::string> vocab_;
  std::unordered_map<std::string_view, int32_t> ids_;  // views into vocab_
  std::unordered_map<uint64_t, Merge> merges_;
  bool use_scores_ = false;
  std::vector<uint32_t> score_rank_;  // per id, when use_scores_
  std::optional<int32_t> unk_id_;
  bool byte_fallback_ = false;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
  std::vector<int32_t> byte_token_ids_;  // <0xXX> ids, -1 where absent (byte fallback)
  std::vector<int32_t> byte_level_ids_;  // per byte, the id of its byte-level character or -1
};

}  // namespace plexus::tokenizer
