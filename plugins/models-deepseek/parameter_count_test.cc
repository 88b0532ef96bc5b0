// Parameter counts checked against the numbers the model authors publish.
#include "parameter_count.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace plexus::deepseek {
namespace {

ModelSummary summary_of(const char* json) {
  auto parsed = parse_model_config(boost::json::parse(json).as_object());
  EXPECT_TRUE(parsed.ok()) << parsed.status().to_string();
  return summarize(*parsed);
}

// SmolLM2-135M-Instruct's config.json (the keys that matter).
constexpr const char* kSmolLm2 = R"({
  "architectures": ["LlamaForCausalLM"], "hidden_size": 576, "intermediate_size": 1536,
  "num_hidden_layers": 30, "num_attention_heads": 9, "num_key_value_heads": 3,
  "vocab_size": 49152, "max_position_embeddings": 8192, "tie_word_embeddings": true})";

// DeepSeek-V3's config.json (the keys that matter; values from the published config).
constexpr const char* kDeepseekV3 = R"({
  "architectures": ["DeepseekV3ForCausalLM"], "vocab_size": 129280, "hidden_size": 7168,
  "intermediate_size": 18432, "moe_intermediate_size": 2048, "num_hidden_layers": 61,
  "num_attention_heads": 128, "num_key_value_heads": 128, "n_shared_experts": 1,
  "n_routed_experts": 256, "num_experts_per_tok": 8, "first_k_dense_replace": 3,
  "moe_layer_freq": 1, "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_nope_head_dim": 128,
  "qk_rope_head_dim": 64, "v_head_dim": 128, "topk_method": "noaux_tc",
  "max_position_embeddings": 163840, "tie_word_embeddings": false})";

TEST(ParameterCount, SmolLm2MatchesThePublishedSize) {
  ModelSummary s = summary_of(kSmolLm2);
  // Hugging Face lists SmolLM2-135M at 134,515,008 parameters (tied embeddings counted once).
  EXPECT_EQ(s.total_parameters, 134515008);
  EXPECT_EQ(s.active_parameters, s.total_parameters);
  EXPECT_EQ(s.kv_values_per_token_per_layer, 2 * 3 * 64);
}

TEST(ParameterCount, DeepseekV3Is671BTotal37BActive) {
  ModelSummary s = summary_of(kDeepseekV3);
  // The DeepSeek-V3 report: 671B total parameters, 37B activated per token (MTP excluded).
  EXPECT_GT(s.total_parameters, 670'000'000'000);
  EXPECT_LT(s.total_parameters, 672'000'000'000);
  EXPECT_GT(s.active_parameters, 36'500'000'000);
  EXPECT_LT(s.active_parameters, 38'000'000'000);
  EXPECT_EQ(s.kv_values_per_token_per_layer, 512 + 64);
}

TEST(ModelConfig, ErrorsNameTheKey) {
  auto missing = parse_model_config(
      boost::json::parse(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 8})")
          .as_object());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "config.json has no 'vocab_size'");

  auto unknown = parse_model_config(
      boost::json::parse(R"({"architectures": ["GPT2LMHeadModel"]})").as_object());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnsupported);

  auto bad_heads = parse_model_config(boost::json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "vocab_size": 10, "hidden_size": 8,
    "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 3,
    "num_key_value_heads": 2})")
                                          .as_object());
  ASSERT_FALSE(bad_heads.ok());
  EXPECT_EQ(bad_heads.status().message(),
            "config.json num_attention_heads (3) must be a multiple of num_key_value_heads (2)");

  auto negative = parse_model_config(boost::json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "vocab_size": -5})")
                                         .as_object());
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().message(), "config.json 'vocab_size' = -5 is out of range");
}

}  // namespace
}  // namespace plexus::deepseek
