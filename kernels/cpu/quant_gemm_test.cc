// quant_gemm against its reference, on matrices packed here straight from the AWQ / GPTQ layout
// descriptions (docs: shared FORMATS.md), and its batch-invariance and cross-ISA promises.
#include "quant_gemm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "cpu_features.h"
#include "plexus/dtype.h"
#include "quant_gemm_blocks.h"
#include "quant_gemm_test_util.h"

namespace plexus::kernels {
namespace {

using quant_test::make;
using quant_test::Packed;
using quant_test::random_x;

struct Case {
  QuantLayout layout;
  int bits;
  std::int64_t n, k, group;
};

// N values leave tails after the 64- and 128-column blocks; group = K is "group_size -1".
const Case kCases[] = {
    {QuantLayout::kAwqGemm, 4, 200, 96, 32}, {QuantLayout::kAwqGemm, 4, 256, 128, 128},
    {QuantLayout::kAwqGemm, 4, 64, 64, 64},  {QuantLayout::kGptq, 4, 200, 96, 32},
    {QuantLayout::kGptq, 4, 136, 256, 64},   {QuantLayout::kGptq, 4, 128, 72, 72},
    {QuantLayout::kGptq, 8, 132, 96, 32},    {QuantLayout::kGptq, 8, 256, 128, 128},
    {QuantLayout::kGptq, 4, 128, 112, 32},  // last group shorter (112 = 3*32 + 16)
    {QuantLayout::kGptq, 2, 144, 96, 32},    {QuantLayout::kGptq, 2, 256, 128, 128},
};

TEST(QuantGemm, UnpacksWhatWasPacked) {
  for (const Case& c : kCases) {
    Packed p = make(c.layout, c.bits, c.n, c.k, c.group, 1);
    ASSERT_TRUE(check_quant_matrix(p.m).ok()) << check_quant_matrix(p.m).to_string();
    for (std::int64_t r = 0; r < c.k; ++r)
      for (std::int64_t col = 0; col < c.n; ++col)
        ASSERT_EQ(quant_code(p.m, r, col), p.q[r * c.n + col]) << r << "," << col;
    for (std::int64_t g = 0; g < p.m.groups(); ++g)
      for (std::int64_t col = 0; col < c.n; ++col)
        ASSERT_EQ(quant_zero(p.m, g, col), p.z[g * c.n + col]);
    std::vector<float> w(std::size_t(c.n * c.k));
    ASSERT_TRUE(quant_dequantize_reference(p.m, w.data()).ok());
    const std::int64_t k = c.k - 1, col = c.n - 1, g = k / c.group;
    EXPECT_EQ(w[col * c.k + k],
              float(p.q[k * c.n + col] - p.z[g * c.n + col]) * f16_to_f32(p.scales[g * c.n + col]));
  }
}

TEST(QuantGemm, MatchesTheReferenceOnEveryIsa) {
  ThreadPool pool(3);
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::to_string(int(c.layout)) + " bits " + std::to_string(c.bits) + " N " +
                 std::to_string(c.n) + " K " + std::to_string(c.k));
    Packed p = make(c.layout, c.bits, c.n, c.k, c.group, 7);
    // One row, two rows and more than two take different code paths (quant_block_loop.inc).
    for (const std::int64_t M : {1, 2, 5}) {
      SCOPED_TRACE("M " + std::to_string(M));
      quant_test::expect_every_isa_matches(p.m, M, quant_gemm_reference, internal::quant_gemm_isa,
                                           pool);
    }
  }
}

