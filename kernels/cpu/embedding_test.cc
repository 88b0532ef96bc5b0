#include "embedding.h"

#include <gtest/gtest.h>

#include <vector>

#include "plexus/dtype.h"
#include "test_util.h"

namespace plexus::kernels {
namespace {

TEST(Embedding, CopiesRowsForEveryDtype) {
  const std::int64_t vocab = 11, dim = 7;
  const auto table = testing::random_floats(std::size_t(vocab * dim), 51);
  std::vector<std::uint16_t> bf16(table.size()), f16(table.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    bf16[i] = f32_to_bf16(table[i]);
    f16[i] = f32_to_f16(table[i]);
  }
  const std::vector<std::int32_t> ids = {3, 0, 10, 3};
  std::vector<float> out(ids.size() * dim);
  ASSERT_TRUE(embedding(ids.data(), 4, table.data(), DType::kF32, vocab, dim, out.data()).ok());
  for (std::size_t t = 0; t < ids.size(); ++t)
    for (std::int64_t c = 0; c < dim; ++c) EXPECT_EQ(out[t * dim + c], table[ids[t] * dim + c]);
  ASSERT_TRUE(embedding(ids.data(), 4, bf16.data(), DType::kBF16, vocab, dim, out.data()).ok());
  for (std::size_t t = 0; t < ids.size(); ++t)
    for (std::int64_t c = 0; c < dim; ++c)
      EXPECT_EQ(out[t * dim + c], bf16_to_f32(bf16[ids[t] * dim + c]));
  ASSERT_TRUE(embedding(ids.data(), 4, f16.data(), DType::kF16, vocab, dim, out.data()).ok());
  for (std::size_t t = 0; t < ids.size(); ++t)
    for (std::int64_t c = 0; c < dim; ++c)
      EXPECT_EQ(out[t * dim + c], f16_to_f32(f16[ids[t] * dim + c]));
}

TEST(Embedding, RejectsIdsOutsideTheVocabulary) {
  const std::vector<float> table(6, 1.0f);
  std::vector<float> out(6, -1.0f);
  const std::vector<std::int32_t> ids = {1, 3};
  const Status s = embedding(ids.data(), 2, table.data(), DType::kF32, 3, 2, out.data());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("token 1"), std::string::npos) << s.message();
  EXPECT_EQ(out, std::vector<float>(6, -1.0f));  // nothing written
  EXPECT_EQ(embedding(ids.data(), 1, table.data(), DType::kI32, 3, 2, out.data()).code(),
            StatusCode::kUnsupported);
}

}  // namespace
}  // namespace plexus::kernels
