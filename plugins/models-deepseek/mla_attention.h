// Multi-head Latent Attention (DeepSeek-V2/V3) on the CPU, f32, over a latent paged KV cache.
//
// Per token: q = q_b(norm(q_a(x))) (or q_proj(x) when q_lora_rank is null), split per head into
// q_nope | q_pe; kv_a_proj_with_mqa(x) = c_kv | k_pe, c_kv RMS-normed. RoPE (adjacent pairs, the
// checkpoints' layout) rotates q_pe and k_pe. The cache keeps only norm(c_kv) | roped k_pe:
// kv_lora_rank + qk_rope_head_dim values per token per layer (LatentCache).
//
// Attention runs in the latent space for every token, prefill and decode alike (weight
// absorption): kv_b_proj's rows are split per head into W_UK [nope, L] and W_UV [v, L];
//   q~ = q_nope W_UK                         [H, L]
//   score_j = (q~ . c_kv_j + q_pe . k_pe_j) * scale
//   o_h = (softmax(score) . c_kv) W_UV^T     [H, v]
// and then o_proj. One path for every token keeps a row's bits independent of how the scheduler
// split the prompt or what else is in the batch: each score is a batch-invariant GEMM dot product
// over one cache block at a time, the softmax visits keys in cache order, and every projection
// is a batch-invariant GEMM.
//
// Softmax scale: qk_head_dim^-0.5, times m^2 with m = 0.1 * mscale_all_dim * ln(factor) + 1 when
// the rope scaling sets mscale_all_dim (as transformers and DeepSeek's code do).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/cpu/rope.h"
#include "model_config.h"
#include "plexus/linear.h"
#include "plexus/weight_source.h"
#include "weight_loader.h"

namespace plexus::deepseek {

// One layer's share of the KvCacheView: slot s holds [c_kv (L) | k_pe (R)] at data + s * (L+R).
struct LatentCache {
  float* data = nullptr;
  std::int64_t num_slots = 0;
  std::int64_t block_size = 0;
};

// What every layer's attention needs to know about the step (64-bit copies of ForwardBatch).
struct AttentionStep {
  std::int64_t num_tokens = 0;
  const std::int64_t* positions = nullptr;     // [T]
  const std::int64_t* slots = nullptr;         // [T]; negative: not written (padding)
  const std::int64_t* query_starts = nullptr;  // [S + 1]
  std::int64_t num_seqs = 0;
  const std::int32_t* block_tables = nullptr;  // [S, blocks_per_seq]
  std::int64_t blocks_per_seq = 0;
  const kernels::RopeTable* rope = nullptr;  // covers every position of the step
};

class MlaAttention {
 public:
  // Layer `prefix` ("model.layers.N.self_attn"). With tensor parallelism this rank keeps
  // num_attention_heads / world heads (q_b / q_proj and kv_b column-parallel, o_proj
  // row-parallel) and the whole latent path (q_a, kv_a, the cache), so `out` is a partial sum
  // for the caller to all-reduce.
  static Result<MlaAttention> load(const std::string& prefix, const ModelConfig& config,
                                   const WeightLoader& loader, float softmax_scale);

  // x: [T, hidden] (the normed hidden states); out: [T, hidden] (o_proj's output). Writes the
  // step's tokens into `cache` before attending, so each token sees itself.
  Status forward(const float* x, const AttentionStep& step, const LatentCache& cache, float* out);

 private:
  Status attend(const AttentionStep& step, const LatentCache& cache);

  std::int64_t heads_ = 0, hidden_ = 0, q_lora_ = 0, kv_lora_ = 0, nope_ = 0, rope_ = 0, v_ = 0;
  float softmax_scale_ = 1.0f;
  std::unique_ptr<Linear> q_a_, q_b_, q_proj_, kv_a_, o_proj_;
  OwnedTensor q_a_norm_, kv_a_norm_;
  // kv_b_proj split per head: uk_t_[h] is W_UK^T [L, nope], uv_[h] is W_UV [v, L]; f32.
  std::vector<float> uk_t_, uv_;
  // Scratch, reused across steps.
  std::vector<float> q_lora_buf_, q_, kv_, q_latent_, o_latent_, head_in_, head_out_, attn_;
};

}  // namespace plexus::deepseek
