#include "deepseek_model.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <set>
#include <string>

#include "activation_size.h"
#include "kernels/cpu/rms_norm.h"
#include "parameter_count.h"
#include "plexus/communicator.h"
#include "plexus/logging.h"
#include "rope.h"
#include "weight_loader.h"

namespace plexus::deepseek {
namespace {

// Layer indices >= num_hidden_layers that the checkpoint has (DeepSeek-V3's MTP module).
std::set<std::int64_t> extra_layers(const WeightSource& w, std::int64_t num_layers) {
  std::set<std::int64_t> found;
  const std::string prefix = "model.layers.";
  for (const std::string& name : w.names()) {
    if (name.rfind(prefix, 0) != 0) continue;
    const std::size_t end = name.find('.', prefix.size());
    if (end == std::string::npos) continue;
    const std::string index = name.substr(prefix.size(), end - prefix.size());
    if (index.empty() || !std::all_of(index.begin(), index.end(), ::isdigit) || index.size() > 9)
      continue;
    const std::int64_t i = std::stoll(index);
    if (i >= num_layers) found.insert(i);
  }
  return found;
}

}  // namespace

float mla_softmax_scale(const ModelConfig& c, const kernels::RopeConfig& rope) {
  const double qk_head_dim = double(c.mla->qk_nope_head_dim + c.mla->qk_rope_head_dim);
  double scale = 1.0 / std::sqrt(qk_head_dim);
  if (rope.type != kernels::RopeScalingType::kNone && rope.mscale_all_dim != 0.0 &&
      rope.factor > 1.0) {
    const double m = 0.1 * rope.mscale_all_dim * std::log(rope.factor) + 1.0;
    scale *= m * m;
  }
  return float(scale);
}

Result<std::unique_ptr<Model>> DeepseekModel::load(const ModelConfig& c, const ModelContext& ctx) {
  const int world = ctx.tensor_parallel_size;
  if (world > 1 && ctx.communicator == nullptr) {
    return Status::internal("tensor_parallel_size > 1 without a communicator");
  }
  std::vector<std::pair<const char*, std::int64_t>> divided = {
      {"num_attention_heads", c.num_attention_heads}, {"intermediate_size", c.intermediate_size}};
  if (c.moe) divided.push_back({"moe_intermediate_size", c.moe->moe_intermediate_size});
  for (auto [what, n] : divided) {
    if (n % world != 0) {
      return Status::invalid_argument("tensor_parallel " + std::to_string(world) +
                                      " does not divide " + what + " (" + std::to_string(n) +
                                      "): choose a tensor_parallel that divides it");
    }
  }
  std::unique_ptr<DeepseekModel> m(new DeepseekModel());
  m->communicator_ = world > 1 ? ctx.communicator : nullptr;
  m->heads_per_rank_ = c.num_attention_heads / world;
  m->config_ = c;
  m->summary_ = summarize(c);
  const boost::json::object& json = *ctx.hf_config;
  if (const auto* eps = json.if_contains("rms_norm_eps"); eps && eps->is_number()) {
    m->rms_norm_eps_ = float(eps->to_number<double>());
  }
  PLEXUS_ASSIGN_OR_RETURN(kernels::RopeConfig rope,
                          rope_config_from_json(json, c.mla->qk_rope_head_dim));
  PLEXUS_ASSIGN_OR_RETURN(m->rope_frequencies_, kernels::rope_frequencies(rope));
  const float scale = mla_softmax_scale(c, rope);
  std::optional<RouterConfig> router;
  if (c.moe) {
    PLEXUS_ASSIGN_OR_RETURN(router, router_config_from_json(c, json));
  }

  const WeightSource& w = *ctx.weights;
  const WeightLoader loader(w, *ctx.quant, ctx.tensor_parallel_rank, world, ctx.dense);
  if (const auto mtp = extra_layers(w, c.num_hidden_layers); !mtp.empty()) {
    logger().info(
        "{}: skipping {} layer(s) from model.layers.{} on (the multi-token-prediction "
        "module); they are not used for generation",
        c.architecture, mtp.size(), *mtp.begin());
  }
  const std::int64_t h = c.hidden_size;
  PLEXUS_ASSIGN_OR_RETURN(m->embed_tokens_,
                          EmbeddingTable::load(w, "model.embed_tokens.weight", c.vocab_size, h,
                                               ctx.dense_dtype, ctx.device));
  PLEXUS_ASSIGN_OR_RETURN(m->final_norm_, loader.vector("model.norm.weight", h));
  for (std::int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    Layer L;
    PLEXUS_ASSIGN_OR_RETURN(L.input_norm, loader.vector(p + "input_layernorm.weight", h));
    PLEXUS_ASSIGN_OR_RETURN(L.post_attention_norm,
                            loader.vector(p + "post_attention_layernorm.weight", h));
    PLEXUS_ASSIGN_OR_RETURN(L.attention, MlaAttention::load(p + "self_attn", c, loader, scale));
    if (c.is_moe_layer(i)) {
      PLEXUS_ASSIGN_OR_RETURN(L.moe, MoeBlock::load(p + "mlp", c, *router, loader));
    } else {
      PLEXUS_ASSIGN_OR_RETURN(L.dense, GatedMlp::load(p + "mlp", h, c.intermediate_size, loader));
    }
    m->layers_.push_back(std::move(L));
  }
  const std::string head =
      c.tie_word_embeddings || !has_own_lm_head(w) ? "model.embed_tokens" : "lm_head";
  PLEXUS_ASSIGN_OR_RETURN(m->lm_head_, loader.linear(head, h, c.vocab_size));
  return std::unique_ptr<Model>(std::move(m));
}

KvLayout DeepseekModel::kv_layout() const {
  return {config_.num_hidden_layers, config_.mla->kv_lora_rank + config_.mla->qk_rope_head_dim};
}

std::int64_t DeepseekModel::activation_bytes(std::int64_t num_tokens) const {
  return deepseek::activation_bytes(config_, config_.num_attention_heads / heads_per_rank_,
                                    num_tokens);
}

Status DeepseekModel::forward(const ForwardBatch& b, const KvCacheView& cache, float* logits) {
  const ModelConfig& c = config_;
  const std::int64_t T = std::int64_t(b.tokens.size()), h = c.hidden_size;
  if (b.positions.size() != b.tokens.size() || b.slots.size() != b.tokens.size() ||
      b.query_starts.size() != b.context_lens.size() + 1 ||
      b.block_tables.size() < b.context_lens.size() * std::size_t(b.blocks_per_seq)) {
    return Status::invalid_argument("malformed ForwardBatch: inconsistent lengths");
  }
  if (cache.block_size <= 0 || cache.num_slots % cache.block_size != 0) {
    return Status::invalid_argument("malformed KvCacheView: block_size");
  }
  std::int64_t max_position = 0;
  for (std::int64_t t = 0; t < T; ++t) {
    if (b.tokens[t] < 0 || b.tokens[t] >= c.vocab_size) {
      return Status::invalid_argument("token id " + std::to_string(b.tokens[t]) +
                                      " is outside the vocabulary (0.." +
                                      std::to_string(c.vocab_size - 1) + ")");
    }
    if (b.positions[t] < 0) return Status::invalid_argument("negative position");
    max_position = std::max<std::int64_t>(max_position, b.positions[t]);
  }
  if (max_position >= rope_table_.max_positions) {
    rope_table_ = kernels::make_rope_table(
        rope_frequencies_, std::max<std::int64_t>(max_position + 1, 2 * rope_table_.max_positions));
  }
  hidden_.resize(std::size_t(T * h));
  normed_.resize(std::size_t(T * h));
  scratch_.resize(std::size_t(T * h));
  PLEXUS_RETURN_IF_ERROR(embed_tokens_.lookup(b.tokens.data(), T, hidden_.data()));
  const std::vector<std::int64_t> positions(b.positions.begin(), b.positions.end());
  const std::vector<std::int64_t> slots(b.slots.begin(), b.slots.end());
  const std::vector<std::int64_t> query_starts(b.query_starts.begin(), b.query_starts.end());
  AttentionStep step;
  step.num_tokens = T;
  step.positions = positions.data();
  step.slots = slots.data();
  step.query_starts = query_starts.data();
  step.num_seqs = std::int64_t(b.context_lens.size());
  step.block_tables = b.block_tables.data();
  step.blocks_per_seq = b.blocks_per_seq;
  step.rope = &rope_table_;
  const std::int64_t kv_width = kv_layout().values_per_token;

  for (std::size_t l = 0; l < layers_.size(); ++l) {
    Layer& L = layers_[l];
    kernels::rms_norm(hidden_.data(), L.input_norm.tensor.data_as<const float>(), normed_.data(), T,
                      h, rms_norm_eps_);
    const LatentCache layer_cache{cache.data + std::int64_t(l) * cache.num_slots * kv_width,
                                  cache.num_slots, cache.block_size};
    PLEXUS_RETURN_IF_ERROR(
        L.attention->forward(normed_.data(), step, layer_cache, scratch_.data()));
    if (communicator_) {
      PLEXUS_RETURN_IF_ERROR(communicator_->all_reduce_sum(scratch_.data(), T * h));
    }
    for (std::int64_t i = 0; i < T * h; ++i) hidden_[std::size_t(i)] += scratch_[std::size_t(i)];

    kernels::rms_norm(hidden_.data(), L.post_attention_norm.tensor.data_as<const float>(),
                      normed_.data(), T, h, rms_norm_eps_);
    if (L.moe) {
      PLEXUS_RETURN_IF_ERROR(L.moe->forward(normed_.data(), T, scratch_.data()));
    } else {
      PLEXUS_RETURN_IF_ERROR(L.dense->forward(normed_.data(), T, scratch_.data()));
    }
    if (communicator_) {
      PLEXUS_RETURN_IF_ERROR(communicator_->all_reduce_sum(scratch_.data(), T * h));
    }
    for (std::int64_t i = 0; i < T * h; ++i) hidden_[std::size_t(i)] += scratch_[std::size_t(i)];
  }
  const std::int64_t R = std::int64_t(b.logits_rows.size());
  for (std::int64_t r = 0; r < R; ++r) {
    const std::int32_t row = b.logits_rows[std::size_t(r)];
    if (row < 0 || row >= T) return Status::invalid_argument("logits row out of range");
    kernels::rms_norm(hidden_.data() + std::int64_t(row) * h,
                      final_norm_.tensor.data_as<const float>(), normed_.data() + r * h, 1, h,
                      rms_norm_eps_);
  }
  return lm_head_->forward(normed_.data(), R, logits);
}

}  // namespace plexus::deepseek
