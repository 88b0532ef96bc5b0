// Internal to the CPU kernels: the per-ISA column-block loops behind quant_gemm() (quant_gemm.h
// gives the float sequence every one of them follows).
//
// A block is 8 vectors of L lanes (L = 8 for AVX2, 16 for AVX-512), 8L output columns starting at
// n0. Lane l of vector v is column n0 + v*L + l for GPTQ (consecutive columns share a word row)
// and n0 + 8l + kAwqOrder[v] for AWQ (nibble v of word n0/8 + l), so one load of L code words
// feeds all 8 vectors.
#pragma once

#include <cstdint>

#include "cpu_features.h"
#include "quant_gemm.h"

namespace plexus::kernels::internal {

struct QuantGemmArgs {
  const float* x = nullptr;  // [M, K]
  const QuantMatrix* w = nullptr;
  const float* bias = nullptr;  // [N] or null
  float* y = nullptr;           // [M, N]
  std::int64_t M = 0;
  const float* group_sums = nullptr;  // [M, groups]: sum of x over each group, in k order
};

// Column of lane l in vector v of the block at n0.
inline std::int64_t quant_lane_column(QuantLayout layout, int lanes, std::int64_t n0, int v,
                                      int l) {
  return layout == QuantLayout::kAwqGemm ? n0 + 8 * l + kAwqOrder[v] : n0 + v * lanes + l;
}

// Columns [n_begin, n_end) of every row, one column at a time (any width: the tail of a block
// loop, and the whole of the generic variant).
void quant_columns_generic(const QuantGemmArgs& a, std::int64_t n_begin, std::int64_t n_end);

// `blocks` consecutive blocks of 8L columns from n0 (n0 + blocks * 8L <= N), every row.
// `scratch` holds quant_scratch_floats(blocks, L) floats.
void quant_blocks_avx2(const QuantGemmArgs& a, std::int64_t n0, std::int64_t blocks,
                       float* scratch);  // L = 8
void quant_blocks_avx512(const QuantGemmArgs& a, std::int64_t n0, std::int64_t blocks,
                         float* scratch);  // L = 16
// Activation rows a block loop keeps accumulators for at once.
inline constexpr std::int64_t kQuantRowChunk = 8;
inline std::int64_t quant_scratch_floats(std::int64_t blocks, int lanes) {
  return blocks * 8 * lanes * (2 + 2 * kQuantRowChunk);
}

// quant_gemm() with a chosen variant (tests compare variants bit for bit).
// REQUIRES: cpu_supports(isa).
Status quant_gemm_isa(CpuIsa isa, const float* x, const QuantMatrix& w, const float* bias, float* y,
                      std::int64_t M, ThreadPool& pool);

}  // namespace plexus::kernels::internal
