#include "awq_config.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace plexus::awq {
namespace {

Result<AwqConfig> parse(const char* json) {
  return parse_awq_config(boost::json::parse(json).as_object());
}

TEST(AwqConfig, ReadsTheTransformersSpelling) {
  auto c = parse(R"({"quant_method": "awq", "bits": 4, "group_size": 64, "zero_point": false,
                    "version": "GEMM", "modules_to_not_convert": ["mlp.gate"]})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->group_size, 64);
  EXPECT_FALSE(c->zero_point);
  EXPECT_FALSE(c->is_quantized("model.layers.3.mlp.gate"));
  EXPECT_TRUE(c->is_quantized("model.layers.3.mlp.up_proj"));
  EXPECT_DOUBLE_EQ(c->bytes_per_weight(), 0.5 + 2.0 / 64);
}

TEST(AwqConfig, ReadsTheLegacyQuantConfigSpelling) {
  auto c = parse(R"({"w_bit": 4, "q_group_size": 128, "zero_point": true, "version": "gemm"})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->group_size, 128);
  EXPECT_DOUBLE_EQ(c->bytes_per_weight(), 0.5 + 2.5 / 128);
}

TEST(AwqConfig, RefusalsNameTheKeyAndTheFix) {
  EXPECT_EQ(parse(R"({"bits": 3})").status().message(),
            "AWQ quantization config: 'bits' must be 4 (AWQ checkpoints are 4-bit), got 3");
  EXPECT_EQ(parse(R"({"q_group_size": 100})").status().message(),
            "AWQ quantization config: 'q_group_size' must be 32, 64, 128 or -1, got 100");
  EXPECT_EQ(parse(R"({"version": "gemv"})").status().message(),
            "AWQ quantization config: 'version' is \"gemv\"; plexus reads the GEMM layout "
            "(\"gemm\") only: re-export the checkpoint with version=\"gemm\"");
  EXPECT_EQ(parse(R"({"quant_method": "gptq"})").status().message(),
            "AWQ quantization config: 'quant_method' is \"gptq\"; this plugin reads \"awq\" "
            "checkpoints");
  EXPECT_EQ(parse(R"({"modules_to_not_convert": "lm_head"})").status().message(),
            "AWQ quantization config: 'modules_to_not_convert' must be a list of module names "
            "or null");
  EXPECT_EQ(parse(R"({"dynamic": {"-:model.layers.0.mlp.*": {}}})").status().message(),
            "AWQ quantization config: 'dynamic' (GPTQModel's per-module overrides and skips) is "
            "not supported yet; list modules left dense in 'modules_to_not_convert' instead");
  EXPECT_TRUE(parse(R"({"dynamic": null})").ok());
  EXPECT_TRUE(parse(R"({"dynamic": {}})").ok());
}

}  // namespace
}  // namespace plexus::awq
