// Attention over the paged KV cache (vLLM-style block tables), causal by absolute position, with
// grouped-query heads.
//
// Cache layout, per layer: K [num_blocks, block_size, num_kv_heads, head_dim] and V [num_blocks,
// block_size, num_kv_heads, v_head_dim], f32. Token j of a sequence lives in block
// block_table[j / block_size] at offset j % block_size; its flat slot is block * block_size +
// offset. New tokens' K/V are written with write_kv_cache() BEFORE paged_attention() runs, so a
// query always reads every key (its own included) from the cache.
//
// Invariance: query token t of sequence s at position p attends the keys at positions 0..p of s,
// visited in position order block by block (online softmax, one block of the cache at a time),
// q.k scores in gemm.h's fixed order. Nothing depends on how many other tokens or sequences are
// in the batch, on how the prompt was split into chunks, or on the thread count: the output for
// (s, p) is bit-identical in all cases.
//
// GQA: query head h uses KV head h / (num_heads / num_kv_heads).
// Thread safety: reentrant; work fans out over (token, kv head) on the pool.
#pragma once

#include <cstdint>

#include "plexus/status.h"
#include "thread_pool.h"

namespace plexus::kernels {

struct PagedKvCache {
  float* k = nullptr;  // [num_blocks, block_size, num_kv_heads, head_dim]
  float* v = nullptr;  // [num_blocks, block_size, num_kv_heads, v_head_dim]
  std::int64_t num_blocks = 0;
  std::int64_t block_size = 0;
  std::int64_t num_kv_heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t v_head_dim = 0;  // usually == head_dim
};

// Copies k [num_tokens, num_kv_heads, head_dim] and v [num_tokens, num_kv_heads, v_head_dim]
// into the cache at slot_mapping[t]; a negative slot skips the token (padding).
// InvalidArgument when a slot is past the cache.
Status write_kv_cache(const PagedKvCache& cache, const float* k, const float* v,
                      std::int64_t num_tokens, const std::int64_t* slot_mapping);

struct PagedAttentionBatch {
  std::int64_t num_seqs = 0;
  // [num_seqs + 1], non-decreasing from 0: sequence s owns query rows
  // [query_start[s], query_start[s + 1]).
  const std::int64_t* query_start = nullptr;
  // [num_tokens]: absolute position of each query token in its sequence.
  const std::int64_t* positions = nullptr;
  // [num_seqs, max_blocks_per_seq] block ids; only the first positions/block_size + 1 entries
  // a sequence's tokens reach are read.
  const std::int32_t* block_tables = nullptr;
  std::int64_t max_blocks_per_seq = 0;
};

// out [num_tokens, num_heads, v_head_dim] = softmax(scale * q k^T) v for each query row of
// q [num_tokens, num_heads, head_dim], num_tokens = query_start[num_seqs].
// InvalidArgument on inconsistent shapes, a position whose block is past the table, or a block
// id outside the cache; nothing is written then.
Status paged_attention(const PagedKvCache& cache, const float* q, std::int64_t num_heads,
                       const PagedAttentionBatch& batch, float scale, float* out,
                       ThreadPool* pool = nullptr);

// Reference: gathers each query's keys through the block table and does a two-pass softmax in
// double. The oracle for paged_attention().
Status paged_attention_reference(const PagedKvCache& cache, const float* q, std::int64_t num_heads,
                                 const PagedAttentionBatch& batch, float scale, float* out);

}  // namespace plexus::kernels
