// The built-in dense scheme against a double-precision reference, sharded and not.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "plexus/quant.h"
#include "plexus/weight_source.h"

namespace plexus {
namespace {

namespace fs = std::filesystem;

// Writes a Hugging Face folder with one F32 safetensors file holding `tensors`.
std::string write_checkpoint(
    const std::map<std::string, std::pair<std::vector<std::int64_t>, std::vector<float>>>&
        tensors) {
  const fs::path dir = fs::temp_directory_path() / ("plexus_linear_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"architectures": ["LlamaForCausalLM"]})";
  std::string header = "{";
  std::vector<float> data;
  for (const auto& [name, t] : tensors) {
    std::string shape;
    for (auto d : t.first) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    const std::size_t begin = data.size() * 4;
    data.insert(data.end(), t.second.begin(), t.second.end());
    header += (header.size() > 1 ? "," : "") + std::string("\"") + name +
              "\":{\"dtype\":\"F32\",\"shape\":[" + shape + "],\"data_offsets\":[" +
              std::to_string(begin) + "," + std::to_string(data.size() * 4) + "]}";
  }
  header += "}";
  while (header.size() % 8) header += ' ';
  std::ofstream out(dir / "model.safetensors", std::ios::binary);
  const std::uint64_t n = header.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << header;
  out.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size() * 4));
  return dir.string();
}

std::vector<float> random_values(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

class DenseLinearTest : public ::testing::Test {
 protected:
  static constexpr std::int64_t kIn = 37, kOut = 12, kRows = 5;
  void SetUp() override {
    w_ = random_values(kOut * kIn, 1);
    b_ = random_values(kOut, 2);
    x_ = random_values(kRows * kIn, 3);
    dir_ = write_checkpoint({{"l.weight", {{kOut, kIn}, w_}}, {"l.bias", {{kOut}, b_}}});
    auto source = open_weight_source(dir_);
    ASSERT_TRUE(source.ok()) << source.status().to_string();
    weights_ = std::move(*source);
  }
  void TearDown() override { fs::remove_all(dir_); }

  double reference(std::int64_t r, std::int64_t c, std::int64_t k_begin, std::int64_t k_end,
                   bool bias) const {
    double s = bias ? b_[c] : 0.0;
    for (std::int64_t k = k_begin; k < k_end; ++k) s += double(x_[r * kIn + k]) * w_[c * kIn + k];
    return s;
  }

  std::vector<float> w_, b_, x_;
  std::string dir_;
  std::unique_ptr<WeightSource> weights_;
};

TEST_F(DenseLinearTest, MatchesTheReferenceAndIsBatchInvariant) {
  LinearSpec spec{"l", kIn, kOut, true};
  auto linear = dense_quant_scheme().create_linear(spec, *weights_);
  ASSERT_TRUE(linear.ok()) << linear.status().to_string();
  std::vector<float> y(kRows * kOut), one(kOut);
  ASSERT_TRUE((*linear)->forward(x_.data(), kRows, y.data()).ok());
  for (std::int64_t r = 0; r < kRows; ++r) {
    for (std::int64_t c = 0; c < kOut; ++c) {
      EXPECT_NEAR(y[r * kOut + c], reference(r, c, 0, kIn, true), 1e-4);
    }
    // The same row alone gives the same bits.
    ASSERT_TRUE((*linear)->forward(x_.data() + r * kIn, 1, one.data()).ok());
    EXPECT_EQ(std::memcmp(one.data(), y.data() + r * kOut, kOut * 4), 0) << "row " << r;
  }
}

TEST_F(DenseLinearTest, ColumnAndRowShardsRebuildTheWholeLayer) {
  std::vector<float> y(kOut);
  for (int rank = 0; rank < 2; ++rank) {
    LinearSpec col{"l", kIn, kOut, true, ShardKind::kColumn, rank, 2};
    auto linear = dense_quant_scheme().create_linear(col, *weights_);
    ASSERT_TRUE(linear.ok()) << linear.status().to_string();
    EXPECT_EQ((*linear)->out_features(), kOut / 2);
    ASSERT_TRUE((*linear)->forward(x_.data(), 1, y.data()).ok());
    for (std::int64_t c = 0; c < kOut / 2; ++c) {
      EXPECT_NEAR(y[c], reference(0, rank * kOut / 2 + c, 0, kIn, true), 1e-4);
    }
  }
  // kIn = 37 does not split in two: a clear error, not a wrong answer.
  LinearSpec row{"l", kIn, kOut, true, ShardKind::kRow, 0, 2};
  EXPECT_FALSE(dense_quant_scheme().create_linear(row, *weights_).ok());
}

TEST_F(DenseLinearTest, Bfloat16StorageStaysClose) {
  LinearSpec spec{"l", kIn, kOut, false};
  auto linear = dense_quant_scheme(DType::kBF16).create_linear(spec, *weights_);
  ASSERT_TRUE(linear.ok()) << linear.status().to_string();
  EXPECT_EQ((*linear)->resident_bytes(), std::size_t(kOut * kIn * 2));
  std::vector<float> y(kOut);
  ASSERT_TRUE((*linear)->forward(x_.data(), 1, y.data()).ok());
  for (std::int64_t c = 0; c < kOut; ++c) EXPECT_NEAR(y[c], reference(0, c, 0, kIn, false), 0.1);
}

TEST_F(DenseLinearTest, WrongShapeNamesTheTensor) {
  LinearSpec spec{"l", kIn + 1, kOut, false};
  auto linear = dense_quant_scheme().create_linear(spec, *weights_);
  ASSERT_FALSE(linear.ok());
  EXPECT_EQ(linear.status().message(),
            "l.weight is F32[12, 37] on cpu, the model's config needs [12, 38]");
}

}  // namespace
}  // namespace plexus
