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
                                      // (q8: sa of quant_gemm.h, per row and group)
  // Set for quant_gemm_q8, null for the f32 path. a is in q8 word order (q8_position).
  const std::int8_t* xq = nullptr;  // [M, K]
  const float* xq_scale = nullptr;  // [M, K / kQ8Block]: d
};

// Where the activation of code c (0 <= c < 32 / bits) of a code word sits among that word's
// 32 / bits int8 activations. A code word's byte j, shifted right by bits * s and masked, holds
// codes j * (8 / bits) + s for j = 0..3: the four activations that vpmaddubsw pairs with them
// are stored together, so one 4-byte broadcast feeds all columns.
inline int q8_position(int bits, int c) {
  const int per_byte = 8 / bits;
  return (c % per_byte) * 4 + c / per_byte;
}

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
// quant_blocks_avx2 for quant_gemm_q8 (a.xq set): AVX2 code that AVX-512 CPUs run too.
void quant_q8_blocks_avx2(const QuantGemmArgs& a, std::int64_t n0, std::int64_t blocks,
                          float* scratch);
void quant_q8_columns_generic(const QuantGemmArgs& a, std::int64_t n_begin, std::int64_t n_end);
// 127 / amax, or 0 when that is not finite (amax = 0, or below ~1e-36): the block's codes are
// then all 0.
inline float q8_inverse(float amax) {
  const float inverse = 127.0f / amax;
  return inverse <= 3.4e38f ? inverse : 0.0f;
}

// One block of kQ8Block activations quantized (quant_gemm.h) into a (k order when bits is 0,
// else q8 word order for `bits`-bit codes), its d and the sum of its codes. False, with nothing
// written, when the block holds a NaN or an infinity. Both variants give the same bytes (the AVX2
// one needs cpu_supports(kAvx2)).
bool quantize_q8_block_generic(const float* x, int bits, std::int8_t* a, float* d, int* sum);
bool quantize_q8_block_avx2(const float* x, int bits, std::int8_t* a, float* d, int* sum);
// Activation rows a block loop keeps accumulators for at once.
inline constexpr std::int64_t kQuantRowChunk = 8;
// Floats after each activation row's accumulators in a block loop's scratch (one cache line).
inline constexpr std::int64_t kQuantRowPad = 16;
inline std::int64_t quant_scratch_floats(std::int64_t blocks, int lanes) {
  return blocks * 8 * lanes * (2 + 2 * kQuantRowChunk) + 2 * kQuantRowChunk * kQuantRowPad;
}

// quant_gemm() with a chosen variant (tests compare variants bit for bit).
// REQUIRES: cpu_supports(isa).
Status quant_gemm_isa(CpuIsa isa, const float* x, const QuantMatrix& w, const float* bias, float* y,
                      std::int64_t M, ThreadPool& pool);
Status quant_gemm_q8_isa(CpuIsa isa, const float* x, const QuantMatrix& w, const float* bias,
                         float* y, std::int64_t M, ThreadPool& pool);

// The checks every quant_gemm entry makes: InvalidArgument for a bad call, true when nothing
// is left to compute (M, N or K is 0; y then holds the bias), false otherwise.
Result<bool> quant_gemm_trivial(const float* x, const QuantMatrix& w, const float* bias, float* y,
                                std::int64_t M);

// Runs `a` on `pool`, column blocks of the variant `isa` (q8 when a.xq is set). REQUIRES: a
// checked, M, N, K > 0.
void run_quant_blocks(CpuIsa isa, const QuantGemmArgs& a, ThreadPool& pool);

}  // namespace plexus::kernels::internal
