// KvCacheManager: the scheduler's only interface to KV cache memory. It maps requests to blocks
// of a BlockPool and caches full blocks by content so that requests sharing a prompt prefix share
// its blocks.
//
// Contract:
// - Bookkeeping only: the memory itself is a KvCacheStorage with the same num_blocks and
//   block_size; the manager hands out block ids and slots into it.
// - A request's life: find_prefix (the cached blocks it can reuse) -> allocate_slots with that
//   match (room for the tokens of this step) -> the model writes K/V at slots_for(...) ->
//   cache_full_blocks (marks them computed; full blocks become findable) -> allocate_slots for the
//   next step ... -> free (finished, aborted or preempted).
// - "No room" is a normal answer: allocate_slots then returns nullopt and changes nothing, and
//   the scheduler decides whom to preempt. Errors are for misuse (unknown request, stale match).
// - Prefix caching: block hashes chain SHA-256 over (parent hash, salt, token ids) (see
//   block_hash.h). A hit is confirmed by comparing the stored inputs, so a hash collision can
//   only cause a miss. Requests with different salts never share blocks. Only full blocks whose
//   tokens have been computed are ever cached; a partial last block never is.
// Thread safety: none; the engine thread owns the manager.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "memory/block_hash.h"
#include "memory/block_pool.h"
#include "plexus/status.h"

namespace plexus {

using RequestId = std::int64_t;

struct KvCacheOptions {
  std::int32_t num_blocks = 0;
  std::int32_t block_size = 16;
  bool enable_prefix_caching = true;
  BlockHasher hasher;  // empty: sha256_block_hash; tests inject weak ones
};

// The cached blocks that cover a prompt's longest cached prefix, from find_prefix.
struct PrefixMatch {
  std::vector<std::int32_t> blocks;  // in order; full blocks only
  std::vector<BlockHash> hashes;     // blocks[i]'s hash
  std::string salt;                  // the request's cache salt; its future blocks use it too
  std::int64_t num_tokens = 0;       // blocks.size() * block_size
};

struct PrefixCacheStats {
  std::int64_t queries = 0;       // find_prefix calls (a request retried later counts again)
  std::int64_t query_tokens = 0;  // prompt tokens looked up
  std::int64_t hit_tokens = 0;    // of which found in the cache
};

class KvCacheManager {
 public:
  // InvalidArgument when num_blocks < 1 or block_size < 1.
  static Result<KvCacheManager> create(KvCacheOptions options);

  std::int32_t block_size() const { return block_size_; }
  std::int32_t num_blocks() const { return pool_.num_blocks(); }
  std::int32_t num_free_blocks() const { return pool_.num_free(); }
  double usage() const { return pool_.usage(); }
  // Whether a request of `total_tokens` (prompt + max new tokens) could run with the pool to
  // itself; a request that never can is refused at admission instead of waiting forever.
  bool can_ever_fit(std::int64_t total_tokens) const;

  // The longest run of cached full blocks matching `tokens` from the start, under `salt`. At
  // least one token is always left uncached so that the step computes the last token's logits.
  // Changes nothing but the statistics.
  Result<PrefixMatch> find_prefix(std::span<const std::int32_t> tokens, std::string_view salt);

  // A new request: adopts `prefix` (find_prefix's answer in this same step, possibly empty; it
  // also carries the salt) as computed, then makes room for `num_new_tokens` more tokens.
  // Returns the newly allocated blocks (possibly none), or nullopt when the pool has no room
  // (nothing changes then). InvalidArgument for a known id or a stale match.
  Result<std::optional<std::vector<std::int32_t>>> allocate_slots(RequestId id,
                                                                  std::int64_t num_new_tokens,
                                                                  const PrefixMatch& prefix);
  // A running request: makes room for `num_new_tokens` tokens past its computed ones.
  // InvalidArgument for an unknown id.
  Result<std::optional<std::vector<std::int32_t>>> allocate_slots(RequestId id,
                                                                  std::int64_t num_new_tokens);

  // Records that the K/V of `computed_tokens` (the request's tokens from position 0) are in the
  // cache, and registers the hashes of its newly completed full blocks. REQUIRES: the same
  // tokens as earlier calls for the positions they covered. InvalidArgument when fewer tokens
  // than before or more than allocated.
  Status cache_full_blocks(RequestId id, std::span<const std::int32_t> computed_tokens);

  // Releases the request's blocks (last block first in the eviction order); cached ones stay
  // findable until reused. An unknown id (e.g. aborted while waiting) is a no-op.
  Status free(RequestId id);

  bool has_request(RequestId id) const { return requests_.contains(id); }
  // The request's blocks in position order; empty for an unknown id.
  std::span<const std::int32_t> block_table(RequestId id) const;
  std::int64_t num_computed_tokens(RequestId id) const;
  // Cache slots of positions [first_position, first_position + count) of the request:
  // block_table[p / block_size] * block_size + p % block_size. InvalidArgument beyond its blocks.
  Result<std::vector<std::int64_t>> slots_for(RequestId id, std::int64_t first_position,
                                              std::int64_t count) const;

  const PrefixCacheStats& prefix_cache_stats() const { return stats_; }
  const BlockPool& pool() const { return pool_; }

 private:
  struct RequestBlocks {
    std::vector<std::int32_t> blocks;
    std::vector<BlockHash> hashes;  // of the first hashes.size() blocks (all full and computed)
    std::string salt;
    std::int64_t num_computed = 0;
  };

  KvCacheManager(KvCacheOptions options);
  Result<BlockHash> hash_block(const std::optional<BlockHash>& parent, std::string_view salt,
                               std::span<const std::int32_t> tokens) const;
  // Allocates what `blocks_held + adopted` lacks for `total_tokens`; nullopt when no room.
  std::optional<std::vector<std::int32_t>> grow(std::size_t blocks_held,
                                                std::span<const std::int32_t> adopted,
                                                std::int64_t total_tokens);

  std::int32_t block_size_;
  bool enable_prefix_caching_;
  BlockHasher hasher_;
  BlockPool pool_;
  std::unordered_map<RequestId, RequestBlocks> requests_;
  PrefixCacheStats stats_;
};

}  // namespace plexus
