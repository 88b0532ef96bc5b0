// Randomized operations against the KV cache manager, the way a scheduler drives it: requests
// arrive with random lengths sharing random prefixes (some salted), prefill, decode one token at
// a time, finish, get aborted or preempted when the pool runs out. A fake model "writes" a
// value into each computed slot that depends on the salt and the whole prefix, as real K/V do,
// so a wrong prefix-cache hit or a block shared while still being written shows up as a wrong
// value. Invariants are checked after every operation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "memory/kv_cache_manager.h"

namespace plexus {
namespace {

constexpr std::int32_t kNumBlocks = 48;
constexpr std::int32_t kBlockSize = 4;
constexpr int kSteps = 6000;

struct FakeRequest {
  std::vector<std::int32_t> tokens;  // all computed
  std::string salt;
  std::size_t max_len = 0;
};

// What the pool and manager look like from outside; equal snapshots mean nothing changed.
struct Snapshot {
  std::vector<std::int32_t> free_queue;
  std::vector<std::int32_t> refs;
  std::vector<std::optional<BlockHash>> hashes;
  std::map<RequestId, std::vector<std::int32_t>> tables;
  std::map<RequestId, std::int64_t> computed;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

class Simulation {
 public:
  Simulation(BlockHasher hasher, std::uint32_t seed)
      : kv_(KvCacheManager::create({kNumBlocks, kBlockSize, true, std::move(hasher)}).value()),
        rng_(seed),
        slot_value_(static_cast<std::size_t>(kNumBlocks) * kBlockSize, 0) {
    for (auto& family : families_) {
      family.resize(60);
      for (auto& t : family) t = random_token();
    }
  }

  void run() {
    for (int step = 0; step < kSteps; ++step) {
      const int op = uniform(0, 99);
      if (op < 30) {
        arrive();
      } else if (op < 85) {
        decode();
      } else if (op < 95) {
        abort_random();
      } else {
        ASSERT_TRUE(kv_.free(next_id_ + 1000).ok());  // unknown ids are a no-op
      }
      check(step);
      if (::testing::Test::HasFatalFailure()) return;
    }
    while (!live_.empty()) {
      ASSERT_TRUE(kv_.free(live_.begin()->first).ok());
      live_.erase(live_.begin());
      check(kSteps);
      if (::testing::Test::HasFatalFailure()) return;
    }
    EXPECT_EQ(kv_.num_free_blocks(), kNumBlocks);
    for (std::int32_t b = 0; b < kNumBlocks; ++b) EXPECT_EQ(kv_.pool().ref_count(b), 0);
    // The run must have exercised the interesting paths, or it proves little.
    EXPECT_GT(hit_tokens_, 0);
    EXPECT_GT(no_room_, 0);
    EXPECT_GT(finished_, 0);
    EXPECT_GT(kv_.prefix_cache_stats().hit_tokens, 0);
  }

 private:
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::int32_t random_token() { return uniform(0, 50); }

  // The fake K/V of position p: a function of the salt and tokens [0, p].
  static std::vector<std::uint64_t> expected_values(const FakeRequest& r) {
    std::uint64_t v = std::hash<std::string>{}(r.salt);
    std::vector<std::uint64_t> out;
    for (std::int32_t t : r.tokens) {
      v = (v ^ static_cast<std::uint64_t>(t + 1)) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
      out.push_back(v);
    }
    return out;
  }

  Snapshot snapshot() const {
    Snapshot s;
    s.free_queue = kv_.pool().free_queue();
    for (std::int32_t b = 0; b < kNumBlocks; ++b) {
      s.refs.push_back(kv_.pool().ref_count(b));
      s.hashes.push_back(kv_.pool().block_hash(b));
    }
    for (const auto& [id, r] : live_) {
      auto table = kv_.block_table(id);
      s.tables[id] = {table.begin(), table.end()};
      s.computed[id] = kv_.num_computed_tokens(id);
    }
    return s;
  }

  // The model's forward for positions [first, size): writes each slot's value.
  void compute(RequestId id, const FakeRequest& r, std::size_t first) {
    const auto values = expected_values(r);
    auto slots = kv_.slots_for(id, static_cast<std::int64_t>(first),
                               static_cast<std::int64_t>(r.tokens.size() - first));
    ASSERT_TRUE(slots.ok()) << slots.status().to_string();
    for (std::size_t i = 0; i < slots->size(); ++i) slot_value_[(*slots)[i]] = values[first + i];
    ASSERT_TRUE(kv_.cache_full_blocks(id, r.tokens).ok());
  }

  void arrive() {
    FakeRequest r;
    const auto& family = families_[uniform(0, static_cast<int>(families_.size()) - 1)];
    r.tokens.assign(family.begin(), family.begin() + uniform(0, 60));
    for (int n = uniform(1, 30); n > 0; --n) r.tokens.push_back(random_token());
    r.salt = uniform(0, 3) == 0 ? "tenant-b" : "";
    r.max_len = r.tokens.size() + uniform(1, 40);
    if (!kv_.can_ever_fit(static_cast<std::int64_t>(r.max_len))) {
      // Refused at admission; it really could never fit.
      ASSERT_GT(r.max_len, static_cast<std::size_t>(kNumBlocks * kBlockSize));
      return;
    }
    const RequestId id = next_id_++;
    auto match = kv_.find_prefix(r.tokens, r.salt);
    ASSERT_TRUE(match.ok());
    ASSERT_LT(match->num_tokens, static_cast<std::int64_t>(r.tokens.size()));
    // Every block the cache offers must hold exactly this request's K/V for those positions.
    const auto values = expected_values(r);
    for (std::int64_t p = 0; p < match->num_tokens; ++p) {
      const std::int64_t slot =
          std::int64_t{match->blocks[p / kBlockSize]} * kBlockSize + p % kBlockSize;
      ASSERT_EQ(slot_value_[slot], values[p]) << "wrong prefix-cache hit at position " << p;
    }
    const Snapshot before = snapshot();
    auto got = kv_.allocate_slots(
        id, static_cast<std::int64_t>(r.tokens.size()) - match->num_tokens, *match);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    if (!got->has_value()) {
      ++no_room_;
      ASSERT_EQ(snapshot(), before) << "a failed allocate_slots changed state";
      ASSERT_FALSE(kv_.has_request(id));
      return;
    }
    hit_tokens_ += match->num_tokens;
    ASSERT_EQ(kv_.num_computed_tokens(id), match->num_tokens);
    live_[id] = r;
    compute(id, live_[id], static_cast<std::size_t>(match->num_tokens));
  }

