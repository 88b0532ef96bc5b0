#include "memory/kv_cache_manager.h"

#include <algorithm>
#include <string>
#include <utility>

namespace plexus {
namespace {

std::string request_name(RequestId id) { return "request " + std::to_string(id); }

}  // namespace

Result<KvCacheManager> KvCacheManager::create(KvCacheOptions options) {
  if (options.num_blocks < 1) {
    return Status::invalid_argument("the KV cache needs at least one block, got num_blocks = " +
                                    std::to_string(options.num_blocks) +
                                    "; raise the KV cache memory budget");
  }
  if (options.block_size < 1) {
    return Status::invalid_argument("KV block_size must be at least 1, got " +
                                    std::to_string(options.block_size));
  }
  return KvCacheManager(std::move(options));
}

KvCacheManager::KvCacheManager(KvCacheOptions options)
    : block_size_(options.block_size),
      enable_prefix_caching_(options.enable_prefix_caching),
      hasher_(std::move(options.hasher)),
      pool_(options.num_blocks) {}

bool KvCacheManager::can_ever_fit(std::int64_t total_tokens) const {
  if (total_tokens < 0) return false;
  return (total_tokens + block_size_ - 1) / block_size_ <= pool_.num_blocks();
}

Result<BlockHash> KvCacheManager::hash_block(const std::optional<BlockHash>& parent,
                                             std::string_view salt,
                                             std::span<const std::int32_t> tokens) const {
  return hasher_ ? hasher_(parent, salt, tokens) : sha256_block_hash(parent, salt, tokens);
}

Result<PrefixMatch> KvCacheManager::find_prefix(std::span<const std::int32_t> tokens,
                                                std::string_view salt) {
  PrefixMatch match;
  match.salt = std::string(salt);
  ++stats_.queries;
  stats_.query_tokens += static_cast<std::int64_t>(tokens.size());
  if (!enable_prefix_caching_ || tokens.empty()) return match;

  // The last token is never taken from the cache: its logits are what the step is for.
  const std::size_t max_blocks = (tokens.size() - 1) / block_size_;
  std::optional<BlockHash> parent;
  for (std::size_t i = 0; i < max_blocks; ++i) {
    const auto block_tokens = tokens.subspan(i * block_size_, block_size_);
    PLEXUS_ASSIGN_OR_RETURN(BlockHash hash, hash_block(parent, salt, block_tokens));
    const std::optional<std::int32_t> block = pool_.cached_block(hash);
    if (!block) break;
    // Collision guard: the hit must have been computed from exactly these inputs.
    const BlockKey* key = pool_.cached_key(*block);
    if (key == nullptr || key->parent != parent || key->salt != salt ||
        !std::ranges::equal(key->tokens, block_tokens)) {
      break;
    }
    match.blocks.push_back(*block);
    match.hashes.push_back(hash);
    parent = hash;
  }
  match.num_tokens = static_cast<std::int64_t>(match.blocks.size()) * block_size_;
  stats_.hit_tokens += match.num_tokens;
  return match;
}

std::optional<std::vector<std::int32_t>> KvCacheManager::grow(std::size_t blocks_held,
                                                              std::span<const std::int32_t> adopted,
                                                              std::int64_t total_tokens) {
  const std::int64_t required = (total_tokens + block_size_ - 1) / block_size_;
  const std::int64_t have = static_cast<std::int64_t>(blocks_held + adopted.size());
  const std::int64_t missing = std::max<std::int64_t>(0, required - have);
  // Adopting a free cached block takes it out of the free queue, so it costs a free block too.
  const auto adopted_free =
      std::ranges::count_if(adopted, [&](std::int32_t b) { return pool_.ref_count(b) == 0; });
  if (missing + adopted_free > pool_.num_free()) return std::nullopt;
  (void)pool_.touch(adopted);  // ids were checked by the caller
  return pool_.allocate(static_cast<std::int32_t>(missing));
}

Result<std::optional<std::vector<std::int32_t>>> KvCacheManager::allocate_slots(
    RequestId id, std::int64_t num_new_tokens, const PrefixMatch& prefix) {
  if (requests_.contains(id)) {
    return Status::invalid_argument(request_name(id) +
                                    " already has KV blocks; call allocate_slots without a "
                                    "prefix match for a running request");
  }
  if (num_new_tokens < 0) {
    return Status::invalid_argument("allocate_slots: negative num_new_tokens for " +
                                    request_name(id));
  }
  // The match must still describe the pool: no allocation may have reused its blocks since.
  if (prefix.hashes.size() != prefix.blocks.size() ||
      prefix.num_tokens != static_cast<std::int64_t>(prefix.blocks.size()) * block_size_) {
    return Status::invalid_argument("allocate_slots: malformed prefix match for " +
                                    request_name(id));
  }
  for (std::size_t i = 0; i < prefix.blocks.size(); ++i) {
    const std::int32_t b = prefix.blocks[i];
    if (b < 0 || b >= pool_.num_blocks() || pool_.block_hash(b) != prefix.hashes[i]) {
      return Status::invalid_argument(
          "allocate_slots: the prefix match for " + request_name(id) +
          " is stale; call find_prefix and allocate_slots in the same step");
    }
  }
  const std::int64_t capacity = static_cast<std::int64_t>(pool_.num_blocks()) * block_size_;
  if (num_new_tokens > capacity - prefix.num_tokens)
    return std::optional<std::vector<std::int32_t>>();

  auto fresh = grow(0, prefix.blocks, prefix.num_tokens + num_new_tokens);
  if (!fresh) return fresh;
  RequestBlocks& r = requests_[id];
  r.blocks = prefix.blocks;
  r.blocks.insert(r.blocks.end(), fresh->begin(), fresh->end());
  r.hashes = prefix.hashes;
  r.salt = prefix.salt;
  r.num_computed = prefix.num_tokens;
  return fresh;
}

Result<std::optional<std::vector<std::int32_t>>> KvCacheManager::allocate_slots(
    RequestId id, std::int64_t num_new_tokens) {
  auto it = requests_.find(id);
  if (it == requests_.end()) {
    return Status::invalid_argument(request_name(id) +
                                    " has no KV blocks; start it with find_prefix's match");
  }
  if (num_new_tokens < 0) {
    return Status::invalid_argument("allocate_slots: negative num_new_tokens for " +
                                    request_name(id));
  }
  RequestBlocks& r = it->second;
  const std::int64_t capacity = static_cast<std::int64_t>(pool_.num_blocks()) * block_size_;
  if (num_new_tokens > capacity - r.num_computed) return std::optional<std::vector<std::int32_t>>();
  auto fresh = grow(r.blocks.size(), {}, r.num_computed + num_new_tokens);
  if (fresh) r.blocks.insert(r.blocks.end(), fresh->begin(), fresh->end());
  return fresh;
}

Status KvCacheManager::cache_full_blocks(RequestId id,
                                         std::span<const std::int32_t> computed_tokens) {
  auto it = requests_.find(id);
  if (it == requests_.end()) {
    return Status::invalid_argument("cache_full_blocks: unknown " + request_name(id));
  }
  RequestBlocks& r = it->second;
  const auto n = static_cast<std::int64_t>(computed_tokens.size());
  if (n < r.num_computed) {
    return Status::invalid_argument("cache_full_blocks: " + request_name(id) + " had " +
                                    std::to_string(r.num_computed) + " computed tokens, now " +
                                    std::to_string(n));
  }
  if (n > static_cast<std::int64_t>(r.blocks.size()) * block_size_) {
    return Status::invalid_argument("cache_full_blocks: " + request_name(id) + " computed " +
                                    std::to_string(n) + " tokens but holds room for " +
                                    std::to_string(r.blocks.size() * block_size_));
  }
  if (enable_prefix_caching_) {
    const std::size_t full = static_cast<std::size_t>(n / block_size_);
    for (std::size_t i = r.hashes.size(); i < full; ++i) {
      std::optional<BlockHash> parent;
      if (i > 0) parent = r.hashes[i - 1];
      const auto block_tokens = computed_tokens.subspan(i * block_size_, block_size_);
      PLEXUS_ASSIGN_OR_RETURN(BlockHash hash, hash_block(parent, r.salt, block_tokens));
      r.hashes.push_back(hash);
      // False when another block already holds this content (computed concurrently by another
      // request): this one then stays private and is reused first once freed.
      pool_.cache_block(r.blocks[i], hash,
                        BlockKey{parent, r.salt, {block_tokens.begin(), block_tokens.end()}});
    }
  }
  r.num_computed = n;
  return Status();
}

Status KvCacheManager::free(RequestId id) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return Status();
  std::vector<std::int32_t> reversed(it->second.blocks.rbegin(), it->second.blocks.rend());
  PLEXUS_RETURN_IF_ERROR(pool_.free(reversed).with_context("freeing " + request_name(id)));
  requests_.erase(it);
  return Status();
}

