#include "gptq_config.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace plexus::gptq {
namespace {

Result<GptqConfig> parse(const char* json) {
  return parse_gptq_config(boost::json::parse(json).as_object());
}

TEST(GptqConfig, ReadsActOrderV2) {
  auto c = parse(R"({"quant_method": "gptq", "bits": 8, "group_size": 32, "desc_act": true,
                    "sym": false, "checkpoint_format": "gptq_v2"})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->bits, 8);
  EXPECT_TRUE(c->desc_act);
  EXPECT_FALSE(c->sym);
  EXPECT_EQ(c->format, CheckpointFormat::kGptqV2);
  EXPECT_DOUBLE_EQ(c->bytes_per_weight(), 1.0 + 3.0 / 32);
  EXPECT_FALSE(c->is_quantized("lm_head"));
  EXPECT_TRUE(c->is_quantized("model.layers.0.self_attn.q_proj"));
}

TEST(GptqConfig, RefusalsNameTheKey) {
  EXPECT_EQ(parse(R"({"bits": 5})").status().message(),
            "GPTQ quantization config: 'bits' must be 2, 3, 4 or 8, got 5");
  EXPECT_EQ(parse(R"({"group_size": 100})").status().message(),
            "GPTQ quantization config: 'group_size' must be -1 or a power of two from 16 to "
            "4096, got 100");
  EXPECT_EQ(parse(R"({"desc_act": "yes"})").status().message(),
            "GPTQ quantization config: 'desc_act' must be true or false, got \"yes\"");
  EXPECT_EQ(parse(R"({"checkpoint_format": "marlin"})").status().message(),
            "GPTQ quantization config: 'checkpoint_format' must be \"gptq\" or \"gptq_v2\", got "
            "\"marlin\" (convert Marlin/other layouts back to gptq first)");
  const std::string bad_regex = parse(R"({"dynamic": {"+:(": {}}})").status().message();
  EXPECT_TRUE(bad_regex.starts_with(
      "GPTQ quantization config: 'dynamic' pattern \"+:(\" is not a regular expression: "))
      << bad_regex;
  EXPECT_EQ(parse(R"({"dynamic": {"lm_head": {"bits": 6}}})").status().message(),
            "GPTQ quantization config: 'dynamic[\"lm_head\"].bits' must be 2, 3, 4 or 8, got 6");
  EXPECT_EQ(parse(R"({"dynamic": {"lm_head": 8}})").status().message(),
            "GPTQ quantization config: 'dynamic[\"lm_head\"]' must be an object of overrides, "
            "got 8");
}

// GPTQModel's `dynamic`: the first pattern (in file order) matching from the start of the
// module name decides; "-:" leaves a module dense; other override keys are ignored.
TEST(GptqConfig, DynamicRulesGiveModulesTheirOwnSettings) {
  auto c = parse(R"({"bits": 4, "group_size": 128, "lm_head": true, "dynamic": {
      "-:model\\.layers\\.0\\.self_attn\\.v_proj": {},
      "+:.*layers\\.1\\.mlp\\..*": {"bits": 8, "group_size": 32, "mse": 2.4},
      ".*mlp.*": {"bits": 2, "sym": false, "desc_act": true},
      "lm_head": {"bits": 8, "group_size": 32}}})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_FALSE(c->is_quantized("model.layers.0.self_attn.v_proj"));
  EXPECT_TRUE(c->is_quantized("model.layers.1.self_attn.v_proj"));
  EXPECT_TRUE(c->is_quantized("lm_head"));
  const GptqConfig mlp1 = c->resolved("model.layers.1.mlp.up_proj");
  EXPECT_EQ(mlp1.bits, 8);
  EXPECT_EQ(mlp1.group_size, 32);
  EXPECT_TRUE(mlp1.sym);
  const GptqConfig mlp0 = c->resolved("model.layers.0.mlp.up_proj");  // the third rule
  EXPECT_EQ(mlp0.bits, 2);
  EXPECT_EQ(mlp0.group_size, 128);
  EXPECT_FALSE(mlp0.sym);
  EXPECT_TRUE(mlp0.desc_act);
  const GptqConfig attn = c->resolved("model.layers.0.self_attn.q_proj");  // no rule
  EXPECT_EQ(attn.bits, 4);
  EXPECT_TRUE(attn.dynamic.empty());
  EXPECT_EQ(c->resolved("lm_head").bits, 8);
  // Matched from the start of the name, as Python's re.match: "mlp" alone matches nothing.
  auto anchored = parse(R"({"dynamic": {"mlp": {"bits": 8}}})");
  ASSERT_TRUE(anchored.ok());
  EXPECT_EQ(anchored->rule_for("model.layers.0.mlp.up_proj"), nullptr);
}

}  // namespace
}  // namespace plexus::gptq
