// The hyperparameters of the architectures this plugin serves, read from a Hugging Face
// config.json (or the equivalent object derived from GGUF metadata), with each missing or
// malformed key reported by name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "plexus/status.h"

namespace plexus::deepseek {

enum class Family { kLlama, kQwen2, kDeepseekV2, kDeepseekV3 };

struct MlaConfig {
  std::int64_t q_lora_rank = 0;  // 0: direct q_proj (V2-Lite)
  std::int64_t kv_lora_rank = 0;
  std::int64_t qk_nope_head_dim = 0;
  std::int64_t qk_rope_head_dim = 0;
  std::int64_t v_head_dim = 0;
};

struct MoeConfig {
  std::int64_t n_routed_experts = 0;
  std::int64_t n_shared_experts = 0;
  std::int64_t num_experts_per_tok = 0;
  std::int64_t moe_intermediate_size = 0;
  std::int64_t first_k_dense_replace = 0;
  std::int64_t moe_layer_freq = 1;
  std::string topk_method;  // "greedy", "group_limited_greedy", "noaux_tc"
};

struct ModelConfig {
  std::string architecture;
  Family family = Family::kLlama;
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t num_key_value_heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t max_position_embeddings = 0;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // q/k/v bias (always on for Qwen2)
  std::optional<MlaConfig> mla;
  std::optional<MoeConfig> moe;

  // True when layer `i` uses the routed-experts MLP.
  bool is_moe_layer(std::int64_t i) const;
};

Result<ModelConfig> parse_model_config(const boost::json::object& config);

}  // namespace plexus::deepseek
