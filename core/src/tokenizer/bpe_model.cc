#include "bpe_model.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <queue>

#include "byte_level.h"
#include "utf8.h"

namespace plexus::tokenizer {
namespace {

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

}  // namespace

Result<BpeModel> BpeModel::create(BpeModelConfig config) {
  BpeModel m;
  m.vocab_ = std::move(config.vocab);
  m.ids_.reserve(m.vocab_.size() * 2);
  for (std::size_t id = 0; id < m.vocab_.size(); ++id) {
    if (m.vocab_[id].empty()) continue;
    m.ids_.emplace(m.vocab_[id], static_cast<int32_t>(id));
  }
  if (!config.merges.empty()) {
    m.merges_.reserve(config.merges.size() * 2);
    for (std::size_t rank = 0; rank < config.merges.size(); ++rank) {
      const auto& [left, right] = config.merges[rank];
      const auto l = m.token_to_id(left), r = m.token_to_id(right);
      const auto merged = m.token_to_id(left + right);
      if (!l || !r || !merged) {
        return Status::corruption("BPE merge #" + std::to_string(rank) + " '" + left + " " + right +
                                  "' names a token that is not in the vocabulary");
      }
      // A repeated pair keeps its last rank, as HF tokenizers' map insertion does.
      m.merges_[pair_key(*l, *r)] = Merge{static_cast<uint32_t>(rank), *merged};
    }
  } else if (!config.scores.empty()) {
    if (config.scores.size() != m.vocab_.size()) {
      return Status::corruption("tokenizer has " + std::to_string(config.scores.size()) +
                                " scores for " + std::to_string(m.vocab_.size()) + " tokens");
    }
    std::vector<int32_t> order(m.vocab_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t a, int32_t b) { return config.scores[a] > config.scores[b]; });
    m.score_rank_.resize(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      m.score_rank_[order[i]] = static_cast<uint32_t>(i);
    }
    m.use_scores_ = true;
  }
  if (config.unk_token) {
    m.unk_id_ = m.token_to_id(*config.unk_token);
    if (!m.unk_id_) {
      return Status::corruption("BPE unk_token '" + *config.unk_token +
                                "' is not in the vocabulary");
    }
  }
  m.byte_fallback_ = config.byte_fallback;
  m.fuse_unk_ = config.fuse_unk;
  m.ignore_merges_ = config.ignore_merges;
  m.byte_token_ids_.assign(256, -1);
  m.byte_level_ids_.assign(256, -1);
  const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    if (auto id = m.token_to_id(name)) m.byte_token_ids_[b] = *id;
    if (auto id = m.token_to_id(alphabet.spell(static_cast<unsigned char>(b)))) {
      m.byte_level_ids_[b] = *id;
    }
  }
  return m;
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  const auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string_view BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= vocab_.size()) return {};
  return vocab_[id];
}

std::optional<BpeModel::Merge> BpeModel::find_merge(int32_t left, int32_t right) const {
  if (!use_scores_) {
    const auto it = merges_.find(pair_key(left, right));
    if (it == merges_.end()) return std::nullopt;
    return it->second;
  }
  std::string joined(vocab_[left]);
  joined += vocab_[right];
  const auto id = token_to_id(joined);
  if (!id) return std::nullopt;
  return Merge{score_rank_[*id], *id};
}

void BpeModel::add_unknown_char(std::string_view ch, std::vector<Symbol>& symbols,
                                bool& last_unk) const {
  if (byte_fallback_) {
    bool all = true;
    for (const char c : ch) all &= byte_token_ids_[static_cast<unsigned char>(c)] >= 0;
    if (all) {
      for (const char c : ch) {
        symbols.push_back(Symbol{byte_token_ids_[static_cast<unsigned char>(c)], 0, 0});
      }
      last_unk = false;
      return;
    }
  }
  if (!unk_id_) return;  // no unk token: HF drops the character
  if (fuse_unk_ && last_unk) return;
  symbols.push_back(Symbol{*unk_id_, 0, 0});
  last_unk = true;
}

void BpeModel::encode_word(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (auto id = token_to_id(word)) {
      out.push_back(*id);
      return;
    }
  }
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  bool last_unk = false;
  for (std::size_t pos = 0; pos < word.size();) {
    const std::size_t len = char_length(word, pos);
    const std::string_view ch = word.substr(pos, len);
    pos += len;
    if (auto id = token_to_id(ch)) {
      symbols.push_back(Symbol{*id, 0, 0});
      last_unk = false;
    } else {
      add_unknown_char(ch, symbols, last_unk);
    }
  }
  merge_symbols(symbols, out);
}

void BpeModel::encode_bytes(std::string_view bytes, std::vector<int32_t>& out) const {
  if (bytes.empty()) return;
  if (ignore_merges_) {
    std::string spelled;
    ByteLevelAlphabet::get().spell_all(bytes, spelled);
    if (auto id = token_to_id(spelled)) {
      out.push_back(*id);
      return;
    }
  }
  std::vector<Symbol> symbols;
  symbols.reserve(bytes.size());
  bool last_unk = false;
  for (const char c : bytes) {
    const int32_t id = byte_level_ids_[static_cast<unsigned char>(c)];
    if (id >= 0) {
      symbols.push_back(Symbol{id, 0, 0});
      last_unk = false;
    } else {
      add_unknown_char(ByteLevelAlphabet::get().spell(static_cast<unsigned char>(c)), symbols,
                       last_unk);
    }
  }
  merge_symbols(symbols, out);
}

void BpeModel::merge_symbols(std::vector<Symbol>& symbols, std::vector<int32_t>& out) const {
  const int32_t n = static_cast<int32_t>(symbols.size());
  for (int32_t i = 0; i < n; ++i) {
    symbols[i].prev = i - 1;
    symbols[i].next = i + 1 < n ? i + 1 : -1;
  }
  // Candidates ordered by (rank, position); stale ones are skipped when popped.
  struct Candidate {
    uint32_t rank;
    int32_t pos;
    int32_t new_id;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::vector<Candidate> storage;
  storage.reserve(n);
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue(std::greater<>(),
                                                                               std::move(storage));
  for (int32_t i = 0; i + 1 < n; ++i) {
    if (auto m = find_merge(symbols[i].id, symbols[i + 1].id)) {
      queue.push(Candidate{m->rank, i, m->new_id});
    }
  }
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    if (left.id < 0 || left.next < 0) continue;  // merged away, or now last
    Symbol& right = symbols[left.next];
    const auto current = find_merge(left.id, right.id);
    if (!current || current->new_id != top.new_id || current->rank != top.rank) continue;
    left.id = top.new_id;
    right.id = -1;  // removed
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.pos;
    if (left.prev >= 0) {
      if (auto m = find_merge(symbols[left.prev].id, left.id)) {
        queue.push(Candidate{m->rank, left.prev, m->new_id});
      }
    }
    if (left.next >= 0) {
      if (auto m = find_merge(left.id, symbols[left.next].id)) {
        queue.push(Candidate{m->rank, top.pos, m->new_id});
      }
    }
  }
  for (int32_t i = 0; i >= 0 && i < n; i = symbols[i].next) out.push_back(symbols[i].id);
}

}  // namespace plexus::tokenizer
