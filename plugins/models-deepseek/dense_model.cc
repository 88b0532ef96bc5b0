#include "dense_model.h"

#include "activation_size.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/rms_norm.h"
#include "parameter_count.h"
#include "plexus/communicator.h"
#include "weight_loader.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <limits>

namespace plexus::deepseek {
namespace {

Result<OwnedTensor> load_vector(const WeightSource& w, const std::string& name, std::int64_t n) {
  PLEXUS_ASSIGN_OR_RETURN(OwnedTensor t, w.load(name, DType::kF32));
  if (t.tensor.numel() != n) {
    return Status::invalid_argument(name + " is " + t.tensor.describe() + ", expected [" +
                                    std::to_string(n) + "]");
  }
  return t;
}

}  // namespace

Result<std::unique_ptr<Model>> DenseModel::load(const ModelConfig& c, const ModelContext& ctx) {
  const int world = ctx.tensor_parallel_size, rank = ctx.tensor_parallel_rank;
  if (world > 1 && ctx.communicator == nullptr) {
    return Status::internal("tensor_parallel_size > 1 without a communicator");
  }
  for (auto [what, n] : {std::pair{"num_attention_heads", c.num_attention_heads},
                         {"num_key_value_heads", c.num_key_value_heads},
                         {"intermediate_size", c.intermediate_size}}) {
    if (n % world != 0) {
      return Status::invalid_argument("tensor_parallel " + std::to_string(world) +
                                      " does not divide " + what + " (" + std::to_string(n) +
                                      "): choose a tensor_parallel that divides it");
    }
  }
  std::unique_ptr<DenseModel> m(new DenseModel());
  m->config_ = c;
  m->summary_ = summarize(c);
  m->heads_ = c.num_attention_heads / world;
  m->kv_heads_ = c.num_key_value_heads / world;
  m->intermediate_ = c.intermediate_size / world;
  m->communicator_ = ctx.communicator;
  const WeightSource& w = *ctx.weights;
  const QuantScheme& quant = *ctx.quant;
  const QuantScheme& dense = ctx.dense ? *ctx.dense : dense_quant_scheme();
  PLEXUS_ASSIGN_OR_RETURN(m->rope_, Rope::from_config(*ctx.hf_config, c.head_dim));
  if (const auto* eps = ctx.hf_config->if_contains("rms_norm_eps"); eps && eps->is_number()) {
    m->rms_norm_eps_ = float(eps->to_number<double>());
  }
  const std::int64_t h = c.hidden_size, q_dim = c.num_attention_heads * c.head_dim,
                     kv_dim = c.num_key_value_heads * c.head_dim;
  PLEXUS_ASSIGN_OR_RETURN(m->embed_tokens_,
                          EmbeddingTable::load(w, "model.embed_tokens.weight", c.vocab_size, h,
                                               ctx.dense_dtype, ctx.device));
  PLEXUS_ASSIGN_OR_RETURN(m->final_norm_, load_vector(w, "model.norm.weight", h));
  // Column-parallel layers split their outputs across ranks, row-parallel ones their inputs
  // (their partial sums are all-reduced in forward); the LM head stays whole on every rank.
  auto linear = [&](const std::string& prefix, std::int64_t in, std::int64_t out, bool bias,
                    ShardKind shard) -> Result<std::unique_ptr<Linear>> {
    // A dense checkpoint's scheme (method "none", maybe keeping bf16) builds every layer; a
    // quantized one's builds what it quantizes, the manifest's dense scheme the rest.
    const bool all = quant.summary().method == "none";
    const QuantScheme& scheme = all || quant.is_quantized(prefix) ? quant : dense;
    if (world == 1) shard = ShardKind::kNone;
    return scheme.create_linear(LinearSpec{prefix, in, out, bias, shard, rank, world}, w);
  };
  constexpr ShardKind kCol = ShardKind::kColumn, kRow = ShardKind::kRow;
  for (std::int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    Layer L;
    PLEXUS_ASSIGN_OR_RETURN(L.input_norm, load_vector(w, p + "input_layernorm.weight", h));
    PLEXUS_ASSIGN_OR_RETURN(L.post_attention_norm,
                            load_vector(w, p + "post_attention_layernorm.weight", h));
    const std::int64_t inter = c.intermediate_size;
    const bool qkv_bias = c.attention_bias;
    PLEXUS_ASSIGN_OR_RETURN(L.q, linear(p + "self_attn.q_proj", h, q_dim, qkv_bias, kCol));
    PLEXUS_ASSIGN_OR_RETURN(L.k, linear(p + "self_attn.k_proj", h, kv_dim, qkv_bias, kCol));
    PLEXUS_ASSIGN_OR_RETURN(L.v, linear(p + "self_attn.v_proj", h, kv_dim, qkv_bias, kCol));
    PLEXUS_ASSIGN_OR_RETURN(L.o, linear(p + "self_attn.o_proj", q_dim, h, false, kRow));
    PLEXUS_ASSIGN_OR_RETURN(L.gate, linear(p + "mlp.gate_proj", h, inter, false, kCol));
    PLEXUS_ASSIGN_OR_RETURN(L.up, linear(p + "mlp.up_proj", h, inter, false, kCol));
    PLEXUS_ASSIGN_OR_RETURN(L.down, linear(p + "mlp.down_proj", inter, h, false, kRow));
    m->layers_.push_back(std::move(L));
  }
  const std::string head =
      c.tie_word_embeddings || !has_own_lm_head(w) ? "model.embed_tokens" : "lm_head";
  PLEXUS_ASSIGN_OR_RETURN(m->lm_head_, linear(head, h, c.vocab_size, false, ShardKind::kNone));
  return std::unique_ptr<Model>(std::move(m));
}

KvLayout DenseModel::kv_layout() const {
  return {config_.num_hidden_layers, 2 * kv_heads_ * config_.head_dim};
}

// The cache of layer `layer`: K for every slot, then V for every slot (the layer's share of
// the KvCacheView, num_slots * 2 * kv_heads * head_dim floats).
kernels::PagedKvCache DenseModel::layer_cache(const KvCacheView& cache, std::int64_t layer) const {
  const std::int64_t kv_dim = kv_heads_ * config_.head_dim;
  float* base = cache.data + layer * cache.num_slots * 2 * kv_dim;
  kernels::PagedKvCache c;
  c.k = base;
  c.v = base + cache.num_slots * kv_dim;
  c.num_blocks = cache.num_slots / cache.block_size;
  c.block_size = cache.block_size;
  c.num_kv_heads = kv_heads_;
  c.head_dim = c.v_head_dim = config_.head_dim;
  return c;
}

std::int64_t DenseModel::activation_bytes(std::int64_t num_tokens) const {
  return deepseek::activation_bytes(config_, config_.num_attention_heads / heads_, num_tokens);
}

Status DenseModel::forward(const ForwardBatch& b, const KvCacheView& cache, float* logits) {
  const ModelConfig& c = config_;
  const std::int64_t T = std::int64_t(b.tokens.size()), h = c.hidden_size;
  const std::int64_t q_dim = heads_ * c.head_dim, kv_dim = kv_heads_ * c.head_dim,
                     inter = intermediate_;
  if (b.positions.size() != b.tokens.size() || b.slots.size() != b.tokens.size() ||
      b.query_starts.size() != b.context_lens.size() + 1) {
    return Status::invalid_argument("malformed ForwardBatch: inconsistent lengths");
  }
  for (std::int64_t t = 0; t < T; ++t) {
    if (b.tokens[t] < 0 || b.tokens[t] >= c.vocab_size) {
      return Status::invalid_argument("token id " + std::to_string(b.tokens[t]) +
                                      " is outside the vocabulary (0.." +
                                      std::to_string(c.vocab_size - 1) + ")");
    }
  }
  hidden_.resize(T * h);
  normed_.resize(T * std::max(h, q_dim));
  q_.resize(T * q_dim);
  k_.resize(T * kv_dim);
  v_.resize(T * kv_dim);
  attn_.resize(T * q_dim);
  gate_.resize(T * inter);
  up_.resize(T * inter);
  scratch_.resize(T * h);

  PLEXUS_RETURN_IF_ERROR(embed_tokens_.lookup(b.tokens.data(), T, hidden_.data()));
  // The kernels take 64-bit positions, slots and sequence starts.
  const std::vector<std::int64_t> positions(b.positions.begin(), b.positions.end());
  const std::vector<std::int64_t> slots(b.slots.begin(), b.slots.end());
  const std::vector<std::int64_t> query_starts(b.query_starts.begin(), b.query_starts.end());
  kernels::PagedAttentionBatch attention_batch;
  attention_batch.num_seqs = std::int64_t(b.context_lens.size());
  attention_batch.query_start = query_starts.data();
  attention_batch.positions = positions.data();
  attention_batch.block_tables = b.block_tables.data();
  attention_batch.max_blocks_per_seq = b.blocks_per_seq;
  const float attention_scale = 1.0f / std::sqrt(float(c.head_dim));
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& L = layers_[l];
    kernels::rms_norm(hidden_.data(), L.input_norm.tensor.data_as<const float>(), normed_.data(), T,
                      h, rms_norm_eps_);
    PLEXUS_RETURN_IF_ERROR(L.q->forward(normed_.data(), T, q_.data()));
    PLEXUS_RETURN_IF_ERROR(L.k->forward(normed_.data(), T, k_.data()));
    PLEXUS_RETURN_IF_ERROR(L.v->forward(normed_.data(), T, v_.data()));
    PLEXUS_RETURN_IF_ERROR(rope_.apply(q_.data(), heads_, b.positions, b.query_starts));
    PLEXUS_RETURN_IF_ERROR(rope_.apply(k_.data(), kv_heads_, b.positions, b.query_starts));
    const kernels::PagedKvCache kv = layer_cache(cache, std::int64_t(l));
    PLEXUS_RETURN_IF_ERROR(kernels::write_kv_cache(kv, k_.data(), v_.data(), T, slots.data()));
    PLEXUS_RETURN_IF_ERROR(kernels::paged_attention(kv, q_.data(), heads_, attention_batch,
                                                    attention_scale, attn_.data()));
    PLEXUS_RETURN_IF_ERROR(L.o->forward(attn_.data(), T, scratch_.data()));
    if (communicator_)
      PLEXUS_RETURN_IF_ERROR(communicator_->all_reduce_sum(scratch_.data(), T * h));
    for (std::int64_t i = 0; i < T * h; ++i) hidden_[i] += scratch_[i];

    kernels::rms_norm(hidden_.data(), L.post_attention_norm.tensor.data_as<const float>(),
                      normed_.data(), T, h, rms_norm_eps_);
    PLEXUS_RETURN_IF_ERROR(L.gate->forward(normed_.data(), T, gate_.data()));
    PLEXUS_RETURN_IF_ERROR(L.up->forward(normed_.data(), T, up_.data()));
    kernels::silu_mul(gate_.data(), up_.data(), gate_.data(), T * inter);
    PLEXUS_RETURN_IF_ERROR(L.down->forward(gate_.data(), T, scratch_.data()));
    if (communicator_)
      PLEXUS_RETURN_IF_ERROR(communicator_->all_reduce_sum(scratch_.data(), T * h));
    for (std::int64_t i = 0; i < T * h; ++i) hidden_[i] += scratch_[i];
  }
  // Only the requested rows reach the final norm and the (large) LM head.
  const std::int64_t R = std::int64_t(b.logits_rows.size());
  for (std::int64_t r = 0; r < R; ++r) {
    const std::int32_t row = b.logits_rows[r];
    if (row < 0 || row >= T) return Status::invalid_argument("logits row out of range");
    kernels::rms_norm(hidden_.data() + std::int64_t(row) * h,
                      final_norm_.tensor.data_as<const float>(), normed_.data() + r * h, 1, h,
                      rms_norm_eps_);
  }
  return lm_head_->forward(normed_.data(), R, logits);
}

}  // namespace plexus::deepseek