  void decode() {
    if (live_.empty()) return;
    auto it = std::next(live_.begin(), uniform(0, static_cast<int>(live_.size()) - 1));
    const RequestId id = it->first;
    FakeRequest& r = it->second;
    if (r.tokens.size() >= r.max_len) {  // finished
      ++finished_;
      ASSERT_TRUE(kv_.free(id).ok());
      live_.erase(it);
      return;
    }
    const Snapshot before = snapshot();
    auto got = kv_.allocate_slots(id, 1);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    if (!got->has_value()) {
      ++no_room_;
      ASSERT_EQ(snapshot(), before) << "a failed allocate_slots changed state";
      // Preempt a random request (maybe this one), as a scheduler would.
      auto victim = std::next(live_.begin(), uniform(0, static_cast<int>(live_.size()) - 1));
      ASSERT_TRUE(kv_.free(victim->first).ok());
      live_.erase(victim);
      return;
    }
    r.tokens.push_back(random_token());
    compute(id, r, r.tokens.size() - 1);
  }

  void abort_random() {
    if (live_.empty()) return;
    auto it = std::next(live_.begin(), uniform(0, static_cast<int>(live_.size()) - 1));
    ASSERT_TRUE(kv_.free(it->first).ok());
    ASSERT_FALSE(kv_.has_request(it->first));
    live_.erase(it);
  }

  void check(int step) {
    const BlockPool& pool = kv_.pool();
    ASSERT_TRUE(pool.check_invariants().ok())
        << "step " << step << ": " << pool.check_invariants().to_string();
    std::vector<std::int32_t> holders(kNumBlocks, 0);
    for (const auto& [id, r] : live_) {
      ASSERT_TRUE(kv_.has_request(id));
      const auto table = kv_.block_table(id);
      const auto n = static_cast<std::int64_t>(r.tokens.size());
      ASSERT_EQ(kv_.num_computed_tokens(id), n) << "step " << step;
      // Exactly the blocks its tokens need: none leaked into the request, none missing.
      ASSERT_EQ(static_cast<std::int64_t>(table.size()), (n + kBlockSize - 1) / kBlockSize);
      std::set<std::int32_t> distinct(table.begin(), table.end());
      ASSERT_EQ(distinct.size(), table.size()) << "step " << step << ": a block held twice";
      for (std::int32_t b : table) {
        ASSERT_GE(b, 0);
        ASSERT_LT(b, kNumBlocks);
        ++holders[b];
      }
      // Its K/V are intact: nobody else wrote into its blocks.
      const auto values = expected_values(r);
      auto slots = kv_.slots_for(id, 0, n);
      ASSERT_TRUE(slots.ok());
      for (std::int64_t p = 0; p < n; ++p) {
        ASSERT_EQ(slot_value_[(*slots)[p]], values[p])
            << "step " << step << ": request " << id << " position " << p << " overwritten";
      }
    }
    std::int32_t used = 0;
    for (std::int32_t b = 0; b < kNumBlocks; ++b) {
      ASSERT_EQ(pool.ref_count(b), holders[b]) << "step " << step << ": block " << b;
      if (holders[b] > 0) ++used;
    }
    ASSERT_EQ(used + kv_.num_free_blocks(), kNumBlocks) << "step " << step;
    ASSERT_EQ(static_cast<std::int32_t>(pool.free_queue().size()), kv_.num_free_blocks());
  }

  KvCacheManager kv_;
  std::mt19937 rng_;
  std::vector<std::uint64_t> slot_value_;
  std::vector<std::vector<std::int32_t>> families_ = std::vector<std::vector<std::int32_t>>(4);
  std::map<RequestId, FakeRequest> live_;
  RequestId next_id_ = 0;
  std::int64_t hit_tokens_ = 0;
  int no_room_ = 0;
  int finished_ = 0;
};

TEST(KvCachePropertyTest, RandomTrafficKeepsEveryInvariant) {
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Simulation sim({}, seed);
    sim.run();
    if (HasFatalFailure()) return;
  }
}

// A hasher that collides constantly (16 possible values): correctness must then rest on the
// collision guard alone, and the fake K/V check catches any wrong hit.
TEST(KvCachePropertyTest, WeakHasherNeverCausesAWrongHit) {
  BlockHasher weak = [](const std::optional<BlockHash>& parent, std::string_view salt,
                        std::span<const std::int32_t> tokens) -> Result<BlockHash> {
    BlockHash h;
    std::uint32_t x = parent ? parent->bytes[0] : 7;
    for (char c : salt) x = x * 31 + static_cast<unsigned char>(c);
    for (std::int32_t t : tokens) x = x * 31 + static_cast<std::uint32_t>(t);
    h.bytes[0] = static_cast<std::uint8_t>(x % 16);
    return h;
  };
  Simulation sim(weak, 4);
  sim.run();
}

}  // namespace
}  // namespace plexus
