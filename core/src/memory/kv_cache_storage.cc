#include "memory/kv_cache_storage.h"

#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "memory/kv_sizing.h"

namespace plexus {

KvCacheStorage::KvCacheStorage(Buffer buffer, KvLayout layout, std::int64_t num_slots,
                               std::int32_t block_size)
    : buffer_(std::move(buffer)), layout_(layout), num_slots_(num_slots), block_size_(block_size) {}

Result<KvCacheStorage> KvCacheStorage::allocate(const KvLayout& layout, std::int32_t num_blocks,
                                                std::int32_t block_size, Allocator& allocator) {
  if (num_blocks < 1 || block_size < 1) {
    return Status::invalid_argument("a KV cache needs num_blocks >= 1 and block_size >= 1, got " +
                                    std::to_string(num_blocks) + " and " +
                                    std::to_string(block_size));
  }
  PLEXUS_ASSIGN_OR_RETURN(const std::int64_t per_token, bytes_per_token(layout));
  const std::int64_t num_slots = static_cast<std::int64_t>(num_blocks) * block_size;
  if (per_token > std::numeric_limits<std::int64_t>::max() / num_slots) {
    return Status::invalid_argument("a KV cache of " + std::to_string(num_slots) +
                                    " token slots is too large to address; lower num_blocks");
  }
  const auto bytes = static_cast<std::size_t>(per_token * num_slots);
  auto buffer = Buffer::allocate(allocator, bytes);
  if (!buffer.ok()) {
    return buffer.status().with_context("allocating a KV cache of " + std::to_string(bytes) +
                                        " bytes (lower the KV cache memory budget)");
  }
  if (buffer->device().is_cpu()) std::memset(buffer->data(), 0, bytes);
  return KvCacheStorage(std::move(buffer).value(), layout, num_slots, block_size);
}

KvCacheView KvCacheStorage::view() const {
  return KvCacheView{static_cast<float*>(buffer_.data()), num_slots_, block_size_};
}

}  // namespace plexus
