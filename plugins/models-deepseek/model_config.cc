#include "model_config.h"

#include <boost/json.hpp>

namespace plexus::deepseek {
namespace {

// Reads integer hyperparameters, remembering the first problem so one message names it.
class Reader {
 public:
  explicit Reader(const boost::json::object& o) : o_(o) {}

  std::int64_t required(const char* key, std::int64_t min_value = 1) {
    const boost::json::value* v = o_.if_contains(key);
    if (!v) {
      fail("config.json has no '" + std::string(key) + "'");
      return 0;
    }
    return check(key, *v, min_value);
  }
  std::int64_t optional(const char* key, std::int64_t fallback, std::int64_t min_value = 0) {
    const boost::json::value* v = o_.if_contains(key);
    if (!v || v->is_null()) return fallback;
    return check(key, *v, min_value);
  }
  bool flag(const char* key, bool fallback) {
    const boost::json::value* v = o_.if_contains(key);
    if (!v || v->is_null()) return fallback;
    if (!v->is_bool()) fail("config.json '" + std::string(key) + "' must be true or false");
    return v->is_bool() ? v->get_bool() : fallback;
  }
  std::string text(const char* key, std::string fallback) {
    const boost::json::value* v = o_.if_contains(key);
    if (!v || v->is_null()) return fallback;
    if (!v->is_string()) {
      fail("config.json '" + std::string(key) + "' must be a string");
      return fallback;
    }
    return std::string(v->get_string());
  }
  Status status() const { return status_; }

 private:
  std::int64_t check(const char* key, const boost::json::value& v, std::int64_t min_value) {
    std::int64_t x = 0;
    if (v.is_int64()) {
      x = v.get_int64();
    } else if (v.is_uint64() && v.get_uint64() <= std::uint64_t(INT64_MAX)) {
      x = std::int64_t(v.get_uint64());
    } else {
      fail("config.json '" + std::string(key) + "' must be an integer, got " +
           boost::json::serialize(v));
      return 0;
    }
    // 2^40 bounds every real hyperparameter and keeps products of three of them in int64 range
    // for the parameter count (which checks its own sums).
    if (x < min_value || x > (std::int64_t(1) << 40)) {
      fail("config.json '" + std::string(key) + "' = " + std::to_string(x) + " is out of range");
    }
    return x;
  }
  void fail(std::string m) {
    if (status_.ok()) status_ = Status::invalid_argument(std::move(m));
  }
  const boost::json::object& o_;
  Status status_;
};

Result<Family> family_of(const boost::json::object& config, std::string* architecture) {
  const boost::json::value* archs = config.if_contains("architectures");
  if (!archs || !archs->is_array() || archs->get_array().empty() ||
      !archs->get_array()[0].is_string()) {
    return Status::invalid_argument("config.json has no \"architectures\" list naming the model");
  }
  *architecture = std::string(archs->get_array()[0].get_string());
  if (*architecture == "LlamaForCausalLM") return Family::kLlama;
  if (*architecture == "Qwen2ForCausalLM") return Family::kQwen2;
  if (*architecture == "DeepseekV2ForCausalLM") return Family::kDeepseekV2;
  if (*architecture == "DeepseekV3ForCausalLM") return Family::kDeepseekV3;
  return Status::unsupported("architecture '" + *architecture +
                             "' is not served by models-deepseek (it serves LlamaForCausalLM, "
                             "Qwen2ForCausalLM, DeepseekV2ForCausalLM, DeepseekV3ForCausalLM)");
}

}  // namespace

bool ModelConfig::is_moe_layer(std::int64_t i) const {
  return moe && i >= moe->first_k_dense_replace && i % moe->moe_layer_freq == 0;
}

Result<ModelConfig> parse_model_config(const boost::json::object& config) {
  ModelConfig c;
  PLEXUS_ASSIGN_OR_RETURN(c.family, family_of(config, &c.architecture));
  Reader r(config);
  c.vocab_size = r.required("vocab_size");
  c.hidden_size = r.required("hidden_size");
  c.intermediate_size = r.required("intermediate_size");
  c.num_hidden_layers = r.required("num_hidden_layers");
  c.num_attention_heads = r.required("num_attention_heads");
  c.num_key_value_heads = r.optional("num_key_value_heads", c.num_attention_heads, 1);
  c.max_position_embeddings = r.optional("max_position_embeddings", 2048, 1);
  c.tie_word_embeddings = r.flag("tie_word_embeddings", false);
  c.attention_bias = c.family == Family::kQwen2 || r.flag("attention_bias", false);
  PLEXUS_RETURN_IF_ERROR(r.status());
  if (c.num_attention_heads % c.num_key_value_heads != 0) {
    return Status::invalid_argument("config.json num_attention_heads (" +
                                    std::to_string(c.num_attention_heads) +
                                    ") must be a multiple of num_key_value_heads (" +
                                    std::to_string(c.num_key_value_heads) + ")");
  }
  c.head_dim = r.optional("head_dim", c.hidden_size / c.num_attention_heads, 1);

  if (c.family == Family::kDeepseekV2 || c.family == Family::kDeepseekV3) {
    MlaConfig mla;
    mla.q_lora_rank = r.optional("q_lora_rank", 0);
    mla.kv_lora_rank = r.required("kv_lora_rank");
    mla.qk_nope_head_dim = r.required("qk_nope_head_dim");
    mla.qk_rope_head_dim = r.required("qk_rope_head_dim");
    mla.v_head_dim = r.required("v_head_dim");
    c.mla = mla;
    if (config.contains("n_routed_experts") && !config.at("n_routed_experts").is_null()) {
      MoeConfig moe;
      moe.n_routed_experts = r.required("n_routed_experts");
      moe.n_shared_experts = r.optional("n_shared_experts", 0);
      moe.num_experts_per_tok = r.required("num_experts_per_tok");
      moe.moe_intermediate_size = r.required("moe_intermediate_size");
      moe.first_k_dense_replace = r.optional("first_k_dense_replace", 0);
      moe.moe_layer_freq = r.optional("moe_layer_freq", 1, 1);
      moe.topk_method = r.text("topk_method", "greedy");
      if (moe.num_experts_per_tok > moe.n_routed_experts) {
        return Status::invalid_argument(
            "config.json num_experts_per_tok (" + std::to_string(moe.num_experts_per_tok) +
            ") exceeds n_routed_experts (" + std::to_string(moe.n_routed_experts) + ")");
      }
      c.moe = moe;
    }
    PLEXUS_RETURN_IF_ERROR(r.status());
  }
  return c;
}

}  // namespace plexus::deepseek
