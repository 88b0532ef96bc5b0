// GptqLinear against GPTQModel's own numbers (tests/fixtures/quant/gptq_*, made by
// tools/quant/make_quant_fixtures.py): the dequantised weights bit for bit in f16, the fused
// kernel against the reference, tensor-parallel slices, the model's logits against transformers,
// and the refusals.
#include "gptq_linear.h"

#include <gtest/gtest.h>

#include <cmath>

#include "quant_fixture_test_util.h"

namespace plexus::gptq {
namespace {

using quant_test::Variant;

const std::string kVariants[] = {"gptq_b4_sym_g32",         "gptq_b4_asym_act_g32",
                                 "gptq_b4_asym_act_g64_v2", "gptq_b8_asym_act_g32",
                                 "gptq_b2_asym_g32",        "gptq_b4_dynamic_lm_head"};
// down_proj: in = intermediate 256, out = hidden 128.
const char* const kModule = "model.layers.1.mlp.down_proj";
constexpr std::int64_t kIn = 256, kOut = 128;

class GptqFixture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(v_.open(GetParam()).ok());
    auto c = parse_gptq_config(v_.qconfig);
    ASSERT_TRUE(c.ok()) << c.status().to_string();
    base_ = *c;
    config_ = c->resolved(kModule);  // kModule's own settings under `dynamic`
  }
  Result<std::unique_ptr<GptqLinear>> load(ShardKind shard = ShardKind::kNone, int rank = 0,
                                           int world = 1) {
    return GptqLinear::load(config_, LinearSpec{kModule, kIn, kOut, false, shard, rank, world},
                            *v_.weights);
  }
  Variant v_;
  GptqConfig base_, config_;
};

TEST_P(GptqFixture, DequantisationEqualsGptqModelsExactly) {
  auto l = load();
  ASSERT_TRUE(l.ok()) << l.status().to_string();
  EXPECT_EQ((*l)->act_order(), config_.desc_act);
  std::vector<float> w(std::size_t(kIn * kOut));
  ASSERT_TRUE((*l)->dequantize_reference(w.data()).ok());
  EXPECT_EQ(quant_test::count_f16_mismatches(v_.ref, kModule, w), 0);
}

TEST_P(GptqFixture, FusedKernelMatchesTheReferenceAndIgnoresTheBatch) {
  auto l = load();
  ASSERT_TRUE(l.ok()) << l.status().to_string();
  std::vector<float> w(std::size_t(kIn * kOut));
  ASSERT_TRUE((*l)->dequantize_reference(w.data()).ok());
  quant_test::expect_fused_matches_dequantised(**l, w);
}

TEST_P(GptqFixture, ColumnAndRowSlicesRebuildTheLayer) {
  auto full = load();
  ASSERT_TRUE(full.ok());
  std::vector<float> x(kIn), y(kOut);
  for (std::int64_t k = 0; k < kIn; ++k) x[k] = std::sin(0.37f * float(k));
  ASSERT_TRUE((*full)->forward(x.data(), 1, y.data()).ok());
  auto load_rank = [&](ShardKind shard, int rank) { return load(shard, rank, 2); };
  quant_test::expect_column_slices_rebuild(load_rank, x, y);
  auto row = load(ShardKind::kRow, 0, 2);
  if (config_.desc_act) {
    ASSERT_FALSE(row.ok());
    EXPECT_NE(row.status().message().find("act-order (desc_act)"), std::string::npos)
        << row.status().message();
    return;
  }
  ASSERT_TRUE(row.ok()) << row.status().to_string();
  quant_test::expect_row_slices_sum(load_rank, x, y);
}

TEST_P(GptqFixture, TinyLlamaLogitsMatchTransformers) {
  quant_test::QuantModel qm;
  Status s = qm.build("quant-gptq", v_);
  ASSERT_TRUE(s.ok()) << s.to_string();
  quant_test::expect_prefill_matches(*qm.model, v_.ref, 1e-3);
}

// `[quant] activations = "int8"`: every layer the int8 kernel takes runs it (all but 8-bit
// codes). The logits match transformers running the same int8 rounding, and stay within
// kInt8Tolerance of its exact f32 forward.
TEST_P(GptqFixture, Int8ActivationsMatchTransformersWithTheSameRounding) {
  auto layer = GptqLinear::load(config_, LinearSpec{kModule, kIn, kOut}, *v_.weights,
                                quant::Activations::kInt8);
  ASSERT_TRUE(layer.ok()) << layer.status().to_string();
  EXPECT_EQ((*layer)->int8_activations(), config_.bits != 8);
  quant_test::expect_int8_model_matches("quant-gptq", v_, GetParam(), base_.bits != 8);
}

INSTANTIATE_TEST_SUITE_P(GptqModelCheckpoints, GptqFixture, ::testing::ValuesIn(kVariants));

TEST(GptqLinear, RefusalsNameTheTensorAndTheFix) {
  Variant v;
  ASSERT_TRUE(v.open("gptq_b4_sym_g32").ok());
  GptqConfig config = *parse_gptq_config(v.qconfig);
  // The model says 512 inputs where the checkpoint has 256 (g_idx is read first).
  auto wrong = GptqLinear::load(config, LinearSpec{kModule, 512, kOut}, *v.weights);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(),
            "model.layers.1.mlp.down_proj.g_idx is I32 [256]; 4-bit GPTQ with group_size 32 and "
            "in/out features 512/128 needs I32 [512]");
  auto wide = GptqLinear::load(config, LinearSpec{kModule, kIn, 256}, *v.weights);
  ASSERT_FALSE(wide.ok());
  EXPECT_EQ(wide.status().message(),
            "model.layers.1.mlp.down_proj.qweight is I32 [32, 128]; 4-bit GPTQ with group_size "
            "32 and in/out features 256/256 needs I32 [32, 256]");
  // A row split that cuts groups: 256 rows in 16 parts of 16 < group 32.
  auto cut = GptqLinear::load(config, LinearSpec{kModule, kIn, kOut, false, ShardKind::kRow, 0, 16},
                              *v.weights);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().message(),
            "model.layers.1.mlp.down_proj: a row-parallel split of 256 inputs into 16 parts of "
            "16 cuts its groups of 32 rows; use a tensor_parallel_size that divides the group "
            "count 8");
  auto missing =
      GptqLinear::load(config, LinearSpec{"model.layers.9.mlp.down_proj", kIn, kOut}, *v.weights);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("model.layers.9.mlp.down_proj"), std::string::npos);
  GptqConfig three = config;
  three.bits = 3;
  auto b3 = GptqLinear::load(three, LinearSpec{kModule, kIn, kOut}, *v.weights);
  EXPECT_EQ(b3.status().message(),
            "model.layers.1.mlp.down_proj: 3-bit GPTQ has no CPU kernel yet (2, 4 and 8 bits do)");
}

}  // namespace
}  // namespace plexus::gptq
