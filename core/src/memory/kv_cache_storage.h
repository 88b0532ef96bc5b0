// KvCacheStorage: the memory of the paged KV cache, one contiguous f32 buffer laid out as
// plexus/model.h's KvCacheView describes: layer l, slot s (block * block_size + offset) holds
// values_per_token floats at data + (l * num_slots + s) * values_per_token.
//
// Contract: owns the buffer (move-only); views stay valid while it lives. Zero-filled at
// allocation on the CPU, so a slot read before it is written holds no NaN. The block ids and slots
// come from a KvCacheManager built with the same num_blocks and block_size. Thread safety: the
// engine thread owns it; the model writes through views during forward.
#pragma once

#include <cstdint>

#include "plexus/model.h"
#include "plexus/status.h"
#include "plexus/tensor.h"

namespace plexus {

class KvCacheStorage {
 public:
  // InvalidArgument for a bad layout or sizes; ResourceExhausted when the allocator says no.
  static Result<KvCacheStorage> allocate(const KvLayout& layout, std::int32_t num_blocks,
                                         std::int32_t block_size,
                                         Allocator& allocator = cpu_allocator());

  KvCacheView view() const;
  const KvLayout& layout() const { return layout_; }
  std::size_t bytes() const { return buffer_.size(); }

 private:
  KvCacheStorage(Buffer buffer, KvLayout layout, std::int64_t num_slots, std::int32_t block_size);

  Buffer buffer_;
  KvLayout layout_;
  std::int64_t num_slots_ = 0;
  std::int32_t block_size_ = 0;
};

}  // namespace plexus
