#include "parameter_count.h"

namespace plexus::deepseek {
namespace {

struct Counts {
  std::int64_t total = 0;
  std::int64_t active = 0;
  void add(std::int64_t both) { total += both, active += both; }
};

std::int64_t attention_parameters(const ModelConfig& c) {
  const std::int64_t h = c.hidden_size;
  if (c.mla) {
    const MlaConfig& m = *c.mla;
    const std::int64_t q_head = m.qk_nope_head_dim + m.qk_rope_head_dim;
    std::int64_t n = 0;
    if (m.q_lora_rank > 0) {
      n += h * m.q_lora_rank + m.q_lora_rank;               // q_a_proj, q_a_layernorm
      n += m.q_lora_rank * c.num_attention_heads * q_head;  // q_b_proj
    } else {
      n += h * c.num_attention_heads * q_head;  // q_proj
    }
    n += h * (m.kv_lora_rank + m.qk_rope_head_dim) + m.kv_lora_rank;  // kv_a_proj_with_mqa + norm
    n += m.kv_lora_rank * c.num_attention_heads * (m.qk_nope_head_dim + m.v_head_dim);  // kv_b
    n += c.num_attention_heads * m.v_head_dim * h;                                      // o_proj
    return n;
  }
  const std::int64_t q = c.num_attention_heads * c.head_dim;
  const std::int64_t kv = c.num_key_value_heads * c.head_dim;
  std::int64_t n = h * q + 2 * h * kv + q * h;
  if (c.attention_bias) n += q + 2 * kv;
  return n;
}

}  // namespace

ModelSummary summarize(const ModelConfig& c) {
  Counts n;
  const std::int64_t h = c.hidden_size;
  n.add(c.vocab_size * h);                              // embed_tokens
  if (!c.tie_word_embeddings) n.add(c.vocab_size * h);  // lm_head
  n.add(h);                                             // final norm
  for (std::int64_t layer = 0; layer < c.num_hidden_layers; ++layer) {
    n.add(2 * h + attention_parameters(c));  // two RMSNorms + attention
    if (c.is_moe_layer(layer)) {
      const MoeConfig& m = *c.moe;
      const std::int64_t expert = 3 * h * m.moe_intermediate_size;  // gate, up, down
      n.add(h * m.n_routed_experts);                                // router
      if (m.topk_method == "noaux_tc") n.add(m.n_routed_experts);   // e_score_correction_bias
      n.add(m.n_shared_experts * expert);
      n.total += m.n_routed_experts * expert;
      n.active += m.num_experts_per_tok * expert;
    } else {
      n.add(3 * h * c.intermediate_size);
    }
  }
  ModelSummary s;
  s.architecture = c.architecture;
  s.num_layers = c.num_hidden_layers;
  s.hidden_size = c.hidden_size;
  s.vocab_size = c.vocab_size;
  s.max_position_embeddings = c.max_position_embeddings;
  s.total_parameters = n.total;
  s.active_parameters = n.active;
  s.kv_values_per_token_per_layer = c.mla ? c.mla->kv_lora_rank + c.mla->qk_rope_head_dim
                                          : 2 * c.num_key_value_heads * c.head_dim;
  return s;
}

}  // namespace plexus::deepseek
