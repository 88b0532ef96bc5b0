// BlockPool: the fixed set of KV cache blocks, their reference counts, and the free queue.
//
// Contract:
// - The number of blocks is fixed at construction; blocks are named by ids 0..num_blocks-1
//   (the ids that go into ForwardBatch::block_tables). No block is reserved.
// - A block is either in use (ref count > 0, held by that many requests) or free (ref count 0,
//   in the free queue exactly once). num_used() + num_free() == num_blocks() always.
// - A block may carry a content hash (registered with cache_block once its tokens are computed).
//   Freed blocks keep their hash, so the prefix cache still finds them, until allocate() pops
//   them for reuse; only then is the hash forgotten.
// - The free queue is ordered for eviction: allocate() takes from the head. Freed blocks with a
//   hash go to the tail (least recently used are reused first); freed blocks without one hold
//   nothing worth keeping and go to the head.
// - Failing calls change nothing.
// Thread safety: none; the engine thread owns the pool.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "memory/block_hash.h"
#include "plexus/status.h"

namespace plexus {

class BlockPool {
 public:
  // REQUIRES: num_blocks >= 1 (KvCacheManager::create checks it for users).
  explicit BlockPool(std::int32_t num_blocks);

  std::int32_t num_blocks() const { return static_cast<std::int32_t>(ref_.size()); }
  std::int32_t num_free() const { return num_free_; }
  std::int32_t num_used() const { return num_blocks() - num_free_; }
  // Fraction of blocks in use, in [0, 1].
  double usage() const { return static_cast<double>(num_used()) / num_blocks(); }
  // Blocks currently findable by hash (in use or free).
  std::int32_t num_cached() const { return static_cast<std::int32_t>(by_hash_.size()); }

  // Takes `n` blocks from the head of the free queue (each with ref count 1, hash forgotten), or
  // nullopt when fewer than n are free (or n < 0). All or nothing.
  std::optional<std::vector<std::int32_t>> allocate(std::int32_t n);

  // Adds a reference to each block (prefix-cache hits), taking free ones out of the free queue.
  // InvalidArgument for an id out of range; nothing changes then.
  Status touch(std::span<const std::int32_t> blocks);

  // Drops a reference from each block, in order; a block whose count reaches 0 joins the free
  // queue (see the contract for where). Pass a request's blocks last first so that its tail is
  // evicted before its shared prefix. Internal error (and no change) for an id out of range or a
  // block freed more often than it is referenced.
  Status free(std::span<const std::int32_t> blocks);

  // The block holding content with this hash, in use or free.
  std::optional<std::int32_t> cached_block(const BlockHash& hash) const;

  // Registers the hash of an in-use block's (full, computed) content. Returns false and changes
  // nothing when the block already has a hash or another block already holds this content.
  bool cache_block(std::int32_t block, const BlockHash& hash, BlockKey key);

  // REQUIRES for the accessors below: 0 <= block < num_blocks().
  std::int32_t ref_count(std::int32_t block) const { return ref_[block]; }
  const std::optional<BlockHash>& block_hash(std::int32_t block) const { return hash_[block]; }
  // What the block's hash was computed from; null when the block has no hash.
  const BlockKey* cached_key(std::int32_t block) const;

  // The free queue from head (next to be reused) to tail.
  std::vector<std::int32_t> free_queue() const;
  // Checks every structural invariant (queue links, counts, hash map); for tests and debugging.
  Status check_invariants() const;

 private:
  void push_back(std::int32_t block);
  void push_front(std::int32_t block);
  void unlink(std::int32_t block);
  std::int32_t sentinel() const { return num_blocks(); }

  std::vector<std::int32_t> ref_;
  std::vector<std::optional<BlockHash>> hash_;
  std::vector<BlockKey> key_;  // meaningful where hash_ is set
  std::unordered_map<BlockHash, std::int32_t> by_hash_;
  // Intrusive doubly linked free queue over block ids; index num_blocks() is the sentinel.
  std::vector<std::int32_t> prev_;
  std::vector<std::int32_t> next_;
  std::vector<bool> in_queue_;
  std::int32_t num_free_ = 0;
};

}  // namespace plexus
