#include "rms_norm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

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

}  // namespace
}  // namespace plexus::kernels
