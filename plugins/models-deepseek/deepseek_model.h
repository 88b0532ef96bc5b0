// DeepseekV2ForCausalLM / DeepseekV3ForCausalLM on the CPU, f32: Multi-head Latent Attention
// over a latent KV cache (mla_attention.h) and DeepSeekMoE (moe.h), matched to transformers.
//
// Layer i: h += MLA(rms_norm(h)); h += MLP(rms_norm(h)), the MLP dense (intermediate_size) for
// i < first_k_dense_replace or i % moe_layer_freq != 0, DeepSeekMoE otherwise. The KV layout is
// kv_lora_rank + qk_rope_head_dim values per token per layer.
// MTP layers (model.layers.N with N >= num_hidden_layers, DeepSeek-V3's next-token predictor)
// are skipped at load with a log line.
// Tensor parallelism: each rank keeps num_attention_heads / world heads and 1/world of every
// MLP's and expert's intermediate width; the latent projections, the router, the embeddings and
// the LM head stay whole, and so does the latent cache (each rank caches the same 576 values).
// Attention and MLP outputs are all-reduced in rank order, so every rank holds the same bits.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "embedding_table.h"
#include "kernels/cpu/rope.h"
#include "mla_attention.h"
#include "model_config.h"
#include "moe.h"
#include "plexus/model.h"

namespace plexus::deepseek {

class DeepseekModel final : public Model {
 public:
  // REQUIRES: context.weights and context.quant are set; config.mla is set.
  static Result<std::unique_ptr<Model>> load(const ModelConfig& config,
                                             const ModelContext& context);

  const ModelSummary& summary() const override { return summary_; }
  KvLayout kv_layout() const override;
  Status forward(const ForwardBatch& batch, const KvCacheView& cache, float* logits) override;
  std::int64_t activation_bytes(std::int64_t num_tokens) const override;

 private:
  struct Layer {
    OwnedTensor input_norm, post_attention_norm;
    std::optional<MlaAttention> attention;
    std::optional<GatedMlp> dense;
    std::optional<MoeBlock> moe;
  };

  DeepseekModel() = default;

  ModelConfig config_;
  ModelSummary summary_;
  Communicator* communicator_ = nullptr;  // null when the world is 1
  std::int64_t heads_per_rank_ = 0;
  float rms_norm_eps_ = 1e-6f;
  kernels::RopeFrequencies rope_frequencies_;
  kernels::RopeTable rope_table_;  // grown on demand
  EmbeddingTable embed_tokens_;
  OwnedTensor final_norm_;
  std::vector<Layer> layers_;
  std::unique_ptr<Linear> lm_head_;
  std::vector<float> hidden_, normed_, scratch_;
};

// qk_head_dim^-0.5, times yarn's m(factor, mscale_all_dim)^2 when the rope scaling sets it.
float mla_softmax_scale(const ModelConfig& config, const kernels::RopeConfig& rope);

}  // namespace plexus::deepseek
