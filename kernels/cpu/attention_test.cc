#include "attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "attention_units.h"
#include "cpu_features.h"
#include "test_util.h"

namespace plexus::kernels {
namespace {

// Two sequences (lengths 10 and 7) in a cache of 4-token blocks, with scattered block ids, GQA
// 6 query heads over 2 KV heads, odd head sizes.
struct Fixture {
  static constexpr std::int64_t kBlockSize = 4, kNumBlocks = 12, kKvHeads = 2, kHeads = 6;
  std::int64_t head_dim, v_head_dim;
  std::vector<float> k_store, v_store;
  PagedKvCache cache;
  std::vector<std::int32_t> tables = {7, 2,  9, 0,   // sequence 0: 10 tokens -> 3 blocks
                                      5, 11, 3, 1};  // sequence 1: 7 tokens -> 2 blocks
  std::vector<std::int64_t> lengths = {10, 7};
  std::vector<float> q_full[2];  // per sequence: [len, kHeads, head_dim]

  Fixture(std::int64_t hd, std::int64_t vd) : head_dim(hd), v_head_dim(vd) {
    k_store.assign(std::size_t(kNumBlocks * kBlockSize * kKvHeads * hd), NAN);
    v_store.assign(std::size_t(kNumBlocks * kBlockSize * kKvHeads * vd), NAN);
    cache = {k_store.data(), v_store.data(), kNumBlocks, kBlockSize, kKvHeads, hd, vd};
    for (int s = 0; s < 2; ++s) {
      const std::int64_t len = lengths[s];
      const auto k = testing::random_floats(std::size_t(len * kKvHeads * hd), 100 + s, -2, 2);
      const auto v = testing::random_floats(std::size_t(len * kKvHeads * vd), 200 + s);
      std::vector<std::int64_t> slots(static_cast<std::size_t>(len));
      for (std::int64_t p = 0; p < len; ++p) slots[p] = slot(s, p);
      EXPECT_TRUE(write_kv_cache(cache, k.data(), v.data(), len, slots.data()).ok());
      q_full[s] = testing::random_floats(std::size_t(len * kHeads * hd), 300 + s, -2, 2);
    }
  }
  std::int64_t slot(int s, std::int64_t pos) const {
    return std::int64_t(tables[s * 4 + pos / kBlockSize]) * kBlockSize + pos % kBlockSize;
  }

