#include "memory/kv_cache_manager.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace plexus {
namespace {

using Ids = std::vector<std::int32_t>;

std::vector<std::int32_t> iota_tokens(std::int32_t n, std::int32_t start = 100) {
  std::vector<std::int32_t> t(n);
  std::iota(t.begin(), t.end(), start);
  return t;
}

KvCacheManager make(std::int32_t num_blocks, std::int32_t block_size, BlockHasher hasher = {},
                    bool prefix_caching = true) {
  auto kv = KvCacheManager::create({num_blocks, block_size, prefix_caching, std::move(hasher)});
  EXPECT_TRUE(kv.ok()) << kv.status().to_string();
  return std::move(kv).value();
}

// Runs a request's prompt through the cache as the engine would: find, allocate, compute.
PrefixMatch start(KvCacheManager& kv, RequestId id, const std::vector<std::int32_t>& tokens,
                  const std::string& salt = "") {
  auto match = kv.find_prefix(tokens, salt);
  EXPECT_TRUE(match.ok());
  auto got =
      kv.allocate_slots(id, static_cast<std::int64_t>(tokens.size()) - match->num_tokens, *match);
  EXPECT_TRUE(got.ok() && got->has_value()) << "no room for request " << id;
  EXPECT_TRUE(kv.cache_full_blocks(id, tokens).ok());
  return *match;
}

TEST(KvCacheManagerTest, CreateValidates) {
  auto options = [](std::int32_t num_blocks, std::int32_t block_size) {
    KvCacheOptions o;
    o.num_blocks = num_blocks;
    o.block_size = block_size;
    return o;
  };
  EXPECT_EQ(KvCacheManager::create(options(0, 16)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(KvCacheManager::create(options(4, 0)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(KvCacheManager::create(options(1, 1)).ok());
}

TEST(KvCacheManagerTest, AllocatesWholeBlocksAndMapsSlots) {
  KvCacheManager kv = make(8, 4);
  auto match = kv.find_prefix(iota_tokens(10), "");
  ASSERT_TRUE(match.ok());
  auto got = kv.allocate_slots(1, 10, *match);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, (Ids{0, 1, 2}));
  EXPECT_EQ(kv.block_table(1).size(), 3u);
  EXPECT_EQ(kv.num_free_blocks(), 5);
  EXPECT_EQ(kv.num_computed_tokens(1), 0);

  auto slots = kv.slots_for(1, 3, 3);
  ASSERT_TRUE(slots.ok());
  EXPECT_EQ(*slots, (std::vector<std::int64_t>{3, 4, 5}));
  EXPECT_EQ(kv.slots_for(1, 10, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(kv.slots_for(1, 9, 3).ok());  // the rest of the last block is allocated
  EXPECT_EQ(kv.slots_for(1, -1, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(kv.slots_for(2, 0, 1).status().code(), StatusCode::kInvalidArgument);
}

TEST(KvCacheManagerTest, SlotsFollowTheBlockTable) {
  KvCacheManager kv = make(8, 4);
  start(kv, 1, iota_tokens(4));               // takes block 0
  start(kv, 2, iota_tokens(4, 500));          // takes block 1
  ASSERT_TRUE(kv.allocate_slots(1, 1).ok());  // request 1 grows into block 2
  EXPECT_EQ(std::vector<std::int32_t>(kv.block_table(1).begin(), kv.block_table(1).end()),
            (Ids{0, 2}));
  auto slots = kv.slots_for(1, 3, 2);
  ASSERT_TRUE(slots.ok());
  EXPECT_EQ(*slots, (std::vector<std::int64_t>{3, 8}));
}

TEST(KvCacheManagerTest, DecodeGrowsOneBlockAtABoundary) {
  KvCacheManager kv = make(8, 4);
  auto tokens = iota_tokens(7);
  start(kv, 1, tokens);
  EXPECT_EQ(kv.block_table(1).size(), 2u);
  tokens.push_back(1);
  auto step = kv.allocate_slots(1, 1);  // position 7 fits in block 1
  ASSERT_TRUE(step.ok() && step->has_value());
  EXPECT_TRUE((*step)->empty());
  ASSERT_TRUE(kv.cache_full_blocks(1, tokens).ok());
  step = kv.allocate_slots(1, 1);  // position 8 needs a third block
  ASSERT_TRUE(step.ok() && step->has_value());
  EXPECT_EQ((*step)->size(), 1u);
  EXPECT_EQ(kv.block_table(1).size(), 3u);
}

TEST(KvCacheManagerTest, NoRoomIsAnAnswerAndChangesNothing) {
  KvCacheManager kv = make(4, 4);
  start(kv, 1, iota_tokens(12));
  const Ids queue = kv.pool().free_queue();
  auto match = kv.find_prefix(iota_tokens(8, 900), "");
  ASSERT_TRUE(match.ok());
  auto got = kv.allocate_slots(2, 8, *match);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_FALSE(kv.has_request(2));
  EXPECT_EQ(kv.pool().free_queue(), queue);
  auto grow = kv.allocate_slots(1, 5);
  ASSERT_TRUE(grow.ok());
  EXPECT_FALSE(grow->has_value());
  EXPECT_EQ(kv.block_table(1).size(), 3u);
  auto huge = kv.allocate_slots(1, std::int64_t{1} << 62);
  ASSERT_TRUE(huge.ok());
  EXPECT_FALSE(huge->has_value());
  EXPECT_EQ(kv.pool().free_queue(), queue);
}

TEST(KvCacheManagerTest, MisuseIsAnError) {
  KvCacheManager kv = make(4, 4);
  EXPECT_EQ(kv.allocate_slots(1, 1).status().code(), StatusCode::kInvalidArgument);
  start(kv, 1, iota_tokens(3));
  EXPECT_EQ(kv.allocate_slots(1, 1, PrefixMatch{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(kv.allocate_slots(1, -1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(kv.cache_full_blocks(1, iota_tokens(2)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(kv.cache_full_blocks(1, iota_tokens(5)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(kv.cache_full_blocks(9, iota_tokens(1)).code(), StatusCode::kInvalidArgument);
}

TEST(KvCacheManagerTest, SharedPrefixIsFoundInWholeBlocksAndShared) {
  KvCacheManager kv = make(16, 4);
  auto a = iota_tokens(10);
  start(kv, 1, a);  // blocks 0,1 full and cached; block 2 partial
  auto b = iota_tokens(10);
  b.resize(14, 7);
  b[9] = 5;  // differs from a at position 9, inside a's third (partial) block
  auto match = kv.find_prefix(b, "");
  ASSERT_TRUE(match.ok());
  EXPECT_EQ(match->num_tokens, 8);
  EXPECT_EQ(match->blocks, (Ids{0, 1}));
  auto got = kv.allocate_slots(2, 14 - 8, *match);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(kv.num_computed_tokens(2), 8);
  EXPECT_EQ(kv.block_table(2)[0], 0);
  EXPECT_EQ(kv.block_table(2)[1], 1);
  EXPECT_EQ(kv.block_table(2).size(), 4u);
  EXPECT_EQ(kv.pool().ref_count(0), 2);
  EXPECT_EQ(kv.pool().ref_count(1), 2);
  EXPECT_EQ(kv.prefix_cache_stats().queries, 2);
  EXPECT_EQ(kv.prefix_cache_stats().query_tokens, 24);
  EXPECT_EQ(kv.prefix_cache_stats().hit_tokens, 8);
}

TEST(KvCacheManagerTest, PartialBlocksAreNeverCached) {
  KvCacheManager kv = make(16, 4);
  start(kv, 1, iota_tokens(6));
  EXPECT_TRUE(kv.pool().block_hash(kv.block_table(1)[0]).has_value());
  EXPECT_FALSE(kv.pool().block_hash(kv.block_table(1)[1]).has_value());
  auto match = kv.find_prefix(iota_tokens(20), "");
  ASSERT_TRUE(match.ok());
  EXPECT_EQ(match->num_tokens, 4);
}

TEST(KvCacheManagerTest, TheLastTokenIsAlwaysComputed) {
  KvCacheManager kv = make(16, 4);
  start(kv, 1, iota_tokens(8));  // two full cached blocks
  auto same = kv.find_prefix(iota_tokens(8), "");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->num_tokens, 4);  // the second block holds the last token: recomputed
  auto longer = kv.find_prefix(iota_tokens(9), "");
  ASSERT_TRUE(longer.ok());
  EXPECT_EQ(longer->num_tokens, 8);
  EXPECT_EQ(kv.find_prefix({}, "")->num_tokens, 0);
}

TEST(KvCacheManagerTest, SaltsIsolateTenants) {
  KvCacheManager kv = make(16, 4);
  start(kv, 1, iota_tokens(9), "tenant-a");
  EXPECT_EQ(kv.find_prefix(iota_tokens(9), "tenant-b")->num_tokens, 0);
  EXPECT_EQ(kv.find_prefix(iota_tokens(9), "")->num_tokens, 0);
  EXPECT_EQ(kv.find_prefix(iota_tokens(9), "tenant-a")->num_tokens, 8);
  // Blocks computed after adoption are cached under the request's salt too.
  const PrefixMatch m = start(kv, 2, iota_tokens(13), "tenant-a");
  EXPECT_EQ(m.num_tokens, 8);
  EXPECT_EQ(kv.find_prefix(iota_tokens(13), "tenant-a")->num_tokens, 12);
  EXPECT_EQ(kv.find_prefix(iota_tokens(13), "tenant-b")->num_tokens, 0);
}

TEST(KvCacheManagerTest, FreedBlocksStayFindableUntilReused) {
  KvCacheManager kv = make(3, 4);
  const auto tokens = iota_tokens(12);
  start(kv, 1, tokens);
  ASSERT_TRUE(kv.free(1).ok());
  EXPECT_EQ(kv.num_free_blocks(), 3);
  EXPECT_EQ(kv.find_prefix(iota_tokens(13), "")->num_tokens, 12);
  // Pressure reuses one block: the request's last block goes first, its prefix survives.
  start(kv, 2, iota_tokens(3, 900));
  EXPECT_EQ(kv.find_prefix(iota_tokens(13), "")->num_tokens, 8);
  const PrefixMatch hit = start(kv, 3, iota_tokens(8));
  EXPECT_EQ(hit.num_tokens, 4);
  EXPECT_EQ(kv.num_free_blocks(), 0);
  ASSERT_TRUE(kv.free(2).ok());
  ASSERT_TRUE(kv.free(3).ok());
  EXPECT_EQ(kv.num_free_blocks(), 3);
}

TEST(KvCacheManagerTest, AdoptingFreeCachedBlocksCountsAgainstRoom) {
  KvCacheManager kv = make(4, 4);
  start(kv, 9, iota_tokens(4, 900));  // holds one block throughout
  start(kv, 1, iota_tokens(8));
  ASSERT_TRUE(kv.free(1).ok());
  ASSERT_EQ(kv.num_free_blocks(), 3);
  auto match = kv.find_prefix(iota_tokens(13), "");
  ASSERT_TRUE(match.ok());
  ASSERT_EQ(match->num_tokens, 8);
  // 2 adopted (free) + 2 new blocks > 3 free: no room, and the cached blocks stay free.
  auto got = kv.allocate_slots(2, 8, *match);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_EQ(kv.num_free_blocks(), 3);
  EXPECT_EQ(kv.pool().ref_count(match->blocks[0]), 0);
  got = kv.allocate_slots(2, 4, *match);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(kv.num_free_blocks(), 0);
}

TEST(KvCacheManagerTest, StaleMatchIsRefused) {
  KvCacheManager kv = make(2, 4);
  start(kv, 1, iota_tokens(8));
  ASSERT_TRUE(kv.free(1).ok());
  auto match = kv.find_prefix(iota_tokens(9), "");
  ASSERT_TRUE(match.ok());
  ASSERT_EQ(match->num_tokens, 8);
  start(kv, 2, iota_tokens(8, 700));  // reuses both blocks
  EXPECT_EQ(kv.allocate_slots(3, 1, *match).status().code(), StatusCode::kInvalidArgument);
}

TEST(KvCacheManagerTest, CollisionGuardRejectsAForgedHash) {
  // Every block hashes the same: only the stored token ids can tell them apart.
  BlockHasher constant = [](const std::optional<BlockHash>&, std::string_view,
                            std::span<const std::int32_t>) -> Result<BlockHash> {
    BlockHash h;
    h.bytes.fill(0x5A);
    return h;
  };
  KvCacheManager kv = make(16, 4, constant);
  start(kv, 1, iota_tokens(9));
  EXPECT_EQ(kv.pool().num_cached(), 1);  // the second block's hash "collides" with the first's
  EXPECT_EQ(kv.find_prefix(iota_tokens(9, 500), "")->num_tokens, 0);
  EXPECT_EQ(kv.find_prefix(iota_tokens(9), "other-salt")->num_tokens, 0);
  // Tokens 104..107 are the uncached second block's; the block under that hash holds 100..103.
  EXPECT_EQ(kv.find_prefix(iota_tokens(9, 104), "")->num_tokens, 0);
  // The genuine first block hits; the second lookup lands on the first block again, whose
  // stored parent (none) differs from the one asked for.
  EXPECT_EQ(kv.find_prefix(iota_tokens(9), "")->num_tokens, 4);
}

TEST(KvCacheManagerTest, HasherErrorsPropagate) {
  BlockHasher failing = [](const std::optional<BlockHash>&, std::string_view,
                           std::span<const std::int32_t>) -> Result<BlockHash> {
    return Status::internal("hash failed");
  };
  KvCacheManager kv = make(16, 4, failing);
  EXPECT_EQ(kv.find_prefix(iota_tokens(9), "").status().code(), StatusCode::kInternal);
}

TEST(KvCacheManagerTest, PrefixCachingCanBeDisabled) {
  KvCacheManager kv = make(16, 4, {}, /*prefix_caching=*/false);
  start(kv, 1, iota_tokens(9));
  EXPECT_EQ(kv.pool().num_cached(), 0);
  EXPECT_EQ(kv.find_prefix(iota_tokens(9), "")->num_tokens, 0);
}

TEST(KvCacheManagerTest, FreeOfUnknownRequestIsANoOp) {
  KvCacheManager kv = make(4, 4);
  start(kv, 1, iota_tokens(5));
  EXPECT_TRUE(kv.free(1).ok());
  EXPECT_TRUE(kv.free(1).ok());
  EXPECT_TRUE(kv.free(42).ok());
  EXPECT_EQ(kv.num_free_blocks(), 4);
  EXPECT_TRUE(kv.pool().check_invariants().ok());
}

TEST(KvCacheManagerTest, CanEverFit) {
  KvCacheManager kv = make(4, 4);
  EXPECT_TRUE(kv.can_ever_fit(0));
  EXPECT_TRUE(kv.can_ever_fit(16));
  EXPECT_FALSE(kv.can_ever_fit(17));
  EXPECT_FALSE(kv.can_ever_fit(-1));
}

}  // namespace
}  // namespace plexus
