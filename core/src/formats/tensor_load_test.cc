#include "tensor_load.h"

#include <gtest/gtest.h>

#include <numeric>

namespace plexus::formats {
namespace {

// A [rows, cols] F32 tensor holding 0, 1, 2, ... in row-major order.
struct Dense {
  std::vector<float> values;
  StoredTensor stored;
  Dense(std::int64_t rows, std::int64_t cols) : values(std::size_t(rows * cols)) {
    std::iota(values.begin(), values.end(), 0.0f);
    stored.name = "w";
    stored.data = reinterpret_cast<const std::byte*>(values.data());
    stored.shape = {rows, cols};
    stored.dense = DType::kF32;
  }
};

std::vector<float> as_floats(const OwnedTensor& t) {
  const float* p = t.tensor.data_as<float>();
  return std::vector<float>(p, p + t.tensor.numel());
}

TEST(TensorLoad, WholeTensorCopies) {
  Dense d(3, 4);
  auto r = load_stored(d.stored, DType::kF32, {});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->tensor.describe(), "F32[3, 4] on cpu");
  EXPECT_EQ(as_floats(*r), d.values);
}

TEST(TensorLoad, ShardsRowsAndColumns) {
  Dense d(4, 6);
  auto rows = load_stored(d.stored, DType::kF32, {0, 1, 2});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->tensor.describe(), "F32[2, 6] on cpu");
  EXPECT_EQ(as_floats(*rows), (std::vector<float>{12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}));
  auto cols = load_stored(d.stored, DType::kF32, {1, 2, 3});
  ASSERT_TRUE(cols.ok());
  EXPECT_EQ(cols->tensor.describe(), "F32[4, 2] on cpu");
  EXPECT_EQ(as_floats(*cols), (std::vector<float>{4, 5, 10, 11, 16, 17, 22, 23}));
}

TEST(TensorLoad, ShardsAreErrorsWhenNotDivisible) {
  Dense d(3, 4);
  auto r = load_stored(d.stored, DType::kF32, {0, 0, 2});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("(3) into 2"), std::string::npos) << r.status().message();
  EXPECT_FALSE(load_stored(d.stored, DType::kF32, {2, 0, 1}).ok());
  EXPECT_FALSE(load_stored(d.stored, DType::kF32, {0, 2, 2}).ok());
  EXPECT_FALSE(load_stored(d.stored, DType::kF32, {0, 0, 0}).ok());
}

TEST(TensorLoad, ConvertsToHalfTypesAndRefusesOthers) {
  Dense d(1, 4);
  auto bf = load_stored(d.stored, DType::kBF16, {});
  ASSERT_TRUE(bf.ok());
  EXPECT_EQ(bf->tensor.data_as<std::uint16_t>()[3], f32_to_bf16(3.0f));
  auto h = load_stored(d.stored, DType::kF16, {});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->tensor.data_as<std::uint16_t>()[2], f32_to_f16(2.0f));
  auto bad = load_stored(d.stored, DType::kI32, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("compute dtype"), std::string::npos);
}

TEST(TensorLoad, RopeUnpermuteMatchesTheConverterFormula) {
  // Two heads of head_dim 4: HF rows [h0: a0 a1 b0 b1][h1: ...] were stored as a0 b0 a1 b1.
  auto map = rope_unpermute_rows(8, 2);
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(*map, (std::vector<std::int64_t>{0, 2, 1, 3, 4, 6, 5, 7}));
  EXPECT_FALSE(rope_unpermute_rows(6, 2).ok());
  Dense d(8, 2);
  d.stored.row_map = *map;
  auto r = load_stored(d.stored, DType::kF32, {0, 1, 2});
  ASSERT_TRUE(r.ok());
  // Rows 4..7 of the HF layout = stored rows 4, 6, 5, 7.
  EXPECT_EQ(as_floats(*r), (std::vector<float>{8, 9, 12, 13, 10, 11, 14, 15}));
}

TEST(TensorLoad, DequantisesPartialBlocks) {
  // One Q8_0 block: f16 scale 0.5 then q = -16..15; columns 3..5 of a [1, 32] row.
  std::vector<std::byte> block(34);
  const std::uint16_t half = f32_to_f16(0.5f);
  std::memcpy(block.data(), &half, 2);
  for (int i = 0; i < 32; ++i) block[2 + i] = std::byte(std::uint8_t(std::int8_t(i - 16)));
  StoredTensor t;
  t.name = "q";
  t.data = block.data();
  t.shape = {1, 32};
  t.ggml = ggml_type_traits(8);
  auto r = load_stored(t, DType::kF32, {1, 1, 8});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(as_floats(*r), (std::vector<float>{-6, -5.5, -5, -4.5}));
  t.ggml = ggml_type_traits(12);  // Q4_K: parsed, not dequantisable yet
  auto q4k = load_stored(t, DType::kF32, {});
  ASSERT_FALSE(q4k.ok());
  EXPECT_EQ(q4k.status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace plexus::formats
