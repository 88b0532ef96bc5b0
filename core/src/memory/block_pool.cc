#include "memory/block_pool.h"

#include <string>
#include <utility>

namespace plexus {

BlockPool::BlockPool(std::int32_t num_blocks)
    : ref_(num_blocks, 0),
      hash_(num_blocks),
      key_(num_blocks),
      prev_(num_blocks + 1),
      next_(num_blocks + 1),
      in_queue_(num_blocks, false) {
  prev_[sentinel()] = next_[sentinel()] = sentinel();
  for (std::int32_t b = 0; b < num_blocks; ++b) push_back(b);
}

void BlockPool::push_back(std::int32_t block) {
  const std::int32_t last = prev_[sentinel()];
  prev_[block] = last;
  next_[block] = sentinel();
  next_[last] = block;
  prev_[sentinel()] = block;
  in_queue_[block] = true;
  ++num_free_;
}

void BlockPool::push_front(std::int32_t block) {
  const std::int32_t first = next_[sentinel()];
  next_[block] = first;
  prev_[block] = sentinel();
  prev_[first] = block;
  next_[sentinel()] = block;
  in_queue_[block] = true;
  ++num_free_;
}

void BlockPool::unlink(std::int32_t block) {
  next_[prev_[block]] = next_[block];
  prev_[next_[block]] = prev_[block];
  in_queue_[block] = false;
  --num_free_;
}

std::optional<std::vector<std::int32_t>> BlockPool::allocate(std::int32_t n) {
  if (n < 0 || n > num_free_) return std::nullopt;
  std::vector<std::int32_t> blocks;
  blocks.reserve(n);
  for (std::int32_t i = 0; i < n; ++i) {
    const std::int32_t b = next_[sentinel()];
    unlink(b);
    if (hash_[b]) {  // reused: its old content is gone, so the prefix cache must forget it
      by_hash_.erase(*hash_[b]);
      hash_[b].reset();
      key_[b] = BlockKey{};
    }
    ref_[b] = 1;
    blocks.push_back(b);
  }
  return blocks;
}

Status BlockPool::touch(std::span<const std::int32_t> blocks) {
  for (std::int32_t b : blocks) {
    if (b < 0 || b >= num_blocks()) {
      return Status::invalid_argument("KV block id " + std::to_string(b) + " is out of range [0, " +
                                      std::to_string(num_blocks()) + ")");
    }
  }
  for (std::int32_t b : blocks) {
    if (ref_[b] == 0) unlink(b);
    ++ref_[b];
  }
  return Status();
}

Status BlockPool::free(std::span<const std::int32_t> blocks) {
  // Validate first so that a bad call changes nothing; a block may appear more than once.
  std::unordered_map<std::int32_t, std::int32_t> drops;
  for (std::int32_t b : blocks) {
    if (b < 0 || b >= num_blocks()) {
      return Status::internal("freeing KV block id " + std::to_string(b) + ", out of range [0, " +
                              std::to_string(num_blocks()) + ")");
    }
    if (++drops[b] > ref_[b]) {
      return Status::internal("KV block " + std::to_string(b) +
                              " freed more often than it is referenced (double free)");
    }
  }
  for (std::int32_t b : blocks) {
    if (--ref_[b] > 0) continue;
    if (hash_[b]) {
      push_back(b);
    } else {
      push_front(b);
    }
  }
  return Status();
}

std::optional<std::int32_t> BlockPool::cached_block(const BlockHash& hash) const {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return it->second;
}

bool BlockPool::cache_block(std::int32_t block, const BlockHash& hash, BlockKey key) {
  if (block < 0 || block >= num_blocks() || ref_[block] == 0 || hash_[block]) return false;
  if (!by_hash_.emplace(hash, block).second) return false;
  hash_[block] = hash;
  key_[block] = std::move(key);
  return true;
}

const BlockKey* BlockPool::cached_key(std::int32_t block) const {
  return hash_[block] ? &key_[block] : nullptr;
}

std::vector<std::int32_t> BlockPool::free_queue() const {
  std::vector<std::int32_t> order;
  order.reserve(num_free_);
  for (std::int32_t b = next_[sentinel()]; b != sentinel(); b = next_[b]) order.push_back(b);
  return order;
}

Status BlockPool::check_invariants() const {
  std::vector<int> seen(num_blocks(), 0);
  std::int32_t count = 0;
  std::int32_t prev = sentinel();
  for (std::int32_t b = next_[sentinel()]; b != sentinel(); b = next_[b]) {
    if (b < 0 || b >= num_blocks() || ++count > num_blocks()) {
      return Status::internal("free queue is corrupt (bad link or cycle)");
    }
    if (prev_[b] != prev)
      return Status::internal("free queue back link broken at " + std::to_string(b));
    if (++seen[b] > 1) return Status::internal("block " + std::to_string(b) + " queued twice");
    prev = b;
  }
  if (prev_[sentinel()] != prev) return Status::internal("free queue tail link broken");
  if (count != num_free_) {
    return Status::internal("free count " + std::to_string(num_free_) + " but " +
                            std::to_string(count) + " blocks queued");
  }
  for (std::int32_t b = 0; b < num_blocks(); ++b) {
    if (ref_[b] < 0) return Status::internal("block " + std::to_string(b) + " has ref < 0");
    const bool free = ref_[b] == 0;
    if (free != (seen[b] == 1) || free != in_queue_[b]) {
      return Status::internal("block " + std::to_string(b) + " has ref " + std::to_string(ref_[b]) +
                              " but is " + (seen[b] ? "" : "not ") + "in the free queue");
    }
    if (hash_[b]) {
      auto it = by_hash_.find(*hash_[b]);
      if (it == by_hash_.end() || it->second != b) {
        return Status::internal("block " + std::to_string(b) + "'s hash is not mapped to it");
      }
    }
  }
  for (const auto& [hash, b] : by_hash_) {
    if (b < 0 || b >= num_blocks() || !hash_[b] || !(*hash_[b] == hash)) {
      return Status::internal("hash map points at a block without that hash");
    }
  }
  return Status();
}

}  // namespace plexus
