#include "memory/kv_sizing.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "memory/kv_cache_storage.h"

namespace plexus {
namespace {

TEST(KvSizingTest, BytesPerTokenCountsEveryLayerInF32) {
  // 30 layers, K and V of 3 heads x 64: SmolLM2-135M's shape.
  auto bytes = bytes_per_token(KvLayout{30, 2 * 3 * 64});
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, 30 * 384 * 4);
  EXPECT_EQ(bytes_per_token(KvLayout{0, 8}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bytes_per_token(KvLayout{2, 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bytes_per_token(KvLayout{std::int64_t{1} << 40, std::int64_t{1} << 40}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(KvSizingTest, BlocksForBudgetRoundsDown) {
  const KvLayout layout{2, 8};  // 64 bytes per token; 16-token blocks are 1024 bytes
  auto blocks = blocks_for_budget(10 * 1024 + 1023, layout, 16);
  ASSERT_TRUE(blocks.ok());
  EXPECT_EQ(*blocks, 10);
  auto capped = blocks_for_budget(std::numeric_limits<std::int64_t>::max(), layout, 16);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(*capped, std::numeric_limits<std::int32_t>::max());
}

TEST(KvSizingTest, TooSmallABudgetSaysWhatToChange) {
  auto blocks = blocks_for_budget(1023, KvLayout{2, 8}, 16);
  EXPECT_EQ(blocks.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(blocks.status().message().find("1024 bytes"), std::string::npos);
  EXPECT_NE(blocks.status().message().find("raise"), std::string::npos);
  EXPECT_EQ(blocks_for_budget(-5, KvLayout{2, 8}, 16).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(blocks_for_budget(1 << 20, KvLayout{2, 8}, 0).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(KvCacheStorageTest, OneZeroedBufferInTheModelsLayout) {
  const KvLayout layout{3, 5};
  auto storage = KvCacheStorage::allocate(layout, 4, 2);
  ASSERT_TRUE(storage.ok()) << storage.status().to_string();
  const KvCacheView view = storage->view();
  EXPECT_EQ(view.num_slots, 8);
  EXPECT_EQ(view.block_size, 2);
  EXPECT_EQ(storage->bytes(), 3u * 8u * 5u * sizeof(float));
  ASSERT_NE(view.data, nullptr);
  for (std::size_t i = 0; i < 3 * 8 * 5; ++i) ASSERT_EQ(view.data[i], 0.0f) << i;
  // Layer l, slot s starts at (l * num_slots + s) * values_per_token; the last one ends the buffer.
  float* last = view.data + (2 * view.num_slots + 7) * layout.values_per_token;
  EXPECT_EQ(reinterpret_cast<char*>(last + layout.values_per_token),
            reinterpret_cast<char*>(view.data) + storage->bytes());
}

TEST(KvCacheStorageTest, RejectsBadSizes) {
  EXPECT_EQ(KvCacheStorage::allocate(KvLayout{1, 1}, 0, 16).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(KvCacheStorage::allocate(KvLayout{1, 1}, 4, 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(KvCacheStorage::allocate(KvLayout{0, 1}, 4, 16).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace plexus
