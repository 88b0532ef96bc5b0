#include "mla_attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/rms_norm.h"
#include "kernels/cpu/thread_pool.h"

namespace plexus::deepseek {
namespace {

// transformers' DeepseekV2/V3 RMSNorms inside attention use eps 1e-6 whatever the config says.
constexpr float kLatentNormEps = 1e-6f;

}  // namespace

Result<MlaAttention> MlaAttention::load(const std::string& prefix, const ModelConfig& c,
                                        const WeightLoader& loader, float softmax_scale) {
  const MlaConfig& m = *c.mla;
  MlaAttention a;
  a.heads_ = c.num_attention_heads / loader.world();
  a.hidden_ = c.hidden_size;
  a.q_lora_ = m.q_lora_rank;
  a.kv_lora_ = m.kv_lora_rank;
  a.nope_ = m.qk_nope_head_dim;
  a.rope_ = m.qk_rope_head_dim;
  a.v_ = m.v_head_dim;
  a.softmax_scale_ = softmax_scale;
  const std::int64_t H = a.heads_, qk = a.nope_ + a.rope_, L = a.kv_lora_;
  const std::int64_t all_heads = c.num_attention_heads;
  constexpr ShardKind kCol = ShardKind::kColumn, kRow = ShardKind::kRow;
  if (a.q_lora_ > 0) {
    PLEXUS_ASSIGN_OR_RETURN(a.q_a_, loader.linear(prefix + ".q_a_proj", a.hidden_, a.q_lora_));
    PLEXUS_ASSIGN_OR_RETURN(a.q_a_norm_,
                            loader.vector(prefix + ".q_a_layernorm.weight", a.q_lora_));
    PLEXUS_ASSIGN_OR_RETURN(a.q_b_,
                            loader.linear(prefix + ".q_b_proj", a.q_lora_, all_heads * qk, kCol));
  } else {
    PLEXUS_ASSIGN_OR_RETURN(a.q_proj_,
                            loader.linear(prefix + ".q_proj", a.hidden_, all_heads * qk, kCol));
  }
  PLEXUS_ASSIGN_OR_RETURN(a.kv_a_,
                          loader.linear(prefix + ".kv_a_proj_with_mqa", a.hidden_, L + a.rope_));
  PLEXUS_ASSIGN_OR_RETURN(a.kv_a_norm_, loader.vector(prefix + ".kv_a_layernorm.weight", L));
  PLEXUS_ASSIGN_OR_RETURN(a.o_proj_,
                          loader.linear(prefix + ".o_proj", all_heads * a.v_, a.hidden_, kRow));

  // kv_b_proj is [H * (nope + v), L]: per head, nope rows of W_UK then v rows of W_UV. It is
  // only ever used absorbed, so it is read back once (whatever its format) and kept split.
  PLEXUS_ASSIGN_OR_RETURN(
      std::unique_ptr<Linear> kv_b,
      loader.linear(prefix + ".kv_b_proj", L, all_heads * (a.nope_ + a.v_), kCol));
  PLEXUS_ASSIGN_OR_RETURN(std::vector<float> wt, transposed_weight(*kv_b));  // [L, H*(nope+v)]
  const std::int64_t row = H * (a.nope_ + a.v_);
  a.uk_t_.resize(std::size_t(H * L * a.nope_));
  a.uv_.resize(std::size_t(H * a.v_ * L));
  for (std::int64_t h = 0; h < H; ++h) {
    const std::int64_t base = h * (a.nope_ + a.v_);
    for (std::int64_t l = 0; l < L; ++l) {
      for (std::int64_t d = 0; d < a.nope_; ++d) {
        a.uk_t_[std::size_t((h * L + l) * a.nope_ + d)] = wt[std::size_t(l * row + base + d)];
      }
      for (std::int64_t e = 0; e < a.v_; ++e) {
        a.uv_[std::size_t((h * a.v_ + e) * L + l)] = wt[std::size_t(l * row + base + a.nope_ + e)];
      }
    }
  }
  return a;
}

Status MlaAttention::forward(const float* x, const AttentionStep& step, const LatentCache& cache,
                             float* out) {
  const std::int64_t T = step.num_tokens, H = heads_, L = kv_lora_, R = rope_, qk = nope_ + rope_;
  const std::int64_t kv_width = L + R;
  q_.resize(std::size_t(T * H * qk));
  kv_.resize(std::size_t(T * kv_width));
  q_latent_.resize(std::size_t(T * H * kv_width));
  o_latent_.resize(std::size_t(T * H * L));
  head_in_.resize(std::size_t(T * std::max({L, nope_})));
  head_out_.resize(std::size_t(T * std::max(L, v_)));
  attn_.resize(std::size_t(T * H * v_));

  // Queries.
  if (q_lora_ > 0) {
    q_lora_buf_.resize(std::size_t(T * q_lora_));
    PLEXUS_RETURN_IF_ERROR(q_a_->forward(x, T, q_lora_buf_.data()));
    kernels::rms_norm(q_lora_buf_.data(), q_a_norm_.tensor.data_as<const float>(),
                      q_lora_buf_.data(), T, q_lora_, kLatentNormEps);
    PLEXUS_RETURN_IF_ERROR(q_b_->forward(q_lora_buf_.data(), T, q_.data()));
  } else {
    PLEXUS_RETURN_IF_ERROR(q_proj_->forward(x, T, q_.data()));
  }
  // The latent and the shared rope key; the latent is normed in place.
  PLEXUS_RETURN_IF_ERROR(kv_a_->forward(x, T, kv_.data()));
  for (std::int64_t t = 0; t < T; ++t) {
    float* latent = kv_.data() + t * kv_width;
    kernels::rms_norm(latent, kv_a_norm_.tensor.data_as<const float>(), latent, 1, L,
                      kLatentNormEps);
  }
  PLEXUS_RETURN_IF_ERROR(kernels::apply_rope(q_.data() + nope_, T, H, H * qk, qk, step.positions,
                                             *step.rope, kernels::RopeLayout::kInterleaved));
  PLEXUS_RETURN_IF_ERROR(kernels::apply_rope(kv_.data() + L, T, 1, kv_width, kv_width,
                                             step.positions, *step.rope,
                                             kernels::RopeLayout::kInterleaved));
  for (std::int64_t t = 0; t < T; ++t) {
    const std::int64_t slot = step.slots[t];
    if (slot < 0) continue;
    if (slot >= cache.num_slots) {
      return Status::invalid_argument("KV slot " + std::to_string(slot) + " is past the cache (" +
                                      std::to_string(cache.num_slots) + " slots)");
    }
    std::copy_n(kv_.data() + t * kv_width, kv_width, cache.data + slot * kv_width);
  }

  // Absorb W_UK into the queries: q_latent[t, h] = [q_nope[t, h] W_UK[h] | q_pe[t, h]].
  for (std::int64_t h = 0; h < H; ++h) {
    for (std::int64_t t = 0; t < T; ++t) {
      std::copy_n(q_.data() + (t * H + h) * qk, nope_, head_in_.data() + t * nope_);
    }
    PLEXUS_RETURN_IF_ERROR(kernels::gemm(head_in_.data(), uk_t_.data() + h * L * nope_, DType::kF32,
                                         nullptr, head_out_.data(), T, L, nope_));
    for (std::int64_t t = 0; t < T; ++t) {
      float* dst = q_latent_.data() + (t * H + h) * kv_width;
      std::copy_n(head_out_.data() + t * L, L, dst);
      std::copy_n(q_.data() + (t * H + h) * qk + nope_, R, dst + L);
    }
  }
  PLEXUS_RETURN_IF_ERROR(attend(step, cache));

  // Expand the attended latents with W_UV, head by head, then o_proj.
  for (std::int64_t h = 0; h < H; ++h) {
    for (std::int64_t t = 0; t < T; ++t) {
      std::copy_n(o_latent_.data() + (t * H + h) * L, L, head_in_.data() + t * L);
    }
    PLEXUS_RETURN_IF_ERROR(kernels::gemm(head_in_.data(), uv_.data() + h * v_ * L, DType::kF32,
                                         nullptr, head_out_.data(), T, v_, L));
    for (std::int64_t t = 0; t < T; ++t) {
      std::copy_n(head_out_.data() + t * v_, v_, attn_.data() + (t * H + h) * v_);
    }
  }
  return o_proj_->forward(attn_.data(), T, out);
}

// o_latent[t, h] = softmax_j(scale * q_latent[t, h] . cache[j]) . c_kv[j] over the keys j at
// positions 0..positions[t] of t's sequence, visited in position order.
Status MlaAttention::attend(const AttentionStep& step, const LatentCache& cache) {
  const std::int64_t T = step.num_tokens, H = heads_, L = kv_lora_, kv_width = L + rope_;
  const std::int64_t bs = cache.block_size, num_blocks = cache.num_slots / bs;
  std::vector<std::int64_t> seq_of(static_cast<std::size_t>(T));
  for (std::int64_t s = 0; s < step.num_seqs; ++s) {
    if (step.query_starts[s] > step.query_starts[s + 1] || step.query_starts[s + 1] > T) {
      return Status::invalid_argument("malformed ForwardBatch: query_starts");
    }
    for (std::int64_t t = step.query_starts[s]; t < step.query_starts[s + 1]; ++t) {
      seq_of[std::size_t(t)] = s;
      // Every block the token reads must be in the table and in the cache.
      const std::int64_t last_block = step.positions[t] / bs;
      if (step.positions[t] < 0 || last_block >= step.blocks_per_seq) {
        return Status::invalid_argument("position " + std::to_string(step.positions[t]) +
                                        " is past the sequence's block table");
      }
      for (std::int64_t b = 0; b <= last_block; ++b) {
        const std::int32_t id = step.block_tables[s * step.blocks_per_seq + b];
        if (id < 0 || id >= num_blocks) {
          return Status::invalid_argument("block id " + std::to_string(id) +
                                          " is outside the KV cache");
        }
      }
    }
  }
  if (step.num_seqs > 0 && step.query_starts[step.num_seqs] != T) {
    return Status::invalid_argument("malformed ForwardBatch: query_starts do not cover the tokens");
  }
  const float scale = softmax_scale_;
  std::atomic<bool> failed{false};
  kernels::default_thread_pool().parallel_for(T * H, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> scores;
    for (std::int64_t item = begin; item < end; ++item) {
      const std::int64_t t = item / H, h = item % H, s = seq_of[std::size_t(t)];
      const std::int32_t* table = step.block_tables + s * step.blocks_per_seq;
      const float* q = q_latent_.data() + (t * H + h) * kv_width;
      const std::int64_t n = step.positions[t] + 1;
      auto key = [&](std::int64_t j) {
        return cache.data + (std::int64_t(table[j / bs]) * bs + j % bs) * kv_width;
      };
      // Scores a block of the cache at a time: its slots are contiguous [count, L + R] rows,
      // and gemm's dot products follow one fixed order whatever else is computed.
      scores.resize(std::size_t(n));
      for (std::int64_t j0 = 0; j0 < n; j0 += bs) {
        if (!kernels::gemm(q, key(j0), DType::kF32, nullptr, scores.data() + j0, 1,
                           std::min(bs, n - j0), kv_width)
                 .ok()) {
          failed = true;
        }
      }
      float max_score = -std::numeric_limits<float>::infinity();
      for (std::int64_t j = 0; j < n; ++j) {
        scores[std::size_t(j)] *= scale;
        max_score = std::max(max_score, scores[std::size_t(j)]);
      }
      double sum = 0.0;
      for (std::int64_t j = 0; j < n; ++j) {
        scores[std::size_t(j)] = std::exp(scores[std::size_t(j)] - max_score);
        sum += scores[std::size_t(j)];
      }
      float* o = o_latent_.data() + (t * H + h) * L;
      std::fill_n(o, L, 0.0f);
      const float inv = float(1.0 / sum);
      for (std::int64_t j = 0; j < n; ++j) {
        const float w = scores[std::size_t(j)] * inv;
        const float* c = key(j);
        for (std::int64_t l = 0; l < L; ++l) o[l] += w * c[l];
      }
    }
  });
  if (failed) return Status::internal("latent attention: a score GEMM failed");
  return Status();
}

}  // namespace plexus::deepseek
