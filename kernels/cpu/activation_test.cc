#include "activation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "test_util.h"

namespace plexus::kernels {
namespace {

TEST(SiluMul, MatchesTheFormula) {
  const auto gate = testing::random_floats(37, 41, -8.0f, 8.0f);
  const auto up = testing::random_floats(37, 42);
  std::vector<float> out(37);
  silu_mul(gate.data(), up.data(), out.data(), 37);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double g = gate[i];
    EXPECT_NEAR(out[i], g / (1 + std::exp(-g)) * up[i], 1e-6 * (1 + std::fabs(out[i])));
  }
}

TEST(SiluAndMul, SplitsTheFusedRow) {
  const std::int64_t rows = 3, d = 5;
  const auto gate_up = testing::random_floats(std::size_t(rows * 2 * d), 43);
  std::vector<float> out(std::size_t(rows * d)), want(std::size_t(rows * d));
  silu_and_mul(gate_up.data(), out.data(), rows, d);
  for (std::int64_t r = 0; r < rows; ++r)
    silu_mul(gate_up.data() + r * 2 * d, gate_up.data() + r * 2 * d + d, want.data() + r * d, d);
  EXPECT_EQ(out, want);
}

TEST(Softmax, RowsSumToOneAndMatchDouble) {
  const std::int64_t rows = 4, cols = 19;
  auto x = testing::random_floats(std::size_t(rows * cols), 44, -20.0f, 20.0f);
  const auto orig = x;
  softmax(x.data(), rows, cols);
  for (std::int64_t r = 0; r < rows; ++r) {
    double max = -1e300, sum = 0;
    for (std::int64_t c = 0; c < cols; ++c) max = std::max(max, double(orig[r * cols + c]));
    for (std::int64_t c = 0; c < cols; ++c) sum += std::exp(orig[r * cols + c] - max);
    for (std::int64_t c = 0; c < cols; ++c) {
      const double want = std::exp(orig[r * cols + c] - max) / sum;
      EXPECT_NEAR(x[r * cols + c], want, 1e-6 + 1e-5 * want);
    }
  }
}

TEST(Softmax, AllMaskedRowBecomesZeros) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {-inf, -inf, -inf};
  softmax(x.data(), 1, 3);
  EXPECT_EQ(x, (std::vector<float>{0, 0, 0}));
}

TEST(Argmax, FirstMaximumAndNaNSkipped) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {1, 5, nan, 5, 2};
  EXPECT_EQ(argmax(x.data(), 5), 1);
  EXPECT_EQ(argmax(x.data(), 0), -1);
  const std::vector<float> all_nan = {nan, nan};
  EXPECT_EQ(argmax(all_nan.data(), 2), -1);
  const std::vector<float> rows = {0, 3, 1, 9, 9, 2};
  std::vector<std::int64_t> out(2);
  argmax_rows(rows.data(), 2, 3, out.data());
  EXPECT_EQ(out, (std::vector<std::int64_t>{1, 0}));
}

}  // namespace
}  // namespace plexus::kernels
