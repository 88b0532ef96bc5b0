#include "memory/block_hash.h"

#include <gtest/gtest.h>

#include <vector>

namespace plexus {
namespace {

BlockHash hash_of(const std::optional<BlockHash>& parent, std::string_view salt,
                  std::vector<std::int32_t> tokens) {
  auto h = sha256_block_hash(parent, salt, tokens);
  EXPECT_TRUE(h.ok()) << h.status().to_string();
  return h.ok() ? *h : BlockHash{};
}

TEST(BlockHashTest, DeterministicAndNonTrivial) {
  const BlockHash a = hash_of(std::nullopt, "", {1, 2, 3, 4});
  EXPECT_EQ(a, hash_of(std::nullopt, "", {1, 2, 3, 4}));
  EXPECT_NE(a, BlockHash{});
}

TEST(BlockHashTest, EveryInputChangesTheHash) {
  const BlockHash base = hash_of(std::nullopt, "", {1, 2, 3, 4});
  EXPECT_NE(base, hash_of(std::nullopt, "", {1, 2, 3, 5}));
  EXPECT_NE(base, hash_of(std::nullopt, "", {2, 1, 3, 4}));
  EXPECT_NE(base, hash_of(std::nullopt, "tenant-a", {1, 2, 3, 4}));
  EXPECT_NE(base, hash_of(BlockHash{}, "", {1, 2, 3, 4}));  // a zero parent is not "no parent"
  const BlockHash parent = hash_of(std::nullopt, "", {9, 9, 9, 9});
  EXPECT_NE(hash_of(parent, "", {1, 2, 3, 4}), base);
  EXPECT_NE(hash_of(parent, "", {1, 2, 3, 4}), hash_of(base, "", {1, 2, 3, 4}));
  EXPECT_NE(hash_of(std::nullopt, "a", {}), hash_of(std::nullopt, "b", {}));
}

TEST(BlockHashTest, ChainingMakesEqualBlocksWithDifferentPrefixesDiffer) {
  const BlockHash p1 = hash_of(std::nullopt, "", {1, 1});
  const BlockHash p2 = hash_of(std::nullopt, "", {2, 2});
  EXPECT_NE(hash_of(p1, "", {7, 7}), hash_of(p2, "", {7, 7}));
}

TEST(BlockHashTest, EncodingIsUnambiguous) {
  // Salt bytes that spell a token must not be confused with that token.
  const std::string salt_with_token("\x01\x00\x00\x00", 4);
  EXPECT_NE(hash_of(std::nullopt, salt_with_token, {}), hash_of(std::nullopt, "", {1}));
  EXPECT_NE(hash_of(std::nullopt, "", {-1}), hash_of(std::nullopt, "", {0x7fffffff}));
}

TEST(BlockHashTest, StdHashUsesTheDigest) {
  const BlockHash a = hash_of(std::nullopt, "", {1});
  const BlockHash b = hash_of(std::nullopt, "", {2});
  EXPECT_NE(std::hash<BlockHash>{}(a), std::hash<BlockHash>{}(b));
}

}  // namespace
}  // namespace plexus
