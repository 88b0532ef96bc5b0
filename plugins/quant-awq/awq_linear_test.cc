// AwqLinear against GPTQModel's own AWQ numbers (tests/fixtures/quant/awq_*, made by
// tools/quant/make_quant_fixtures.py): the dequantised weights bit for bit in f16, the fused
// kernel against the reference, tensor-parallel slices, the model's logits against transformers,
// and the refusals.
#include "awq_linear.h"

#include <gtest/gtest.h>

#include <cmath>

#include "quant_fixture_test_util.h"

namespace plexus::awq {
namespace {

using quant_test::Variant;

// awq_g32_not_convert: awq_g32 with model.layers.0.mlp.* and layers.1.self_attn.v_proj stored
// dense and listed in modules_to_not_convert (the logits test loads them through the dense path).
const std::string kVariants[] = {"awq_g32", "awq_gm1", "awq_g32_not_convert"};
// down_proj: in = intermediate 256, out = hidden 128.
const char* const kModule = "model.layers.1.mlp.down_proj";
constexpr std::int64_t kIn = 256, kOut = 128;

class AwqFixture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(v_.open(GetParam()).ok());
    auto c = parse_awq_config(v_.qconfig);
    ASSERT_TRUE(c.ok()) << c.status().to_string();
    config_ = *c;
  }
  Result<std::unique_ptr<AwqLinear>> load(ShardKind shard = ShardKind::kNone, int rank = 0,
                                          int world = 1) {
    return AwqLinear::load(config_, LinearSpec{kModule, kIn, kOut, false, shard, rank, world},
                           *v_.weights);
  }
  Variant v_;
  AwqConfig config_;
};

TEST_P(AwqFixture, DequantisationEqualsGptqModelsExactly) {
  auto l = load();
  ASSERT_TRUE(l.ok()) << l.status().to_string();
  std::vector<float> w(std::size_t(kIn * kOut));
  ASSERT_TRUE((*l)->dequantize_reference(w.data()).ok());
  EXPECT_EQ(quant_test::count_f16_mismatches(v_.ref, kModule, w), 0);
}

TEST_P(AwqFixture, FusedKernelMatchesTheReferenceAndIgnoresTheBatch) {
  auto l = load();
  ASSERT_TRUE(l.ok()) << l.status().to_string();
  std::vector<float> w(std::size_t(kIn * kOut));
  ASSERT_TRUE((*l)->dequantize_reference(w.data()).ok());
  quant_test::expect_fused_matches_dequantised(**l, w);
}

TEST_P(AwqFixture, ColumnAndRowSlicesRebuildTheLayer) {
  auto full = load();
  ASSERT_TRUE(full.ok());
  std::vector<float> x(kIn), y(kOut);
  for (std::int64_t k = 0; k < kIn; ++k) x[k] = std::sin(0.37f * float(k));
  ASSERT_TRUE((*full)->forward(x.data(), 1, y.data()).ok());
  auto load_rank = [&](ShardKind shard, int rank) { return load(shard, rank, 2); };
  quant_test::expect_column_slices_rebuild(load_rank, x, y);
  quant_test::expect_row_slices_sum(load_rank, x, y);
}

TEST_P(AwqFixture, TinyLlamaLogitsMatchTransformers) {
  quant_test::QuantModel qm;
  Status s = qm.build("quant-awq", v_);
  ASSERT_TRUE(s.ok()) << s.to_string();
  quant_test::expect_prefill_matches(*qm.model, v_.ref, 1e-3);
}

// `[quant] activations = "int8"`: every packed layer runs the int8 kernel; the logits match
// transformers running the same int8 rounding, and stay within kInt8Tolerance of its exact f32
// forward.
TEST_P(AwqFixture, Int8ActivationsMatchTransformersWithTheSameRounding) {
  auto layer = AwqLinear::load(config_, LinearSpec{kModule, kIn, kOut}, *v_.weights,
                               quant::Activations::kInt8);
  ASSERT_TRUE(layer.ok()) << layer.status().to_string();
  EXPECT_TRUE((*layer)->int8_activations());
  quant_test::expect_int8_model_matches("quant-awq", v_, GetParam(), true);
}

