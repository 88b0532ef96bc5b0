#include "attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "attention_units.h"
#include "gemm_tiles.h"

namespace plexus::kernels {
namespace {

Status check_cache(const PagedKvCache& c) {
  if (c.num_blocks < 0 || c.block_size <= 0 || c.num_kv_heads <= 0 || c.head_dim <= 0 ||
      c.v_head_dim <= 0) {
    return Status::invalid_argument(
        "attention: the KV cache needs block_size, num_kv_heads, head_dim and v_head_dim > 0");
  }
  if (c.num_blocks > 0 && (c.k == nullptr || c.v == nullptr)) {
    return Status::invalid_argument("attention: the KV cache has no K or V storage");
  }
  return Status::ok_status();
}

Status check_batch(const PagedKvCache& c, std::int64_t num_heads, const PagedAttentionBatch& b) {
  PLEXUS_RETURN_IF_ERROR(check_cache(c));
  if (num_heads <= 0 || num_heads % c.num_kv_heads != 0) {
    return Status::invalid_argument("attention: num_heads " + std::to_string(num_heads) +
                                    " must be a positive multiple of num_kv_heads " +
                                    std::to_string(c.num_kv_heads));
  }
  if (b.num_seqs < 0 || (b.num_seqs > 0 && (b.query_start == nullptr || b.block_tables == nullptr ||
                                            b.positions == nullptr))) {
    return Status::invalid_argument("attention: batch without query_start/positions/block_tables");
  }
  if (b.num_seqs > 0 && b.query_start[0] != 0) {
    return Status::invalid_argument("attention: query_start[0] must be 0");
  }
  for (std::int64_t s = 0; s < b.num_seqs; ++s) {
    if (b.query_start[s + 1] < b.query_start[s]) {
      return Status::invalid_argument("attention: query_start decreases at sequence " +
                                      std::to_string(s));
    }
    const std::int32_t* table = b.block_tables + s * b.max_blocks_per_seq;
    std::int64_t needed_blocks = 0;
    for (std::int64_t t = b.query_start[s]; t < b.query_start[s + 1]; ++t) {
      if (b.positions[t] < 0) {
        return Status::invalid_argument("attention: token " + std::to_string(t) +
                                        " has a negative position");
      }
      needed_blocks = std::max(needed_blocks, b.positions[t] / c.block_size + 1);
    }
    if (needed_blocks > b.max_blocks_per_seq) {
      return Status::invalid_argument("attention: sequence " + std::to_string(s) +
                                      " reaches block " + std::to_string(needed_blocks - 1) +
                                      " but its block table has " +
                                      std::to_string(b.max_blocks_per_seq) + " entries");
    }
    for (std::int64_t i = 0; i < needed_blocks; ++i) {
      if (table[i] < 0 || table[i] >= c.num_blocks) {
        return Status::invalid_argument("attention: sequence " + std::to_string(s) +
                                        " maps to block id " + std::to_string(table[i]) +
                                        ", outside the cache of " + std::to_string(c.num_blocks) +
                                        " blocks");
      }
    }
  }
  return Status::ok_status();
}

// Sequence of each query row.
std::vector<std::int64_t> row_to_seq(const PagedAttentionBatch& b) {
  const std::int64_t num_tokens = b.num_seqs > 0 ? b.query_start[b.num_seqs] : 0;
  std::vector<std::int64_t> seq(static_cast<std::size_t>(num_tokens));
  for (std::int64_t s = 0; s < b.num_seqs; ++s) {
    for (std::int64_t t = b.query_start[s]; t < b.query_start[s + 1]; ++t) seq[t] = s;
  }
  return seq;
}

}  // namespace

Status write_kv_cache(const PagedKvCache& cache, const float* k, const float* v,
                      std::int64_t num_tokens, const std::int64_t* slot_mapping) {
  PLEXUS_RETURN_IF_ERROR(check_cache(cache));
  const std::int64_t slots = cache.num_blocks * cache.block_size;
  for (std::int64_t t = 0; t < num_tokens; ++t) {
    if (slot_mapping[t] >= slots) {
      return Status::invalid_argument("write_kv_cache: token " + std::to_string(t) +
                                      " maps to slot " + std::to_string(slot_mapping[t]) +
                                      ", past the cache's " + std::to_string(slots) + " slots");
    }
  }
  const std::int64_t k_row = cache.num_kv_heads * cache.head_dim;
  const std::int64_t v_row = cache.num_kv_heads * cache.v_head_dim;
  for (std::int64_t t = 0; t < num_tokens; ++t) {
    const std::int64_t slot = slot_mapping[t];
    if (slot < 0) continue;
    std::memcpy(cache.k + slot * k_row, k + t * k_row, std::size_t(k_row) * sizeof(float));
    std::memcpy(cache.v + slot * v_row, v + t * v_row, std::size_t(v_row) * sizeof(float));
  }
  return Status::ok_status();
}

namespace internal {

std::vector<QueryChunk> query_chunks(const PagedAttentionBatch& batch) {
  std::vector<QueryChunk> chunks;
  std::vector<std::int64_t> cost;  // query rows x keys they read: the chunk's work
  for (std::int64_t s = 0; s < batch.num_seqs; ++s) {
    for (std::int64_t t = batch.query_start[s]; t < batch.query_start[s + 1];
         t += kAttentionChunkTokens) {
      const std::int64_t end = std::min(batch.query_start[s + 1], t + kAttentionChunkTokens);
      chunks.push_back({s, t, end});
      std::int64_t last = 0;
      for (std::int64_t i = t; i < end; ++i) last = std::max(last, batch.positions[i]);
      cost.push_back((end - t) * (last + 1));
    }
  }
  // The pool gives each thread a contiguous range of units, and a causal prefill's late chunks
  // read many more keys than its early ones. Heaviest, lightest, second heaviest, second
  // lightest, ...: any contiguous half (or third) then holds about its share of the work.
  std::vector<std::size_t> by_cost(chunks.size());
  for (std::size_t i = 0; i < by_cost.size(); ++i) by_cost[i] = i;
  std::stable_sort(by_cost.begin(), by_cost.end(),
                   [&](std::size_t x, std::size_t y) { return cost[x] > cost[y]; });
  std::vector<QueryChunk> balanced;
  balanced.reserve(chunks.size());
  for (std::size_t lo = 0, hi = by_cost.size(); lo < hi;) {
    balanced.push_back(chunks[by_cost[lo++]]);
    if (lo < hi) balanced.push_back(chunks[by_cost[--hi]]);
  }
  return balanced;
}

}  // namespace internal

Status paged_attention(const PagedKvCache& cache, const float* q, std::int64_t num_heads,
                       const PagedAttentionBatch& batch, float scale, float* out,
                       ThreadPool* pool) {
  PLEXUS_RETURN_IF_ERROR(check_batch(cache, num_heads, batch));
  const std::vector<internal::QueryChunk> chunks = internal::query_chunks(batch);
  if (chunks.empty()) return Status::ok_status();

  internal::AttentionArgs args;
  args.cache = &cache;
  args.q = q;
  args.num_heads = num_heads;
  args.batch = &batch;
  args.chunks = chunks.data();
  args.scale = scale;
  args.out = out;
  args.score_tiles = internal::gemm_tiles_for(active_cpu_isa());
  // Both variants give the same bits (attention_units.h); AVX2 is the faster.
  const auto units = active_cpu_isa() == CpuIsa::kGeneric ? internal::attention_units_generic
                                                          : internal::attention_units_avx2;
  ThreadPool& p = pool ? *pool : default_thread_pool();
  // One unit = one chunk of a sequence's query tokens x one KV head (its query heads share
  // the keys).
  p.parallel_for(std::int64_t(chunks.size()) * cache.num_kv_heads,
                 [&](std::int64_t begin, std::int64_t end) { units(args, begin, end); });
  return Status::ok_status();
}

Status paged_attention_reference(const PagedKvCache& cache, const float* q, std::int64_t num_heads,
                                 const PagedAttentionBatch& batch, float scale, float* out) {
  PLEXUS_RETURN_IF_ERROR(check_batch(cache, num_heads, batch));
  const std::vector<std::int64_t> seq_of = row_to_seq(batch);
  const std::int64_t group = num_heads / cache.num_kv_heads;
  const std::int64_t hd = cache.head_dim, vd = cache.v_head_dim, bs = cache.block_size;
  for (std::int64_t t = 0; t < std::int64_t(seq_of.size()); ++t) {
    const std::int64_t pos = batch.positions[t];
    const std::int32_t* table = batch.block_tables + seq_of[t] * batch.max_blocks_per_seq;
    for (std::int64_t h = 0; h < num_heads; ++h) {
      const std::int64_t kvh = h / group;
      const float* qh = q + (t * num_heads + h) * hd;
      auto slot_of = [&](std::int64_t j) { return std::int64_t(table[j / bs]) * bs + j % bs; };
      std::vector<double> logits(std::size_t(pos + 1));
      double max = -std::numeric_limits<double>::infinity();
      for (std::int64_t j = 0; j <= pos; ++j) {
        const float* kj = cache.k + (slot_of(j) * cache.num_kv_heads + kvh) * hd;
        double dot = 0;
        for (std::int64_t d = 0; d < hd; ++d) dot += double(qh[d]) * kj[d];
        logits[j] = dot * scale;
        max = std::max(max, logits[j]);
      }
      double total = 0;
      for (double& l : logits) total += (l = std::exp(l - max));
      for (std::int64_t d = 0; d < vd; ++d) {
        double o = 0;
        for (std::int64_t j = 0; j <= pos; ++j) {
          o += logits[j] * cache.v[(slot_of(j) * cache.num_kv_heads + kvh) * vd + d];
        }
        out[(t * num_heads + h) * vd + d] = float(o / total);
      }
    }
  }
  return Status::ok_status();
}

}  // namespace plexus::kernels
