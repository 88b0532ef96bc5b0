// Packed 2/4/8-bit weights (AWQ GEMM and GPTQ layouts) multiplied without unpacking them first:
// y = x W^T (+ bias), the HF Linear layout, with W dequantised on the fly.
//
// A QuantMatrix describes a [K in, N out] weight as its checkpoint stores it: integer codes q,
// per-group zeros z and f16 scales s, W[n][k] = (q[k][n] - z[g][n]) * s[g][n], g = k / group_size
// (groups are contiguous runs of rows; act-order checkpoints are sorted by the caller first).
//
// Batch invariance (as gemm.h): every y[m][n] follows one fixed sequence of float operations,
// whatever M is, which rows share the call, the thread count and the CPU variant (generic, AVX2,
// AVX-512 give bit-identical results). Work is split over N only. The sequence, per row m and
// column n, with all values in f32:
//   out = +0
//   for each group g in order:
//     a = +0;  for k in g ascending: a = fma(x[k], float(q[k][n]), a)
//     sx = +0; for k in g ascending: sx = sx + x[k]
//     out = fma(s[g][n], fma(-float(z[g][n]), sx, a), out)
//   y = out (+ bias[n])
// i.e. sum_k x[k] (q - z) s with the zero and the scale applied once per group.
//
// Errors: a malformed QuantMatrix (bad bits, sizes not divisible by the packing, null pointers)
// is InvalidArgument naming the problem; nothing is written then.
// Thread safety: reentrant; `pool` (default: default_thread_pool()) is used for the fan-out.
#pragma once

#include <cstdint>

#include "plexus/status.h"
#include "thread_pool.h"

namespace plexus::kernels {

enum class QuantLayout : std::uint8_t {
  // AWQ GEMM: codes [K, N/8] u32; bits 4i..4i+3 of word c hold column 8c + kAwqOrder[i].
  // zeros [groups, N/8] u32, packed the same way. 4-bit only.
  kAwqGemm,
  // GPTQ: codes [K*bits/32, N] u32; word r of column n holds rows r*(32/bits) + j at bit
  // bits*j. zeros [groups, N*bits/32] u32 hold consecutive columns the same way. 2, 4 or 8
  // bits.
  kGptq,
};

// Which column nibble i of an AWQ word holds: AWQ's interleaved packing order.
inline constexpr int kAwqOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};

struct QuantMatrix {
  QuantLayout layout = QuantLayout::kGptq;
  int bits = 4;
  std::int64_t n = 0;           // out features
  std::int64_t k = 0;           // in features
  std::int64_t group_size = 0;  // rows per group (1..k); the last group may be shorter
  const std::uint32_t* codes = nullptr;
  const std::uint32_t* zeros = nullptr;
  const std::uint16_t* scales = nullptr;  // f16 bits, [groups, n]

  std::int64_t groups() const { return group_size > 0 ? (k + group_size - 1) / group_size : 0; }
};

// InvalidArgument unless `w` is consistent: bits 4 (AWQ) or 2/4/8 (GPTQ), N a multiple of 8
// (AWQ) or 32/bits (GPTQ zeros), K a multiple of 32/bits (GPTQ), group_size a multiple of
// 32/bits (GPTQ) in 1..K, pointers set when sizes are non-zero.
Status check_quant_matrix(const QuantMatrix& w);

// The stored code at (row, col) and the stored zero of (group, col).
int quant_code(const QuantMatrix& w, std::int64_t row, std::int64_t col);
int quant_zero(const QuantMatrix& w, std::int64_t group, std::int64_t col);

// The codes and zeros of a valid kAwqGemm matrix `w`, repacked in the kGptq layout (4 bits):
// `codes` gets K/8 * N words, `zeros` groups * N/8. The values do not change, so quant_gemm
// gives bit-identical results; the GPTQ layout reads 8 code rows per word, which the one-row
// kernel runs markedly faster (bench/quant/RESULTS.md). InvalidArgument unless K and the group
// size are multiples of 8 (or the group is all of K).
Status repack_awq_as_gptq(const QuantMatrix& w, std::uint32_t* codes, std::uint32_t* zeros);

// Readable reference: out[n * K + k] = float(q - z) * float(s), exact in f32 (a small integer
// times an f16). Rounded to f16 it is what AWQ/GPTQ libraries compute in half precision.
Status quant_dequantize_reference(const QuantMatrix& w, float* out);

// The fused kernel (own AVX-512 / AVX2 / generic code, chosen at run time): x [M, K] f32,
// bias [N] f32 or null, y [M, N] f32.
Status quant_gemm(const float* x, const QuantMatrix& w, const float* bias, float* y, std::int64_t M,
                  ThreadPool* pool = nullptr);

// Oracle: dequantises with quant_dequantize_reference, then double accumulation in index order.
Status quant_gemm_reference(const float* x, const QuantMatrix& w, const float* bias, float* y,
                            std::int64_t M);

// ---- Opt-in int8 activations (`[quant] activations = "q8"`) ----
//
// quant_gemm_q8 quantizes each row of x in blocks of kQ8Block inputs to int8 with one f32 scale
// per block, as llama.cpp's Q8_0 does, and multiplies codes and activations as integers: on AVX2
// one vpmaddubsw does 32 multiply-adds where an f32 fma does 8. Per block b of a row:
//   amax = max |x[k]|,  d_b = amax / 127,  a[k] = clamp(nearbyint(x[k] * (127 / amax)), -127, 127)
// (a = 0 when 127 / amax overflows, amax = 0 included; a NaN or infinity in the block makes the
// row's outputs NaN). Each input
// moves by at most d_b / 2, so |y - y_f32| <= sum_b d_b / 2 * sum_{k in b} |W[n][k]|: the
// accuracy this path trades for speed. It is still batch invariant, and every CPU variant gives
// bit-identical results. Per row m and column n (integer sums exact, then f32):
//   out = +0
//   for each group g in order:
//     acc = +0; sa = +0
//     for each block b of g in order:
//       acc = fma(d_b, float(sum_{k in b} a[k] q[k][n]), acc)
//       sa  = fma(d_b, float(sum_{k in b} a[k]), sa)
//     out = fma(s[g][n], fma(-float(z[g][n]), sa, acc), out)
//   y = out (+ bias[n])
inline constexpr std::int64_t kQ8Block = 32;

// Whether quant_gemm_q8 takes `w` (a valid matrix): the GPTQ layout (quant-awq repacks AWQ into
// it), 2 or 4 bits (8-bit codes times int8 can overflow vpmaddubsw's 16-bit pair sums), and
// whole blocks per group: K and the group size multiples of kQ8Block.
bool quant_q8_supported(const QuantMatrix& w);

// The int8-activation kernel (AVX2 code on AVX2 and AVX-512 CPUs, else generic). InvalidArgument
// when !quant_q8_supported(w), naming why.
Status quant_gemm_q8(const float* x, const QuantMatrix& w, const float* bias, float* y,
                     std::int64_t M, ThreadPool* pool = nullptr);

// x's rows quantized as above, in k order: a [M, K] and d [M, K / kQ8Block]. REQUIRES: K a
// multiple of kQ8Block.
void quantize_q8_rows(const float* x, std::int64_t M, std::int64_t K, std::int8_t* a, float* d);

// Oracle: quantize_q8_rows, then sum_k d_b a[k] W[n][k] with W from quant_dequantize_reference,
// accumulated in double in index order.
Status quant_gemm_q8_reference(const float* x, const QuantMatrix& w, const float* bias, float* y,
                               std::int64_t M);

}  // namespace plexus::kernels
