#include "activation_size.h"

#include <algorithm>

namespace plexus::deepseek {

namespace {

// The scratch DeepseekModel, MlaAttention and MoeBlock keep, per token (f32 values).
std::int64_t mla_moe_values_per_token(const ModelConfig& c, std::int64_t world) {
  const MlaConfig& m = *c.mla;
  const std::int64_t h = c.hidden_size, heads = c.num_attention_heads / world;
  const std::int64_t L = m.kv_lora_rank, R = m.qk_rope_head_dim;
  // hidden, normed, residual scratch
  std::int64_t n = 3 * h;
  // q (+ q_lora), kv_a output, absorbed queries, attended latents, per-head in/out, attn
  n += heads * (m.qk_nope_head_dim + R) + m.q_lora_rank + (L + R) + heads * (L + R) + heads * L +
       std::max(L, m.qk_nope_head_dim) + std::max(L, m.v_head_dim) + heads * m.v_head_dim;
  // MLP: the dense layers' gate/up, or the router logits, each routed copy of the token in and
  // out, the experts' gate/up and the shared experts' output and gate/up.
  std::int64_t mlp = 2 * (c.intermediate_size / world);
  if (c.moe) {
    const MoeConfig& e = *c.moe;
    const std::int64_t k = e.num_experts_per_tok;
    const std::int64_t routed =
        e.n_routed_experts + 2 * k * h + 2 * k * (e.moe_intermediate_size / world);
    const std::int64_t shared = h + 2 * e.n_shared_experts * e.moe_intermediate_size / world;
    mlp = std::max(mlp, routed + shared);
  }
  return n + mlp;
}

}  // namespace

std::int64_t activation_bytes(const ModelConfig& c, std::int64_t world, std::int64_t num_tokens) {
  world = std::max<std::int64_t>(world, 1);
  if (c.mla) return num_tokens * mla_moe_values_per_token(c, world) * std::int64_t(sizeof(float));
  const std::int64_t h = c.hidden_size;
  const std::int64_t heads = c.num_attention_heads / world;
  const std::int64_t q_dim = heads * c.head_dim;
  const std::int64_t kv_dim = (c.num_key_value_heads / world) * c.head_dim;
  const std::int64_t attn_dim = q_dim;
  const std::int64_t inter = c.intermediate_size / world;
  // hidden, normed, q, k, v, attention output, gate, up, residual scratch.
  const std::int64_t per_token =
      h + std::max(h, q_dim) + q_dim + 2 * kv_dim + attn_dim + 2 * inter + h;
  return num_tokens * per_token * std::int64_t(sizeof(float));
}

}  // namespace plexus::deepseek
