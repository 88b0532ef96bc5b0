// quant_gemm_q8 (int8 activations) against its oracle and against the f32 kernel within the
// bound its activation rounding allows; its cross-ISA and batch-invariance promises.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "cpu_features.h"
#include "quant_gemm.h"
#include "quant_gemm_blocks.h"
#include "quant_gemm_test_util.h"

namespace plexus::kernels {
namespace {

using quant_test::make;
using quant_test::Packed;
using quant_test::random_x;

struct Case {
  int bits;
  std::int64_t n, k, group;
};

// N values leave tails after the 64-column blocks; group = K is "group_size -1".
const Case kCases[] = {{4, 200, 96, 32},  {4, 136, 256, 64}, {4, 128, 128, 128},
                       {4, 64, 160, 160}, {2, 144, 96, 32},  {2, 256, 128, 128}};

std::string describe(const Case& c) {
  return "bits " + std::to_string(c.bits) + " N " + std::to_string(c.n) + " K " +
         std::to_string(c.k) + " group " + std::to_string(c.group);
}

TEST(QuantGemmQ8, QuantizesEachBlockToItsLargestMagnitude) {
  const std::int64_t K = 64;
  std::vector<float> x = random_x(1, K, 1);
  x[5] = -3.5f;  // the largest of block 0
  for (std::int64_t k = 32; k < 64; ++k) x[k] = 0.0f;
  std::vector<std::int8_t> a(K);
  std::vector<float> d(2);
  quantize_q8_rows(x.data(), 1, K, a.data(), d.data());
  EXPECT_EQ(d[0], 3.5f / 127.0f);
  EXPECT_EQ(a[5], -127);
  for (std::int64_t k = 0; k < 32; ++k) {
    EXPECT_LE(std::fabs(x[k] - d[0] * float(a[k])), d[0] * 0.5f * (1 + 1e-6f)) << k;
  }
  EXPECT_EQ(d[1], 0.0f);
  for (std::int64_t k = 32; k < 64; ++k) EXPECT_EQ(a[k], 0) << k;
}

// The vector quantizer gives the generic one's bytes, scale and sum: ties, huge and denormal
// blocks, zeros, and both code word orders.
TEST(QuantGemmQ8, EveryIsaQuantizesAlike) {
  if (!cpu_supports(CpuIsa::kAvx2)) GTEST_SKIP() << "no AVX2 on this CPU: nothing to compare";
  std::vector<float> x = random_x(8, kQ8Block, 21);
  for (std::int64_t k = 0; k < kQ8Block; ++k) {
    x[k] = float(k % 9) - 4.0f;                        // ties at .5 after scaling to 127 / 4
    x[2 * kQ8Block + k] *= 1e30f;                      // huge
    x[3 * kQ8Block + k] *= 1e-39f;                     // denormal: 127 / amax overflows
    x[4 * kQ8Block + k] = 0.0f;                        // all zero
    x[5 * kQ8Block + k] = k == 3 ? -0.0f : 1e-3f * k;  // signed zero
  }
  for (int bits : {0, 2, 4}) {
    for (int b = 0; b < 8; ++b) {
      SCOPED_TRACE("bits " + std::to_string(bits) + " block " + std::to_string(b));
      std::int8_t a1[kQ8Block], a2[kQ8Block];
      float d1 = -1, d2 = -2;
      int s1 = -1, s2 = -2;
      ASSERT_TRUE(internal::quantize_q8_block_generic(x.data() + b * kQ8Block, bits, a1, &d1, &s1));
      ASSERT_TRUE(internal::quantize_q8_block_avx2(x.data() + b * kQ8Block, bits, a2, &d2, &s2));
      EXPECT_EQ(0, std::memcmp(a1, a2, sizeof(a1)));
      EXPECT_EQ(0, std::memcmp(&d1, &d2, sizeof(d1)));
      EXPECT_EQ(s1, s2);
    }
  }
  x[7] = NAN;
  std::int8_t a[kQ8Block];
  float d;
  int sum;
  EXPECT_FALSE(internal::quantize_q8_block_generic(x.data(), 4, a, &d, &sum));
  EXPECT_FALSE(internal::quantize_q8_block_avx2(x.data(), 4, a, &d, &sum));
}

TEST(QuantGemmQ8, MatchesItsOracleBitForBitOnEveryIsa) {
  ThreadPool pool(3);
  for (const Case& c : kCases) {
    SCOPED_TRACE(describe(c));
    Packed p = make(QuantLayout::kGptq, c.bits, c.n, c.k, c.group, 7);
    ASSERT_TRUE(quant_q8_supported(p.m));
    // Every row count of a chunk takes its own unrolled kernel (q8_rows<kBits, R>), 9 two chunks.
    for (std::int64_t M = 1; M <= 9; ++M) {
      SCOPED_TRACE("M " + std::to_string(M));
      quant_test::expect_every_isa_matches(p.m, M, quant_gemm_q8_reference,
                                           internal::quant_gemm_q8_isa, pool);
    }
  }
}

// Inputs that int8 blocks hold exactly (integers up to 127 with a 127 in every block, times a
// power of two) leave nothing to round: q8 then agrees with the f32 kernel to float rounding.
TEST(QuantGemmQ8, IsExactWhenTheInputsAreBlockIntegers) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(describe(c));
    Packed p = make(QuantLayout::kGptq, c.bits, c.n, c.k, c.group, 9);
    const std::int64_t M = 3;
    std::vector<float> x = random_x(M, c.k, 4);
    for (std::int64_t i = 0; i < M * c.k; ++i) {
      x[i] = i % kQ8Block == 7 ? 127.0f * 0.25f
                               : std::nearbyint(std::clamp(x[i] * 40, -127.f, 127.f)) * 0.25f;
    }
    std::vector<float> f32(std::size_t(M * c.n)), q8(f32.size());
    ASSERT_TRUE(quant_gemm(x.data(), p.m, nullptr, f32.data(), M).ok());
    ASSERT_TRUE(quant_gemm_q8(x.data(), p.m, nullptr, q8.data(), M).ok());
    for (std::int64_t i = 0; i < M * c.n; ++i) {
      ASSERT_NEAR(q8[i], f32[i], 1e-5f * (1 + std::fabs(f32[i]))) << i;
    }
  }
}

