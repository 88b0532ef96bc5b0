// The forward pass of Llama- and Qwen2-style dense models (deepseek-llm, deepseek-coder,
// DeepSeek-R1-Distill-*, SmolLM2) on the CPU, in f32, over the paged KV cache.
//
// Every linear layer comes from the QuantScheme, so the weight format never reaches this file.
// A row's result depends only on its own sequence: the linear layers are batch-invariant and
// attention sums over keys in cache order.
#pragma once

#include <memory>
#include <vector>

#include "embedding_table.h"
#include "kernels/cpu/attention.h"
#include "model_config.h"
#include "plexus/linear.h"
#include "plexus/model.h"
#include "plexus/quant.h"
#include "plexus/weight_source.h"
#include "rope.h"

namespace plexus::deepseek {

class DenseModel final : public Model {
 public:
  // REQUIRES: context.weights and context.quant are set; config is a Llama or Qwen2 config.
  static Result<std::unique_ptr<Model>> load(const ModelConfig& config,
                                             const ModelContext& context);

  const ModelSummary& summary() const override { return summary_; }
  KvLayout kv_layout() const override;
  Status forward(const ForwardBatch& batch, const KvCacheView& cache, float* logits) override;
  std::int64_t activation_bytes(std::int64_t num_tokens) const override;

 private:
  struct Layer {
    OwnedTensor input_norm, post_attention_norm;
    std::unique_ptr<Linear> q, k, v, o, gate, up, down;
  };

  DenseModel() = default;
  kernels::PagedKvCache layer_cache(const KvCacheView& cache, std::int64_t layer) const;

  ModelConfig config_;
  ModelSummary summary_;
  // This rank's share: attention heads, KV heads and MLP width (the whole model when TP = 1).
  std::int64_t heads_ = 0, kv_heads_ = 0, intermediate_ = 0;
  Communicator* communicator_ = nullptr;
  Rope rope_;
  float rms_norm_eps_ = 1e-6f;
  EmbeddingTable embed_tokens_;
  OwnedTensor final_norm_;
  std::vector<Layer> layers_;
  std::unique_ptr<Linear> lm_head_;
  // Scratch, sized for the largest batch seen; reused across steps.
  std::vector<float> hidden_, normed_, q_, k_, v_, attn_, gate_, up_, scratch_;
};

}  // namespace plexus::deepseek