  // Runs the query tokens (sequence, position) as one batch, grouped by sequence in the order
  // given; returns out [tokens, kHeads, v_head_dim].
  // `units`, when given, runs every unit on this thread through that variant instead.
  std::vector<float> run(const std::vector<std::pair<int, std::int64_t>>& tokens, bool reference,
                         ThreadPool* pool = nullptr,
                         void (*units)(const internal::AttentionArgs&, std::int64_t,
                                       std::int64_t) = nullptr) {
    std::vector<float> q;
    std::vector<std::int64_t> positions, query_start = {0};
    std::vector<std::int32_t> batch_tables;
    int current = -1;
    for (auto [s, p] : tokens) {
      if (s != current) {
        if (current >= 0) query_start.push_back(std::int64_t(positions.size()));
        batch_tables.insert(batch_tables.end(), tables.begin() + s * 4, tables.begin() + s * 4 + 4);
        current = s;
      }
      positions.push_back(p);
      const float* row = q_full[s].data() + p * kHeads * head_dim;
      q.insert(q.end(), row, row + kHeads * head_dim);
    }
    query_start.push_back(std::int64_t(positions.size()));
    PagedAttentionBatch b{std::int64_t(query_start.size() - 1), query_start.data(),
                          positions.data(), batch_tables.data(), 4};
    std::vector<float> out(positions.size() * kHeads * v_head_dim, -99.0f);
    const float scale = 1.0f / std::sqrt(float(head_dim));
    if (units != nullptr) {
      const std::vector<internal::QueryChunk> chunks = internal::query_chunks(b);
      internal::AttentionArgs a;
      a.cache = &cache;
      a.q = q.data();
      a.num_heads = kHeads;
      a.batch = &b;
      a.chunks = chunks.data();
      a.scale = scale;
      a.out = out.data();
      a.score_tiles = internal::gemm_tiles_for(active_cpu_isa());
      units(a, 0, std::int64_t(chunks.size()) * kKvHeads);
      return out;
    }
    const Status st = reference
                          ? paged_attention_reference(cache, q.data(), kHeads, b, scale, out.data())
                          : paged_attention(cache, q.data(), kHeads, b, scale, out.data(), pool);
    EXPECT_TRUE(st.ok()) << st.to_string();
    return out;
  }
};

std::vector<std::pair<int, std::int64_t>> full_prefill() {
  std::vector<std::pair<int, std::int64_t>> t;
  for (std::int64_t p = 0; p < 10; ++p) t.emplace_back(0, p);
  for (std::int64_t p = 0; p < 7; ++p) t.emplace_back(1, p);
  return t;
}

TEST(PagedAttention, MatchesReference) {
  for (auto [hd, vd] : {std::pair<std::int64_t, std::int64_t>{19, 19}, {32, 32}, {24, 13}}) {
    SCOPED_TRACE("head_dim " + std::to_string(hd) + " v_head_dim " + std::to_string(vd));
    Fixture f(hd, vd);
    const auto got = f.run(full_prefill(), false);
    const auto want = f.run(full_prefill(), true);
    testing::expect_near_all(got, want, 2e-6f, 2e-5f, "attention");
  }
}

// The answer for (sequence 0, position 9) is the same bits in a full prefill, as a lone decode
// step, as the second chunk of a chunked prefill next to another sequence's decode, and on 1 or
// 2 threads.
TEST(PagedAttention, OutputIsBatchChunkAndThreadInvariant) {
  Fixture f(19, 19);
  const std::size_t row = Fixture::kHeads * 19;
  ThreadPool one(1), two(2);
  const auto full = f.run(full_prefill(), false, &two);
  const float* want = full.data() + 9 * row;
  const auto alone = f.run({{0, 9}}, false, &one);
  EXPECT_TRUE(testing::bitwise_equal(alone.data(), want, row));
  const auto chunked = f.run({{1, 6}, {0, 6}, {0, 7}, {0, 8}, {0, 9}}, false, &two);
  EXPECT_TRUE(testing::bitwise_equal(chunked.data() + 4 * row, want, row));
  // And sequence 1's decode token matches its row of the full prefill.
  EXPECT_TRUE(testing::bitwise_equal(chunked.data(), full.data() + (10 + 6) * row, row));
}

// A 40-token prefill is cut into chunks of 16 query rows (attention_units.h): every token still
// gets the bits it gets alone as a decode step, and the reference's values. v_head_dim 45 takes
// both the 32-column path and the remainder of add_weighted_values.
TEST(PagedAttention, LongPrefillChunksGiveEachTokenItsDecodeBits) {
  constexpr std::int64_t kLen = 40, kBs = 4, kKv = 2, kHeads = 6, hd = 24, vd = 45;
  const std::vector<std::int32_t> table = {3, 7, 0, 11, 5, 9, 1, 8, 2, 10};
  std::vector<float> k_store(std::size_t(12 * kBs * kKv * hd)),
      v_store(std::size_t(12 * kBs * kKv * vd));
  const PagedKvCache cache{k_store.data(), v_store.data(), 12, kBs, kKv, hd, vd};
  const auto k = testing::random_floats(std::size_t(kLen * kKv * hd), 7, -2, 2);
  const auto v = testing::random_floats(std::size_t(kLen * kKv * vd), 8);
  const auto q = testing::random_floats(std::size_t(kLen * kHeads * hd), 9, -2, 2);
  std::vector<std::int64_t> slots, positions;
  for (std::int64_t p = 0; p < kLen; ++p) {
    slots.push_back(std::int64_t(table[p / kBs]) * kBs + p % kBs);
    positions.push_back(p);
  }
  ASSERT_TRUE(write_kv_cache(cache, k.data(), v.data(), kLen, slots.data()).ok());
  const float scale = 0.2f;
  const std::int64_t row = kHeads * vd;
  const std::vector<std::int64_t> all = {0, kLen};
  const PagedAttentionBatch prefill{1, all.data(), positions.data(), table.data(), 10};
  std::vector<float> full(std::size_t(kLen * row)), want(full.size());
  ThreadPool two(2);
  ASSERT_TRUE(paged_attention(cache, q.data(), kHeads, prefill, scale, full.data(), &two).ok());
  ASSERT_TRUE(paged_attention_reference(cache, q.data(), kHeads, prefill, scale, want.data()).ok());
  testing::expect_near_all(full, want, 2e-6f, 2e-5f, "chunked prefill");
  for (std::int64_t p : {0, 15, 16, 17, 31, 32, 39}) {
    const std::vector<std::int64_t> one = {0, 1};
    const PagedAttentionBatch decode{1, one.data(), &positions[p], table.data(), 10};
    std::vector<float> alone(static_cast<std::size_t>(row));
    ASSERT_TRUE(
        paged_attention(cache, q.data() + p * kHeads * hd, kHeads, decode, scale, alone.data())
            .ok());
    EXPECT_TRUE(testing::bitwise_equal(alone.data(), full.data() + p * row, std::size_t(row)))
        << "position " << p;
  }
}

// The AVX2 build of the inner loop gives the generic build's bits (same C++, no contraction,
// the same exponential), so the variant never changes an answer.
TEST(PagedAttention, AvxAndGenericUnitsAgreeBitForBit) {
  if (!cpu_supports(CpuIsa::kAvx2)) {
    GTEST_SKIP() << "this CPU has no AVX2: only the generic units can run";
  }
  Fixture f(37, 29);
  const auto generic = f.run(full_prefill(), false, nullptr, internal::attention_units_generic);
  const auto avx2 = f.run(full_prefill(), false, nullptr, internal::attention_units_avx2);
  EXPECT_TRUE(testing::bitwise_equal(generic.data(), avx2.data(), generic.size()));
  EXPECT_NE(generic[0], -99.0f);
}

// The softmax's exponential against libm over its whole domain (x <= 0).
TEST(ExpNonpositive, MatchesLibmWithinThreeTenthsOfAMillionth) {
  double worst = 0;
  for (float x = 0.0f; x >= -87.0f; x -= 0.000731f) {
    const double want = std::exp(double(x));
    worst = std::max(worst, std::fabs(internal::exp_nonpositive(x) - want) / want);
  }
  EXPECT_LT(worst, 3e-7);
  EXPECT_EQ(internal::exp_nonpositive(0.0f), 1.0f);
  EXPECT_LT(internal::exp_nonpositive(-1000.0f), 2e-38f);
  EXPECT_LT(internal::exp_nonpositive(-std::numeric_limits<float>::infinity()), 2e-38f);
}

TEST(PagedAttention, RejectsInconsistentInputs) {
  Fixture f(8, 8);
  std::vector<float> q(Fixture::kHeads * 8), out(Fixture::kHeads * 8);
  const std::vector<std::int64_t> qs = {0, 1};
  std::int64_t pos = 3;
  std::vector<std::int32_t> table = {0, 1};
  PagedAttentionBatch b{1, qs.data(), &pos, table.data(), 2};
  EXPECT_EQ(paged_attention(f.cache, q.data(), 5, b, 1.0f, out.data()).code(),
            StatusCode::kInvalidArgument);  // 5 heads over 2 KV heads
  pos = 8;                                  // block 2, past a 2-entry table
  EXPECT_EQ(paged_attention(f.cache, q.data(), 6, b, 1.0f, out.data()).code(),
            StatusCode::kInvalidArgument);
  pos = 3;
  table[0] = 12;  // outside the 12-block cache
  EXPECT_EQ(paged_attention(f.cache, q.data(), 6, b, 1.0f, out.data()).code(),
            StatusCode::kInvalidArgument);
}

TEST(WriteKvCache, SkipsPaddingAndRejectsSlotsPastTheCache) {
  std::vector<float> k(2 * 4 * 1 * 2, 0.0f), v(k.size(), 0.0f);
  PagedKvCache cache{k.data(), v.data(), 2, 4, 1, 2, 2};
  const std::vector<float> nk = {1, 2, 3, 4}, nv = {5, 6, 7, 8};
  const std::vector<std::int64_t> slots = {-1, 5};
  ASSERT_TRUE(write_kv_cache(cache, nk.data(), nv.data(), 2, slots.data()).ok());
  EXPECT_EQ(k[10], 3);
  EXPECT_EQ(k[11], 4);
  EXPECT_EQ(v[10], 7);
  EXPECT_EQ(std::accumulate(k.begin(), k.end(), 0.0f), 7.0f);
  const std::int64_t bad = 8;
  EXPECT_EQ(write_kv_cache(cache, nk.data(), nv.data(), 1, &bad).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace plexus::kernels
