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
  EXPECT_FALSE(parse(R"({"dynamic": {"-:.*mlp.*": {}}})").ok());
}

}  // namespace
}  // namespace plexus::gptq