INSTANTIATE_TEST_SUITE_P(GptqModelCheckpoints, AwqFixture, ::testing::ValuesIn(kVariants));

TEST(AwqConfig, ModulesToNotConvertMatchTheCheckpointsDenseTensors) {
  Variant v;
  ASSERT_TRUE(v.open("awq_g32_not_convert").ok());
  AwqConfig config = *parse_awq_config(v.qconfig);
  for (const char* dense : {"model.layers.0.mlp.gate_proj", "model.layers.0.mlp.up_proj",
                            "model.layers.0.mlp.down_proj", "model.layers.1.self_attn.v_proj"}) {
    EXPECT_FALSE(config.is_quantized(dense)) << dense;
    EXPECT_TRUE(v.weights->has(std::string(dense) + ".weight")) << dense;
  }
  for (const char* packed : {"model.layers.0.self_attn.v_proj", "model.layers.1.mlp.down_proj"}) {
    EXPECT_TRUE(config.is_quantized(packed)) << packed;
    EXPECT_TRUE(v.weights->has(std::string(packed) + ".qweight")) << packed;
  }
}

// The manifest's dtype reaches every layer a checkpoint keeps dense: all of a dense checkpoint's
// and the (tied) lm_head of an AWQ one, and the embedding table. bf16 storage rounds those
// weights, so the logits move a little away from the f32 ones, and stay close.
TEST(AwqModel, DenseLayersFollowTheManifestDtype) {
  for (const std::string variant : {"dense", "awq_g32"}) {
    SCOPED_TRACE(variant);
    Variant v;
    ASSERT_TRUE(v.open(variant).ok());
    const std::string plugin = variant == "dense" ? "" : "quant-awq";
    const std::vector<std::int32_t> ids = v.ref.ints("prompt_1/ids");
    std::vector<float> logits[2];
    for (int i = 0; i < 2; ++i) {
      quant_test::QuantModel qm;
      const DType dtype = i == 0 ? DType::kF32 : DType::kBF16;
      Status s = qm.build(plugin, v, &dense_quant_scheme(dtype), dtype);
      ASSERT_TRUE(s.ok()) << s.to_string();
      auto l = engine::prefill_logits(*qm.model, ids);
      ASSERT_TRUE(l.ok()) << l.status().to_string();
      logits[i] = *l;
    }
    const double error = quant_test::row_relative_error(logits[1], logits[0]);
    EXPECT_GT(error, 1e-6);
    EXPECT_LT(error, 5e-2);
  }
}

TEST(AwqLinear, RefusalsNameTheTensorAndTheFix) {
  Variant v;
  ASSERT_TRUE(v.open("awq_g32").ok());
  AwqConfig config = *parse_awq_config(v.qconfig);
  auto wrong = AwqLinear::load(config, LinearSpec{kModule, kIn, 256}, *v.weights);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(),
            "model.layers.1.mlp.down_proj.qweight is I32 [256, 16]; 4-bit AWQ with group_size 32 "
            "and in/out features 256/256 needs I32 [256, 32]");
  auto cut = AwqLinear::load(config, LinearSpec{kModule, kIn, kOut, false, ShardKind::kRow, 1, 16},
                             *v.weights);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(
      cut.status().message(),
      "model.layers.1.mlp.down_proj: a row-parallel split of 256 inputs into 16 parts of 16 "
      "cuts its groups of 32 rows; use a tensor_parallel_size that divides the group count 8");
  auto narrow = AwqLinear::load(
      config, LinearSpec{kModule, kIn, kOut, false, ShardKind::kColumn, 0, 32}, *v.weights);
  ASSERT_FALSE(narrow.ok());
  EXPECT_EQ(narrow.status().message(),
            "model.layers.1.mlp.down_proj: a column-parallel split of 128 outputs into 32 parts "
            "needs parts divisible by 8 (AWQ packs 8 columns per int32); use another "
            "tensor_parallel_size");
}

}  // namespace
}  // namespace plexus::awq
