#include "gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "gemm_tiles.h"
#include "half_convert.h"
#include "plexus/dtype.h"
#include "test_util.h"

namespace plexus::kernels {
namespace {

using testing::bitwise_equal;
using testing::random_floats;

// Weights in the requested dtype, plus their exact f32 values for error bounds.
struct Weights {
  DType dtype;
  std::vector<float> f32;
  std::vector<std::uint16_t> half;
  const void* data() const {
    return dtype == DType::kF32 ? static_cast<const void*>(f32.data()) : half.data();
  }
};

Weights make_weights(DType dtype, std::int64_t n, std::uint32_t seed) {
  Weights w{dtype, random_floats(std::size_t(n), seed), {}};
  if (dtype != DType::kF32) {
    w.half.resize(w.f32.size());
    for (std::size_t i = 0; i < w.f32.size(); ++i) {
      w.half[i] = dtype == DType::kBF16 ? f32_to_bf16(w.f32[i]) : f32_to_f16(w.f32[i]);
      w.f32[i] = dtype == DType::kBF16 ? bf16_to_f32(w.half[i]) : f16_to_f32(w.half[i]);
    }
  }
  return w;
}

// gemm() against the double-precision reference, with a bound scaled by sum |x w|.
void check_against_reference(DType dtype, std::int64_t M, std::int64_t N, std::int64_t K,
                             bool with_bias) {
  SCOPED_TRACE(std::string(dtype_name(dtype)) + " M=" + std::to_string(M) +
               " N=" + std::to_string(N) + " K=" + std::to_string(K));
  const auto x = random_floats(std::size_t(M * K), 1);
  const Weights w = make_weights(dtype, N * K, 2);
  const auto bias = random_floats(std::size_t(N), 3);
  const float* b = with_bias ? bias.data() : nullptr;
  std::vector<float> got(std::size_t(M * N), -7.0f), want(std::size_t(M * N), 7.0f);
  ASSERT_TRUE(gemm(x.data(), w.data(), dtype, b, got.data(), M, N, K).ok());
  ASSERT_TRUE(gemm_reference(x.data(), w.data(), dtype, b, want.data(), M, N, K).ok());
  for (std::int64_t m = 0; m < M; ++m) {
    for (std::int64_t n = 0; n < N; ++n) {
      double magnitude = 0;
      for (std::int64_t k = 0; k < K; ++k) magnitude += std::fabs(x[m * K + k] * w.f32[n * K + k]);
      const double tol = 1e-6 + 4e-7 * (magnitude + (with_bias ? std::fabs(bias[n]) : 0.0));
      ASSERT_NEAR(got[m * N + n], want[m * N + n], tol) << "m=" << m << " n=" << n;
    }
  }
}

TEST(Gemm, MatchesReferenceOverShapesAndDtypes) {
  const std::vector<std::tuple<int, int, int>> shapes = {{1, 1, 1},    {1, 7, 15},   {3, 5, 16},
                                                         {7, 13, 33},  {5, 50, 100}, {1, 97, 576},
                                                         {9, 49, 577}, {66, 100, 47}};
  for (DType dtype : {DType::kF32, DType::kBF16, DType::kF16}) {
    for (auto [M, N, K] : shapes) {
      check_against_reference(dtype, M, N, K, /*with_bias=*/false);
      check_against_reference(dtype, M, N, K, /*with_bias=*/true);
    }
  }
}

TEST(Gemm, EmptyKGivesBias) {
  const std::vector<float> bias = {1.5f, -2.0f};
  std::vector<float> y(4, 9.0f);
  ASSERT_TRUE(gemm(nullptr, nullptr, DType::kF32, bias.data(), y.data(), 2, 2, 0).ok());
  EXPECT_EQ(y, (std::vector<float>{1.5f, -2.0f, 1.5f, -2.0f}));
}

// The same row computed alone, inside batches of other sizes, and on any thread count gives the
// same bits: the reduction order does not depend on M or on the split.
TEST(Gemm, RowResultsAreBatchAndThreadInvariant) {
  const std::int64_t N = 101, K = 579;
  for (DType dtype : {DType::kF32, DType::kBF16, DType::kF16}) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    const Weights w = make_weights(dtype, N * K, 5);
    const auto x = random_floats(std::size_t(70 * K), 6);
    ThreadPool one(1), two(2), three(3);
    std::vector<float> batch70(std::size_t(70 * N)), batch7(std::size_t(7 * N));
    ASSERT_TRUE(gemm(x.data(), w.data(), dtype, nullptr, batch70.data(), 70, N, K, &three).ok());
    ASSERT_TRUE(gemm(x.data(), w.data(), dtype, nullptr, batch7.data(), 7, N, K, &two).ok());
    for (std::int64_t row : {0, 3, 6}) {
      for (ThreadPool* pool : {&one, &two}) {
        std::vector<float> alone(static_cast<std::size_t>(N));
        ASSERT_TRUE(
            gemm(x.data() + row * K, w.data(), dtype, nullptr, alone.data(), 1, N, K, pool).ok());
        EXPECT_TRUE(bitwise_equal(alone.data(), batch7.data() + row * N, std::size_t(N)))
            << "row " << row << " threads " << pool->size();
        EXPECT_TRUE(bitwise_equal(alone.data(), batch70.data() + row * N, std::size_t(N)))
            << "row " << row << " threads " << pool->size();
      }
    }
    // Rows past the first 64-row block as well.
    std::vector<float> alone(static_cast<std::size_t>(N));
    ASSERT_TRUE(
        gemm(x.data() + 67 * K, w.data(), dtype, nullptr, alone.data(), 1, N, K, &one).ok());
    EXPECT_TRUE(bitwise_equal(alone.data(), batch70.data() + 67 * N, std::size_t(N)));
  }
}

// A decode-sized GEMV big enough to fan out over two threads gives the single-thread bits, and
// the same bits as that row inside a batch of 7.
TEST(Gemm, DecodeGemvIsThreadInvariant) {
  const std::int64_t N = 1536, K = 576;
  const Weights w = make_weights(DType::kBF16, N * K, 14);
  const auto x = random_floats(std::size_t(7 * K), 15);
  ThreadPool one(1), two(2);
  std::vector<float> a(static_cast<std::size_t>(N)), b(static_cast<std::size_t>(N)),
      batch(std::size_t(7 * N));
  ASSERT_TRUE(
      gemm(x.data() + 2 * K, w.data(), DType::kBF16, nullptr, a.data(), 1, N, K, &one).ok());
  ASSERT_TRUE(
      gemm(x.data() + 2 * K, w.data(), DType::kBF16, nullptr, b.data(), 1, N, K, &two).ok());
  ASSERT_TRUE(gemm(x.data(), w.data(), DType::kBF16, nullptr, batch.data(), 7, N, K, &two).ok());
  EXPECT_TRUE(bitwise_equal(a.data(), b.data(), a.size()));
  EXPECT_TRUE(bitwise_equal(a.data(), batch.data() + 2 * N, a.size()));
}

// Every instruction-set variant this CPU runs gives the exact bits of the generic code in its
// order (8 lanes for AVX2, 16 for AVX-512).
TEST(Gemm, IsaVariantsAgreeBitForBit) {
  const std::int64_t M = 6, N = 29, K = 211;
  ThreadPool pool(2);
  for (DType dtype : {DType::kF32, DType::kBF16, DType::kF16}) {
    const Weights w = make_weights(dtype, N * K, 8);
    const auto x = random_floats(std::size_t(M * K), 9);
    const auto bias = random_floats(std::size_t(N), 10);
    internal::GemmArgs a;
    a.x = x.data();
    a.ldx = K;
    a.w = w.data();
    a.ldw = K;
    a.w_dtype = dtype;
    a.bias = bias.data();
    a.ldy = N;
    a.K = K;
    std::vector<float> generic(std::size_t(M * N));
    for (CpuIsa isa : {CpuIsa::kAvx2, CpuIsa::kAvx512}) {
      if (!cpu_supports(isa)) {
        std::printf("[ SKIPPED  ] %s: this CPU lacks it\n", std::string(cpu_isa_name(isa)).c_str());
        continue;
      }
      a.y = generic.data();
      internal::gemm_parallel(internal::gemm_tiles_generic_like(isa), a, M, N, pool);
      std::vector<float> fast(std::size_t(M * N));
      a.y = fast.data();
      internal::gemm_parallel(internal::gemm_tiles_for(isa), a, M, N, pool);
      EXPECT_TRUE(bitwise_equal(fast.data(), generic.data(), fast.size()))
          << cpu_isa_name(isa) << " " << dtype_name(dtype);
    }
  }
}

TEST(Gemm, RejectsBadArguments) {
  float y = 0;
  const float x = 1, w = 1;
  EXPECT_EQ(gemm(&x, &w, DType::kF32, nullptr, &y, -1, 1, 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(gemm(&x, &w, DType::kI8, nullptr, &y, 1, 1, 1).code(), StatusCode::kUnsupported);
  EXPECT_EQ(gemm(nullptr, &w, DType::kF32, nullptr, &y, 1, 1, 1).code(),
            StatusCode::kInvalidArgument);
}

TEST(Gemm, BlasPathMatchesReferenceWhenAvailable) {
  const std::int64_t M = 5, N = 37, K = 130;
  const auto x = random_floats(std::size_t(M * K), 11);
  const auto w = random_floats(std::size_t(N * K), 12);
  const auto bias = random_floats(std::size_t(N), 13);
  std::vector<float> got(std::size_t(M * N)), want(std::size_t(M * N));
  const Status s = gemm_blas_f32(x.data(), w.data(), bias.data(), got.data(), M, N, K);
  if (!blas_available()) {
    EXPECT_EQ(s.code(), StatusCode::kUnsupported);
    return;
  }
  ASSERT_TRUE(s.ok()) << s.to_string();
  ASSERT_TRUE(
      gemm_reference(x.data(), w.data(), DType::kF32, bias.data(), want.data(), M, N, K).ok());
  testing::expect_near_all(got, want, 1e-4f, 1e-4f, "blas");
}

TEST(HalfConvert, MatchesTheSdkConversionsForEveryBitPattern) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const auto bits = std::uint16_t(h);
    const float a = internal::f16_bits_to_f32(bits), b = f16_to_f32(bits);
    if (std::isnan(b)) {
      EXPECT_TRUE(std::isnan(a)) << h;
    } else {
      EXPECT_EQ(std::memcmp(&a, &b, 4), 0) << h;
    }
    const float c = internal::bf16_bits_to_f32(bits), d = bf16_to_f32(bits);
    if (std::isnan(d)) {
      EXPECT_TRUE(std::isnan(c)) << h;
    } else {
      EXPECT_EQ(std::memcmp(&c, &d, 4), 0) << h;
    }
  }
}

}  // namespace
}  // namespace plexus::kernels
