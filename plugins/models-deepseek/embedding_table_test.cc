// EmbeddingTable: read in place exactly when that changes no value, and the same rows either way.
#include "embedding_table.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "kernels/cpu/half_convert.h"

namespace plexus::deepseek {
namespace {

const std::string kName = "model.embed_tokens.weight";

std::string source_dir() {
  const char* dir = std::getenv("PLEXUS_SOURCE_DIR");
  return dir ? dir : ".";
}

std::unique_ptr<WeightSource> open_fixture(const std::string& relative) {
  auto w = open_weight_source(source_dir() + "/" + relative);
  EXPECT_TRUE(w.ok()) << w.status().to_string();
  return w.ok() ? std::move(*w) : nullptr;
}

// The rows of `ids` from the tensor as WeightSource::load converts it to `dtype`, widened to f32.
std::vector<float> loaded_rows(const WeightSource& w, DType dtype, const std::vector<int>& ids) {
  auto t = w.load(kName, dtype);
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  const std::int64_t hidden = t->tensor.dim(1);
  std::vector<float> out;
  for (int id : ids) {
    for (std::int64_t c = 0; c < hidden; ++c) {
      const std::int64_t i = id * hidden + c;
      if (dtype == DType::kF32) {
        out.push_back(static_cast<const float*>(t->tensor.data())[i]);
      } else {
        const std::uint16_t bits = static_cast<const std::uint16_t*>(t->tensor.data())[i];
        out.push_back(dtype == DType::kBF16 ? kernels::internal::bf16_bits_to_f32(bits)
                                            : kernels::internal::f16_bits_to_f32(bits));
      }
    }
  }
  return out;
}

std::vector<float> looked_up(const EmbeddingTable& table, const std::vector<int>& ids,
                             std::int64_t hidden) {
  std::vector<std::int32_t> tokens(ids.begin(), ids.end());
  std::vector<float> out(tokens.size() * std::size_t(hidden), -1.0f);
  const Status s = table.lookup(tokens.data(), std::int64_t(tokens.size()), out.data());
  EXPECT_TRUE(s.ok()) << s.to_string();
  return out;
}

struct Case {
  const char* fixture;
  DType stored;
  DType dense;
  bool in_place;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.fixture << " stored " << dtype_name(c.stored) << ", dense " << dtype_name(c.dense);
}

class EmbeddingTableOfFixture : public ::testing::TestWithParam<Case> {};

TEST_P(EmbeddingTableOfFixture, ReadsInPlaceOnlyWhereNoValueChanges) {
  const Case c = GetParam();
  auto w = open_fixture(c.fixture);
  ASSERT_NE(w, nullptr);
  auto raw = w->raw(kName);
  ASSERT_TRUE(raw.ok()) << raw.status().to_string();
  ASSERT_EQ(raw->info.dtype, c.stored) << "the fixture changed";
  const std::int64_t vocab = raw->info.shape[0], hidden = raw->info.shape[1];
  auto table = EmbeddingTable::load(*w, kName, vocab, hidden, c.dense);
  ASSERT_TRUE(table.ok()) << table.status().to_string();
  EXPECT_EQ(table->in_place(), c.in_place);
  if (c.in_place) {
    EXPECT_EQ(table->data(), static_cast<const void*>(raw->data));  // the mapping itself
    EXPECT_EQ(table->dtype(), c.stored);
    EXPECT_EQ(table->held_bytes(), 0u);
  } else {
    EXPECT_EQ(table->dtype(), c.dense);
    EXPECT_EQ(table->held_bytes(), std::size_t(vocab * hidden) * dtype_size(c.dense));
  }
  // Every value is the one the converted copy (the behaviour before in-place reads) gives.
  const std::vector<int> ids = {0, 1, 7, int(vocab) - 1, 7};
  const std::vector<float> got = looked_up(*table, ids, hidden);
  const std::vector<float> want = loaded_rows(*w, c.dense, ids);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0);
}

INSTANTIATE_TEST_SUITE_P(
    StoredAndDenseDtypes, EmbeddingTableOfFixture,
    ::testing::Values(
        // f32 compute (the CPU default) widens any dense table exactly.
        Case{"tests/fixtures/models/llama_basic", DType::kF32, DType::kF32, true},
        Case{"tests/fixtures/models/llama3_rope", DType::kBF16, DType::kF32, true},
        Case{"tests/fixtures/models/qwen2_bias", DType::kF16, DType::kF32, true},
        // The stored dtype itself.
        Case{"tests/fixtures/models/llama3_rope", DType::kBF16, DType::kBF16, true},
        // A narrower dense dtype rounds the stored values: a converted copy, as before.
        Case{"tests/fixtures/models/llama_basic", DType::kF32, DType::kBF16, false},
        Case{"tests/fixtures/models/qwen2_bias", DType::kF16, DType::kBF16, false}),
    [](const ::testing::TestParamInfo<Case>& info) {
      const std::string path = info.param.fixture;
      return path.substr(path.rfind('/') + 1) + "_as_" + std::string(dtype_name(info.param.dense));
    });

TEST(EmbeddingTable, NotOnTheCpuItIsACopy) {
  auto w = open_fixture("tests/fixtures/models/llama3_rope");
  ASSERT_NE(w, nullptr);
  auto table = EmbeddingTable::load(*w, kName, 256, 64, DType::kF32, Device{DeviceKind::kCuda, 0});
  ASSERT_TRUE(table.ok()) << table.status().to_string();
  EXPECT_FALSE(table->in_place());
}

TEST(EmbeddingTable, AQuantisedGgufTableIsDequantisedIntoMemory) {
  const std::string gguf = "models/SmolLM2-135M-Instruct.Q4_1.gguf";
  ASSERT_TRUE(std::filesystem::exists(source_dir() + "/" + gguf))
      << gguf << " is missing: run scripts/fetch-model";
  auto w = open_fixture(gguf);
  ASSERT_NE(w, nullptr);
  auto info = w->info(kName);
  ASSERT_TRUE(info.ok());
  ASSERT_FALSE(info->dtype.has_value()) << info->type_name << ": expected a quantised table";
  const std::int64_t vocab = info->shape[0], hidden = info->shape[1];
  auto table = EmbeddingTable::load(*w, kName, vocab, hidden, DType::kF32);
  ASSERT_TRUE(table.ok()) << table.status().to_string();
  EXPECT_FALSE(table->in_place());
  const std::vector<int> ids = {0, 2, 1000, int(vocab) - 1};
  EXPECT_EQ(looked_up(*table, ids, hidden), loaded_rows(*w, DType::kF32, ids));
}

TEST(EmbeddingTable, AWrongShapeNamesTheTensor) {
  auto w = open_fixture("tests/fixtures/models/llama3_rope");
  ASSERT_NE(w, nullptr);
  for (DType dense : {DType::kF32, DType::kF16}) {  // in place, and a copy
    auto table = EmbeddingTable::load(*w, kName, 255, 64, dense);
    ASSERT_FALSE(table.ok());
    EXPECT_EQ(table.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(table.status().message().find(
                  "model.embed_tokens.weight is [256, 64] (BF16), expected [255, 64]"),
              std::string::npos)
        << table.status().message();
  }
}

TEST(EmbeddingTable, AnIdOutsideTheVocabularyIsRefused) {
  auto w = open_fixture("tests/fixtures/models/llama3_rope");
  ASSERT_NE(w, nullptr);
  auto table = EmbeddingTable::load(*w, kName, 256, 64, DType::kF32);
  ASSERT_TRUE(table.ok());
  const std::int32_t ids[] = {3, 256};
  std::vector<float> out(2 * 64);
  const Status s = table->lookup(ids, 2, out.data());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("outside the vocabulary of 256"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace plexus::deepseek
