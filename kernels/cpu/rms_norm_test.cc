#include "rms_norm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "test_util.h"

namespace plexus::kernels {
namespace {

TEST(RmsNormReference, NormalisesEachRowByItsOwnRms) {
  // Row 0: [3, 4] has mean square 12.5; row 1: [1, 1] has 1.
  const std::vector<float> x = {3, 4, 1, 1};
  const std::vector<float> w = {1, 2};
  std::vector<float> y(4);
  rms_norm_reference(x.data(), w.data(), y.data(), 2, 2, 0.0f);
  const float inv = 1.0f / std::sqrt(12.5f);
  EXPECT_FLOAT_EQ(y[0], 3 * inv);
  EXPECT_FLOAT_EQ(y[1], 8 * inv);
  EXPECT_FLOAT_EQ(y[2], 1.0f);
  EXPECT_FLOAT_EQ(y[3], 2.0f);
}

TEST(RmsNormReference, EpsilonKeepsAZeroRowFinite) {
  const std::vector<float> x = {0, 0, 0};
  const std::vector<float> w = {1, 1, 1};
  std::vector<float> y(3, -1.0f);
  rms_norm_reference(x.data(), w.data(), y.data(), 1, 3, 1e-6f);
  for (float v : y) EXPECT_EQ(v, 0.0f);
}

TEST(RmsNorm, MatchesReferenceAndIsThreadInvariant) {
  for (std::int64_t cols : {1, 7, 8, 9, 64, 576, 1001}) {
    const std::int64_t rows = 5;
    const auto x = testing::random_floats(std::size_t(rows * cols), 21, -3.0f, 3.0f);
    const auto w = testing::random_floats(std::size_t(cols), 22);
    std::vector<float> want(x.size()), one(x.size()), two(x.size());
    rms_norm_reference(x.data(), w.data(), want.data(), rows, cols, 1e-5f);
    ThreadPool p1(1), p2(2);
    rms_norm(x.data(), w.data(), one.data(), rows, cols, 1e-5f, &p1);
    rms_norm(x.data(), w.data(), two.data(), rows, cols, 1e-5f, &p2);
    testing::expect_near_all(one, want, 1e-6f, 1e-5f, "rms_norm");
    EXPECT_TRUE(testing::bitwise_equal(one.data(), two.data(), one.size())) << cols;
    // A row normalised alone equals the same row inside the batch.
    std::vector<float> alone(static_cast<std::size_t>(cols));
    rms_norm(x.data() + 3 * cols, w.data(), alone.data(), 1, cols, 1e-5f, &p2);
    EXPECT_TRUE(testing::bitwise_equal(alone.data(), one.data() + 3 * cols, alone.size()));
  }
}

TEST(RmsNorm, WorksInPlace) {
  auto x = testing::random_floats(64, 23);
  const auto w = testing::random_floats(32, 24);
  std::vector<float> want(64);
  rms_norm_reference(x.data(), w.data(), want.data(), 2, 32, 1e-6f);
  rms_norm(x.data(), w.data(), x.data(), 2, 32, 1e-6f);
  testing::expect_near_all(x, want, 1e-6f, 1e-5f, "in place");
}

}  // namespace
}  // namespace plexus::kernels