std::span<const std::int32_t> KvCacheManager::block_table(RequestId id) const {
  auto it = requests_.find(id);
  if (it == requests_.end()) return {};
  return it->second.blocks;
}

std::int64_t KvCacheManager::num_computed_tokens(RequestId id) const {
  auto it = requests_.find(id);
  return it == requests_.end() ? 0 : it->second.num_computed;
}

Result<std::vector<std::int64_t>> KvCacheManager::slots_for(RequestId id,
                                                            std::int64_t first_position,
                                                            std::int64_t count) const {
  const std::span<const std::int32_t> table = block_table(id);
  const std::int64_t room = static_cast<std::int64_t>(table.size()) * block_size_;
  if (first_position < 0 || count < 0 || first_position > room || count > room - first_position) {
    return Status::invalid_argument("slots_for: positions [" + std::to_string(first_position) +
                                    ", +" + std::to_string(count) + ") of " + request_name(id) +
                                    " are outside its " + std::to_string(room) +
                                    " allocated slots");
  }
  std::vector<std::int64_t> slots;
  slots.reserve(count);
  for (std::int64_t p = first_position; p < first_position + count; ++p) {
    slots.push_back(static_cast<std::int64_t>(table[p / block_size_]) * block_size_ +
                    p % block_size_);
  }
  return slots;
}

}  // namespace plexus
