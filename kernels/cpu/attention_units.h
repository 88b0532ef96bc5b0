// Internal to the CPU kernels: the per-ISA inner loop of paged_attention() (attention.h), one
// unit = one query token x one KV head, and the exponential its softmax uses.
//
// The variants are the same C++ (attention_units.inc) compiled with baseline or AVX2 flags;
// with -ffp-contract=off and exp_nonpositive() in place of libm's expf they give the same bits,
// so the choice of variant never changes an answer.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "attention.h"
#include "cpu_features.h"
#include "gemm_tiles.h"

namespace plexus::kernels::internal {

// e^x for x <= 0, as the softmax needs it (x = score - running max): Cody-Waite reduction to
// r in [-ln2/2, ln2/2], a degree-6 Taylor polynomial, and 2^n built in the exponent bits.
// Relative error < 3e-7 for x >= -87; smaller x gives e^-87 (~1.6e-38), which no softmax over a
// row holding its own maximum (e^0 = 1) can tell from 0. Plain C++ so loops over it vectorize.
inline float exp_nonpositive(float x) {
  x = x < -87.0f ? -87.0f : x;
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693145751953125f;  // ln 2 split so that n * kLn2Hi is exact
  constexpr float kLn2Lo = 1.428606765330187045e-06f;
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float shifted = x * kLog2e + kRound;
  const float n = shifted - kRound;
  const float r = (x - n * kLn2Hi) - n * kLn2Lo;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // n is an integer in [-126, 0] held in the low mantissa bits of `shifted`.
  const std::int32_t ni =
      std::bit_cast<std::int32_t>(shifted) - std::bit_cast<std::int32_t>(kRound);
  return p * std::bit_cast<float>((ni + 127) << 23);
}

// A run of query rows [begin, end) of one sequence: the rows one unit takes together.
struct QueryChunk {
  std::int64_t seq = 0;
  std::int64_t begin = 0;
  std::int64_t end = 0;
};
// At most this many rows per chunk (prefill gets GEMM tiles; decode has one row per sequence).
inline constexpr std::int64_t kAttentionChunkTokens = 16;
// The batch's rows cut into chunks of at most kAttentionChunkTokens, ordered so that contiguous
// ranges of them carry similar work (the order never changes a result).
std::vector<QueryChunk> query_chunks(const PagedAttentionBatch& batch);

struct AttentionArgs {
  const PagedKvCache* cache = nullptr;
  const float* q = nullptr;
  std::int64_t num_heads = 0;
  const PagedAttentionBatch* batch = nullptr;
  const QueryChunk* chunks = nullptr;
  float scale = 1.0f;
  float* out = nullptr;
  GemmTilesFn score_tiles = nullptr;  // the machine's GEMM tiles, for q.k in gemm.h's order
};

// Units [begin, end): unit u is chunk u / num_kv_heads, KV head u % num_kv_heads.
void attention_units_generic(const AttentionArgs& a, std::int64_t begin, std::int64_t end);
void attention_units_avx2(const AttentionArgs& a, std::int64_t begin, std::int64_t end);

}  // namespace plexus::kernels::internal
