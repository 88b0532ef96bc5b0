#include "plexus/tensor.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace plexus {
namespace {

TEST(Tensor, ContiguousViewShapeAndStrides) {
  float data[24] = {};
  Tensor t(data, DType::kF32, {2, 3, 4});
  EXPECT_EQ(t.ndim(), 3);
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.nbytes(), 96u);
  EXPECT_EQ(t.stride(0), 12);
  EXPECT_EQ(t.stride(2), 1);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.describe(), "F32[2, 3, 4] on cpu");
}

TEST(Tensor, SliceIsAView) {
  float data[12];
  for (int i = 0; i < 12; ++i) data[i] = float(i);
  Tensor t(data, DType::kF32, {3, 4});
  Tensor rows = t.slice(0, 1, 3);
  EXPECT_EQ(rows.dim(0), 2);
  EXPECT_EQ(rows.data_as<float>()[0], 4.0f);
  EXPECT_TRUE(rows.is_contiguous());
  Tensor cols = t.slice(1, 2, 4);
  EXPECT_EQ(cols.data_as<float>()[0], 2.0f);
  EXPECT_EQ(cols.stride(0), 4);
  EXPECT_FALSE(cols.is_contiguous());
}

TEST(Buffer, AllocatesAlignedAndMoves) {
  auto b = Buffer::allocate(cpu_allocator(), 1000);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b->data()) % 64, 0u);
  Buffer moved = std::move(*b);
  EXPECT_EQ(b->data(), nullptr);
  EXPECT_EQ(moved.size(), 1000u);
  std::int64_t shape[] = {10, 25};
  Tensor t = moved.view(DType::kF32, shape);
  EXPECT_EQ(t.nbytes(), 1000u);
}

TEST(Buffer, HugeAllocationIsAnErrorNotACrash) {
  auto b = Buffer::allocate(cpu_allocator(), SIZE_MAX - 8);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace plexus