TEST(QuantGemm, RowsDoNotDependOnTheBatchOrTheThreads) {
  for (const Case& c : kCases) {
    Packed p = make(c.layout, c.bits, c.n, c.k, c.group, 11);
    const std::int64_t M = 9;
    const std::vector<float> x = random_x(M, c.k, 5);
    ThreadPool one(1), three(3);
    std::vector<float> batch(std::size_t(M * c.n)), alone(std::size_t(c.n));
    ASSERT_TRUE(quant_gemm(x.data(), p.m, nullptr, batch.data(), M, &three).ok());
    for (std::int64_t m = 0; m < M; ++m) {
      ASSERT_TRUE(quant_gemm(x.data() + m * c.k, p.m, nullptr, alone.data(), 1, &one).ok());
      ASSERT_EQ(0, std::memcmp(alone.data(), batch.data() + m * c.n, alone.size() * 4)) << m;
    }
  }
}

TEST(QuantGemm, AwqRepackedAsGptqGivesTheSameBits) {
  for (const Case& c : kCases) {
    if (c.layout != QuantLayout::kAwqGemm) continue;
    SCOPED_TRACE("N " + std::to_string(c.n) + " K " + std::to_string(c.k));
    Packed p = make(c.layout, c.bits, c.n, c.k, c.group, 13);
    std::vector<std::uint32_t> codes(std::size_t(c.k / 8 * c.n)), zeros(p.zeros.size());
    ASSERT_TRUE(repack_awq_as_gptq(p.m, codes.data(), zeros.data()).ok());
    QuantMatrix g = p.m;
    g.layout = QuantLayout::kGptq;
    g.codes = codes.data();
    g.zeros = zeros.data();
    ASSERT_TRUE(check_quant_matrix(g).ok());
    for (std::int64_t k = 0; k < c.k; ++k)
      for (std::int64_t n = 0; n < c.n; ++n)
        ASSERT_EQ(quant_code(g, k, n), quant_code(p.m, k, n)) << k << "," << n;
    for (std::int64_t gr = 0; gr < p.m.groups(); ++gr)
      for (std::int64_t n = 0; n < c.n; ++n)
        ASSERT_EQ(quant_zero(g, gr, n), quant_zero(p.m, gr, n)) << gr << "," << n;
    for (const std::int64_t M : {1, 2, 5}) {
      const std::vector<float> x = random_x(M, c.k, 17);
      std::vector<float> a(std::size_t(M * c.n)), b(a.size());
      ASSERT_TRUE(quant_gemm(x.data(), p.m, nullptr, a.data(), M).ok());
      ASSERT_TRUE(quant_gemm(x.data(), g, nullptr, b.data(), M).ok());
      ASSERT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << "M " << M;
    }
  }
  Packed odd = make(QuantLayout::kAwqGemm, 4, 64, 36, 36, 1);
  std::vector<std::uint32_t> codes(64 * 8), zeros(8);
  EXPECT_EQ(repack_awq_as_gptq(odd.m, codes.data(), zeros.data()).message(),
            "quant_gemm: the GPTQ layout needs K and the group size divisible by 8, got K 36 "
            "group 36");
}

TEST(QuantGemm, RefusesMalformedMatrices) {
  Packed p = make(QuantLayout::kGptq, 4, 64, 64, 32, 1);
  QuantMatrix bad = p.m;
  bad.bits = 3;
  EXPECT_EQ(check_quant_matrix(bad).message(),
            "quant_gemm: 3-bit codes are not supported for this layout");
  bad = p.m;
  bad.k = 60;
  EXPECT_EQ(check_quant_matrix(bad).message(),
            "quant_gemm: 4-bit GPTQ needs K, N and the group size divisible by 8, got [N=64, "
            "K=60] group 32");
  bad = p.m;
  bad.layout = QuantLayout::kAwqGemm;
  bad.n = 12;
  EXPECT_EQ(check_quant_matrix(bad).message(),
            "quant_gemm: AWQ needs N divisible by 8, got [N=12, K=64]");
  bad = p.m;
  bad.zeros = nullptr;
  std::vector<float> x(64), y(64);
  EXPECT_FALSE(quant_gemm(x.data(), bad, nullptr, y.data(), 1).ok());
}

}  // namespace
}  // namespace plexus::kernels