// With any inputs, q8 stays within sum_b d_b / 2 * sum_{k in b} |W[n][k]| of the f32 result,
// and it is not exact (the rounding is real).
TEST(QuantGemmQ8, StaysWithinTheActivationRoundingBound) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(describe(c));
    Packed p = make(QuantLayout::kGptq, c.bits, c.n, c.k, c.group, 5);
    const std::int64_t M = 4, blocks = c.k / kQ8Block;
    const std::vector<float> x = random_x(M, c.k, 6);
    std::vector<float> w(std::size_t(c.n * c.k));
    ASSERT_TRUE(quant_dequantize_reference(p.m, w.data()).ok());
    std::vector<std::int8_t> a(x.size());
    std::vector<float> d(std::size_t(M * blocks));
    quantize_q8_rows(x.data(), M, c.k, a.data(), d.data());
    std::vector<float> f32(std::size_t(M * c.n)), q8(f32.size());
    ASSERT_TRUE(quant_gemm_reference(x.data(), p.m, nullptr, f32.data(), M).ok());
    ASSERT_TRUE(quant_gemm_q8(x.data(), p.m, nullptr, q8.data(), M).ok());
    double largest_error = 0;
    for (std::int64_t m = 0; m < M; ++m) {
      for (std::int64_t n = 0; n < c.n; ++n) {
        double bound = 0;
        for (std::int64_t k = 0; k < c.k; ++k)
          bound += 0.5 * d[m * blocks + k / kQ8Block] * std::fabs(w[n * c.k + k]);
        const double error = std::fabs(double(q8[m * c.n + n]) - f32[m * c.n + n]);
        ASSERT_LE(error, bound * (1 + 1e-4) + 1e-5) << m << "," << n;
        largest_error = std::max(largest_error, error);
      }
    }
    EXPECT_GT(largest_error, 0.0);
  }
}

TEST(QuantGemmQ8, RowsDoNotDependOnTheBatchOrTheThreads) {
  for (const Case& c : kCases) {
    Packed p = make(QuantLayout::kGptq, c.bits, c.n, c.k, c.group, 11);
    const std::int64_t M = 11;
    const std::vector<float> x = random_x(M, c.k, 5);
    ThreadPool one(1), three(3);
    std::vector<float> batch(std::size_t(M * c.n)), alone(std::size_t(c.n));
    ASSERT_TRUE(quant_gemm_q8(x.data(), p.m, nullptr, batch.data(), M, &three).ok());
    for (std::int64_t m = 0; m < M; ++m) {
      ASSERT_TRUE(quant_gemm_q8(x.data() + m * c.k, p.m, nullptr, alone.data(), 1, &one).ok());
      ASSERT_EQ(0, std::memcmp(alone.data(), batch.data() + m * c.n, alone.size() * 4)) << m;
    }
  }
}

TEST(QuantGemmQ8, NonFiniteInputsGiveNan) {
  Packed p = make(QuantLayout::kGptq, 4, 64, 64, 32, 1);
  std::vector<float> x = random_x(2, 64, 2), y(128);
  x[40] = INFINITY;  // row 0, block 1
  ASSERT_TRUE(quant_gemm_q8(x.data(), p.m, nullptr, y.data(), 2).ok());
  for (int n = 0; n < 64; ++n) {
    EXPECT_TRUE(std::isnan(y[n])) << n;
    EXPECT_TRUE(std::isfinite(y[64 + n])) << n;
  }
}

TEST(QuantGemmQ8, SaysWhichMatricesItCannotTake) {
  std::vector<float> x(256), y(256);
  const auto message = [&](const Packed& p) {
    EXPECT_FALSE(quant_q8_supported(p.m));
    return quant_gemm_q8(x.data(), p.m, nullptr, y.data(), 1).message();
  };
  EXPECT_EQ(message(make(QuantLayout::kAwqGemm, 4, 64, 64, 32, 1)),
            "quant_gemm_q8: needs the GPTQ layout");
  EXPECT_EQ(message(make(QuantLayout::kGptq, 8, 64, 64, 32, 1)),
            "quant_gemm_q8: 8-bit codes are not supported (2 and 4 are)");
  EXPECT_EQ(message(make(QuantLayout::kGptq, 4, 64, 64, 16, 1)),
            "quant_gemm_q8: needs K and the group size divisible by 32, got K 64 group 16");
  EXPECT_EQ(message(make(QuantLayout::kGptq, 4, 64, 72, 72, 1)),
            "quant_gemm_q8: needs K and the group size divisible by 32, got K 72 group 72");
}

}  // namespace
}  // namespace plexus::kernels
