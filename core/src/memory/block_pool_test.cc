#include "memory/block_pool.h"

#include <gtest/gtest.h>

#include <vector>

namespace plexus {
namespace {

using Ids = std::vector<std::int32_t>;

BlockHash fake_hash(std::uint8_t tag) {
  BlockHash h;
  h.bytes[0] = tag;
  h.bytes[31] = 0xAB;
  return h;
}

BlockKey fake_key(std::int32_t token) { return BlockKey{std::nullopt, "", {token}}; }

TEST(BlockPoolTest, StartsAllFreeInIdOrder) {
  BlockPool pool(4);
  EXPECT_EQ(pool.num_blocks(), 4);
  EXPECT_EQ(pool.num_free(), 4);
  EXPECT_EQ(pool.num_used(), 0);
  EXPECT_DOUBLE_EQ(pool.usage(), 0.0);
  EXPECT_EQ(pool.free_queue(), (Ids{0, 1, 2, 3}));
  EXPECT_TRUE(pool.check_invariants().ok());
}

TEST(BlockPoolTest, AllocateIsAllOrNothing) {
  BlockPool pool(4);
  EXPECT_FALSE(pool.allocate(5).has_value());
  EXPECT_FALSE(pool.allocate(-1).has_value());
  EXPECT_EQ(pool.num_free(), 4);
  auto got = pool.allocate(3);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, (Ids{0, 1, 2}));
  for (std::int32_t b : *got) EXPECT_EQ(pool.ref_count(b), 1);
  EXPECT_EQ(pool.num_free(), 1);
  EXPECT_DOUBLE_EQ(pool.usage(), 0.75);
  EXPECT_FALSE(pool.allocate(2).has_value());
  EXPECT_EQ(pool.free_queue(), (Ids{3}));
  auto none = pool.allocate(0);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(pool.check_invariants().ok());
}

TEST(BlockPoolTest, FreeCountsReferences) {
  BlockPool pool(3);
  auto got = pool.allocate(2);
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(pool.touch(Ids{0}).ok());  // a second holder
  EXPECT_EQ(pool.ref_count(0), 2);
  ASSERT_TRUE(pool.free(Ids{0}).ok());
  EXPECT_EQ(pool.ref_count(0), 1);
  EXPECT_EQ(pool.num_free(), 1);
  ASSERT_TRUE(pool.free(Ids{0, 1}).ok());
  EXPECT_EQ(pool.num_free(), 3);
  EXPECT_TRUE(pool.check_invariants().ok());
}

TEST(BlockPoolTest, DoubleFreeIsRefusedAndChangesNothing) {
  BlockPool pool(3);
  ASSERT_TRUE(pool.allocate(2).has_value());
  const Ids queue = pool.free_queue();
  Status s = pool.free(Ids{1, 0, 1});  // block 1 is held once, freed twice
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("double free"), std::string::npos);
  EXPECT_EQ(pool.ref_count(0), 1);
  EXPECT_EQ(pool.ref_count(1), 1);
  EXPECT_EQ(pool.free_queue(), queue);
  EXPECT_EQ(pool.free(Ids{2}).code(), StatusCode::kInternal);  // never allocated
  EXPECT_EQ(pool.free(Ids{7}).code(), StatusCode::kInternal);
  EXPECT_EQ(pool.touch(Ids{-1}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(pool.check_invariants().ok());
}

TEST(BlockPoolTest, HashedBlocksGoToTheTailUnhashedToTheHead) {
  BlockPool pool(4);
  auto got = pool.allocate(3);  // 0 1 2; queue: 3
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(pool.cache_block(0, fake_hash(1), fake_key(1)));
  ASSERT_TRUE(pool.cache_block(1, fake_hash(2), fake_key(2)));
  // A request's blocks freed last first: 2 (no hash), 1, 0.
  ASSERT_TRUE(pool.free(Ids{2, 1, 0}).ok());
  EXPECT_EQ(pool.free_queue(), (Ids{2, 3, 1, 0}));
  EXPECT_TRUE(pool.check_invariants().ok());
}

TEST(BlockPoolTest, FreedBlocksKeepTheirHashUntilReused) {
  BlockPool pool(2);
  auto got = pool.allocate(2);
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(pool.cache_block(0, fake_hash(1), fake_key(10)));
  ASSERT_TRUE(pool.cache_block(1, fake_hash(2), fake_key(20)));
  ASSERT_TRUE(pool.free(Ids{1, 0}).ok());
  EXPECT_EQ(pool.cached_block(fake_hash(1)), 0);
  EXPECT_EQ(pool.cached_block(fake_hash(2)), 1);
  ASSERT_NE(pool.cached_key(0), nullptr);
  EXPECT_EQ(pool.cached_key(0)->tokens, (Ids{10}));
  EXPECT_EQ(pool.num_cached(), 2);

  auto reused = pool.allocate(1);  // the head: block 1, freed first
  ASSERT_TRUE(reused.has_value());
  EXPECT_EQ(*reused, (Ids{1}));
  EXPECT_FALSE(pool.cached_block(fake_hash(2)).has_value());
  EXPECT_FALSE(pool.block_hash(1).has_value());
  EXPECT_EQ(pool.cached_key(1), nullptr);
  EXPECT_EQ(pool.cached_block(fake_hash(1)), 0);
  EXPECT_EQ(pool.num_cached(), 1);
  EXPECT_TRUE(pool.check_invariants().ok());
}

TEST(BlockPoolTest, TouchTakesAFreeBlockOutOfTheMiddleOfTheQueue) {
  BlockPool pool(5);
  auto got = pool.allocate(5);
  ASSERT_TRUE(got.has_value());
  for (std::int32_t b = 0; b < 5; ++b) {
    ASSERT_TRUE(pool.cache_block(b, fake_hash(static_cast<std::uint8_t>(b)), fake_key(b)));
  }
  ASSERT_TRUE(pool.free(Ids{0, 1, 2, 3, 4}).ok());
  ASSERT_TRUE(pool.touch(Ids{2}).ok());
  EXPECT_EQ(pool.ref_count(2), 1);
  EXPECT_EQ(pool.free_queue(), (Ids{0, 1, 3, 4}));
  EXPECT_EQ(pool.cached_block(fake_hash(2)), 2);  // a touched block stays cached
  ASSERT_TRUE(pool.touch(Ids{0, 4}).ok());
  EXPECT_EQ(pool.free_queue(), (Ids{1, 3}));
  // Freed again it becomes the most recently used.
  ASSERT_TRUE(pool.free(Ids{2}).ok());
  EXPECT_EQ(pool.free_queue(), (Ids{1, 3, 2}));
  EXPECT_TRUE(pool.check_invariants().ok());
}

TEST(BlockPoolTest, LeastRecentlyFreedIsReusedFirst) {
  BlockPool pool(3);
  auto got = pool.allocate(3);
  ASSERT_TRUE(got.has_value());
  for (std::int32_t b = 0; b < 3; ++b) {
    ASSERT_TRUE(pool.cache_block(b, fake_hash(static_cast<std::uint8_t>(b)), fake_key(b)));
  }
  ASSERT_TRUE(pool.free(Ids{1}).ok());
  ASSERT_TRUE(pool.free(Ids{2}).ok());
  ASSERT_TRUE(pool.free(Ids{0}).ok());
  auto a = pool.allocate(2);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(*a, (Ids{1, 2}));
  EXPECT_EQ(pool.cached_block(fake_hash(0)), 0);
  EXPECT_TRUE(pool.check_invariants().ok());
}

TEST(BlockPoolTest, CacheBlockRefusesDuplicatesAndFreeBlocks) {
  BlockPool pool(3);
  auto got = pool.allocate(2);
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(pool.cache_block(0, fake_hash(1), fake_key(1)));
  EXPECT_FALSE(pool.cache_block(0, fake_hash(2), fake_key(2)));  // already hashed
  EXPECT_FALSE(pool.cache_block(1, fake_hash(1), fake_key(1)));  // content held by block 0
  EXPECT_FALSE(pool.block_hash(1).has_value());
  EXPECT_FALSE(pool.cache_block(2, fake_hash(3), fake_key(3)));  // free block
  EXPECT_FALSE(pool.cache_block(9, fake_hash(4), fake_key(4)));  // out of range
  EXPECT_EQ(pool.num_cached(), 1);
  EXPECT_TRUE(pool.check_invariants().ok());
}

}  // namespace
}  // namespace plexus
