#include "dense_model.h"

#include "parameter_count.h"
#include "plexus/communicator.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <limits>

namespace plexus::deepseek {
namespace {

void rms_norm(const float* x, const float* weight, float* y, std::int64_t rows, std::int64_t cols,
              float eps) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * cols;
    float* out = y + r * cols;
    double sum = 0;
    for (std::int64_t c = 0; c < cols; ++c) sum += double(in[c]) * in[c];
    const float inv = float(1.0 / std::sqrt(sum / double(cols) + eps));
    for (std::int64_t c = 0; c < cols; ++c) out[c] = weight[c] * (in[c] * inv);
  }
}

// gate <- silu(gate) * up
void silu_mul(float* gate, const float* up, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

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
  PLEXUS_ASSIGN_OR_RETURN(m->rope_, Rope::from_config(*ctx.hf_config, c.head_dim));
  if (const auto* eps = ctx.hf_config->if_contains("rms_norm_eps"); eps && eps->is_number()) {
    m->rms_norm_eps_ = float(eps->to_number<double>());
  }
  const std::int64_t h = c.hidden_size, q_dim = c.num_attention_heads * c.head_dim,
                     kv_dim = c.num_key_value_heads * c.head_dim;
  PLEXUS_ASSIGN_OR_RETURN(m->embed_tokens_, w.load("model.embed_tokens.weight", DType::kF32));
  if (m->embed_tokens_.tensor.ndim() != 2 || m->embed_tokens_.tensor.dim(0) != c.vocab_size ||
      m->embed_tokens_.tensor.dim(1) != h) {
    return Status::invalid_argument("model.embed_tokens.weight is " +
                                    m->embed_tokens_.tensor.describe() + ", expected [" +
                                    std::to_string(c.vocab_size) + ", " + std::to_string(h) + "]");
  }
  PLEXUS_ASSIGN_OR_RETURN(m->final_norm_, load_vector(w, "model.norm.weight", h));
  // Column-parallel layers split their outputs across ranks, row-parallel ones their inputs
  // (their partial sums are all-reduced in forward); the LM head stays whole on every rank.
  auto linear = [&](const std::string& prefix, std::int64_t in, std::int64_t out, bool bias,
                    ShardKind shard) -> Result<std::unique_ptr<Linear>> {
    const QuantScheme& scheme = quant.is_quantized(prefix) ? quant : dense_quant_scheme();
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
      c.tie_word_embeddings || !w.has("lm_head.weight") ? "model.embed_tokens" : "lm_head";
  PLEXUS_ASSIGN_OR_RETURN(m->lm_head_, linear(head, h, c.vocab_size, false, ShardKind::kNone));
  return std::unique_ptr<Model>(std::move(m));
}

KvLayout DenseModel::kv_layout() const {
  return {config_.num_hidden_layers, 2 * kv_heads_ * config_.head_dim};
}

void DenseModel::attention(const ForwardBatch& b, const KvCacheView& cache, std::int64_t layer,
                           const float* q, float* out) const {
  const std::int64_t heads = heads_, kv_heads = kv_heads_, hd = config_.head_dim,
                     group = heads / kv_heads;
  const std::int64_t per_token = 2 * kv_heads * hd;
  const float* base = cache.data + layer * cache.num_slots * per_token;
  const float scale = 1.0f / std::sqrt(float(hd));
  std::vector<float> scores;
  const std::size_t num_seqs = b.context_lens.size();
  for (std::size_t s = 0; s < num_seqs; ++s) {
    const std::int32_t* table = b.block_tables.data() + s * b.blocks_per_seq;
    for (std::int32_t t = b.query_starts[s]; t < b.query_starts[s + 1]; ++t) {
      // Causal: a query sees the keys at positions 0..its own, in position order.
      const std::int64_t keys = std::int64_t(b.positions[t]) + 1;
      scores.resize(std::size_t(keys));
      for (std::int64_t h = 0; h < heads; ++h) {
        const float* qh = q + (std::int64_t(t) * heads + h) * hd;
        const std::int64_t kvh = h / group;
        float max_score = -std::numeric_limits<float>::infinity();
        for (std::int64_t j = 0; j < keys; ++j) {
          const std::int64_t slot =
              std::int64_t(table[j / cache.block_size]) * cache.block_size + j % cache.block_size;
          const float* kj = base + slot * per_token + kvh * hd;
          float dot = 0;
          for (std::int64_t d = 0; d < hd; ++d) dot += qh[d] * kj[d];
          scores[j] = dot * scale;
          max_score = std::max(max_score, scores[j]);
        }
        float denom = 0;
        for (std::int64_t j = 0; j < keys; ++j) {
          scores[j] = std::exp(scores[j] - max_score);
          denom += scores[j];
        }
        float* oh = out + (std::int64_t(t) * heads + h) * hd;
        std::fill(oh, oh + hd, 0.0f);
        for (std::int64_t j = 0; j < keys; ++j) {
          const std::int64_t slot =
              std::int64_t(table[j / cache.block_size]) * cache.block_size + j % cache.block_size;
          const float* vj = base + slot * per_token + kv_heads * hd + kvh * hd;
          const float p = scores[j] / denom;
          for (std::int64_t d = 0; d < hd; ++d) oh[d] += p * vj[d];
        }
      }
    }
  }
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

  const float* embed = embed_tokens_.tensor.data_as<const float>();
  for (std::int64_t t = 0; t < T; ++t) {
    std::copy_n(embed + std::int64_t(b.tokens[t]) * h, h, hidden_.data() + t * h);
  }
  const std::int64_t per_token = 2 * kv_dim;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& L = layers_[l];
    rms_norm(hidden_.data(), L.input_norm.tensor.data_as<const float>(), normed_.data(), T, h,
             rms_norm_eps_);
    PLEXUS_RETURN_IF_ERROR(L.q->forward(normed_.data(), T, q_.data()));
    PLEXUS_RETURN_IF_ERROR(L.k->forward(normed_.data(), T, k_.data()));
    PLEXUS_RETURN_IF_ERROR(L.v->forward(normed_.data(), T, v_.data()));
    rope_.apply(q_.data(), heads_, b.positions, b.query_starts);
    rope_.apply(k_.data(), kv_heads_, b.positions, b.query_starts);
    float* layer_cache = cache.data + std::int64_t(l) * cache.num_slots * per_token;
    for (std::int64_t t = 0; t < T; ++t) {
      float* dst = layer_cache + b.slots[t] * per_token;
      std::copy_n(k_.data() + t * kv_dim, kv_dim, dst);
      std::copy_n(v_.data() + t * kv_dim, kv_dim, dst + kv_dim);
    }
    attention(b, cache, std::int64_t(l), q_.data(), attn_.data());
    PLEXUS_RETURN_IF_ERROR(L.o->forward(attn_.data(), T, scratch_.data()));
    if (communicator_)
      PLEXUS_RETURN_IF_ERROR(communicator_->all_reduce_sum(scratch_.data(), T * h));
    for (std::int64_t i = 0; i < T * h; ++i) hidden_[i] += scratch_[i];

    rms_norm(hidden_.data(), L.post_attention_norm.tensor.data_as<const float>(), normed_.data(), T,
             h, rms_norm_eps_);
    PLEXUS_RETURN_IF_ERROR(L.gate->forward(normed_.data(), T, gate_.data()));
    PLEXUS_RETURN_IF_ERROR(L.up->forward(normed_.data(), T, up_.data()));
    silu_mul(gate_.data(), up_.data(), T * inter);
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
    rms_norm(hidden_.data() + std::int64_t(row) * h, final_norm_.tensor.data_as<const float>(),
             normed_.data() + r * h, 1, h, rms_norm_eps_);
  }
  return lm_head_->forward(normed_.data(), R, logits);
}

}  // namespace plexus::deepseek
