// AVX2 + FMA column blocks of quant_gemm() (this file alone is compiled with -mavx2 -mfma; only
// called after detect_cpu_isa() says the CPU has them). 8 lanes: blocks of 64 columns.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include "quant_gemm_blocks.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace plexus::kernels::internal {
namespace {

struct Isa {
  using F = __m256;
  using I = __m256i;
  static constexpr int kLanes = 8;
  static F zero() { return _mm256_setzero_ps(); }
  static F set1(float v) { return _mm256_set1_ps(v); }
  static F load_f(const float* p) { return _mm256_loadu_ps(p); }
  static void store_f(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static I load_i(const std::uint32_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  static I mask(int bits) { return _mm256_set1_epi32((1 << bits) - 1); }
  static I and_i(I a, I b) { return _mm256_and_si256(a, b); }
  template <int kShift>
  static I srli(I a) {
    return _mm256_srli_epi32(a, kShift);
  }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  using S = __m128i;
  static S shift_count(int s) { return _mm_cvtsi32_si128(s); }
  static I srl(I a, S s) { return _mm256_srl_epi32(a, s); }
  static F to_float(I a) { return _mm256_cvtepi32_ps(a); }
  static F neg(F a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
  static F half_to_float(const std::uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
};

#include "quant_block_loop.inc"

// ---- quant_gemm_q8: int8 activations (quant_gemm.h) ----

// The 4 activations a code word's shift s pairs with, in every 32-bit lane.
inline __m256i broadcast4(const std::int8_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// Activation block t (kQ8Block code rows) of the 64 columns at nb for R rows, kBits-bit codes:
// acc = fma(d_b, float(sum a[k] q[k][n]), acc), with acc = +0 for a group's first block
// (kFirst: written without reading acc_b, so blocks_loop need not zero it). A code word (kPer
// rows of one column) shifted by kBits * s and masked to the low kBits of each byte holds 4 codes
// as bytes; vpmaddubsw multiplies them with their 4 activations (broadcast4) and adds pairs to
// 16 bits. Each 16-bit lane sums 16 codes of a block (|sum| <= 16 * 15 * 127 < 2^15 for 4 bits),
// and vpmaddwd adds the two lanes of a column to its exact 32-bit dot product. Each vector's 8
// code vectors are unpacked once into registers and used by every row in turn; the vectors go
// in column order, so the block's code rows are read front to back.
template <int kBits, int R, bool kFirst>
inline __attribute__((always_inline)) void q8_block(const QuantGemmArgs& a, std::int64_t m0,
                                                    std::int64_t t, std::int64_t nb, float* acc_b,
                                                    std::int64_t span) {
  constexpr int kPer = 32 / kBits;
  constexpr int kWords = kQ8Block / kPer;
  constexpr int kShifts = 8 / kBits;
  static_assert(kWords * kShifts == 8);
  // Locals, not a.w->...: the vector stores below may alias anything, and would force reloads.
  const std::int64_t n = a.w->n, k = a.w->k;
  const std::int64_t blocks_per_row = k / kQ8Block;
  const std::uint32_t* const codes = a.w->codes + (t / kPer) * n + nb;
  const std::int8_t* const xq = a.xq + m0 * k + t;
  const float* const d = a.xq_scale + m0 * blocks_per_row + t / kQ8Block;
  const __m256i low = _mm256_set1_epi8(char((1 << kBits) - 1));
  const __m256i ones = _mm256_set1_epi16(1);
  for (int v = 0; v < 8; ++v) {
    __m256i q[8];
#pragma GCC unroll 4
    for (int r = 0; r < kWords; ++r) {
      const __m256i word = Isa::load_i(codes + r * n + v * 8);
#pragma GCC unroll 4
      for (int s = 0; s < kShifts; ++s) {
        q[r * kShifts + s] =
            _mm256_and_si256(_mm256_srl_epi16(word, _mm_cvtsi32_si128(kBits * s)), low);
      }
    }
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      const std::int8_t* x = xq + i * k;
      __m256i sum = _mm256_maddubs_epi16(q[0], broadcast4(x));
#pragma GCC unroll 8
      for (int j = 1; j < 8; ++j) {
        // Code vector j = (word r, shift s) pairs with the activations at r * kPer + 4 * s.
        const int offset = (j / kShifts) * kPer + 4 * (j % kShifts);
        sum = _mm256_add_epi16(sum, _mm256_maddubs_epi16(q[j], broadcast4(x + offset)));
      }
      const __m256 dot = _mm256_cvtepi32_ps(_mm256_madd_epi16(sum, ones));
      float* acc = acc_b + i * span + v * 8;
      const __m256 prev = kFirst ? _mm256_setzero_ps() : _mm256_loadu_ps(acc);
      _mm256_storeu_ps(acc, _mm256_fmadd_ps(_mm256_set1_ps(d[i * blocks_per_row]), dot, prev));
    }
  }
}

// Code rows [k0, k1) (one group: whole activation blocks) of the 64 columns at nb for R rows, a
// block at a time. Block-major order was ~20% faster at 8 rows than walking each vector of
// columns through the whole group (A/B on the 1.1B model's layers): the accumulators a block
// updates are stored well before the next block loads them.
template <int kBits, int R>
void q8_rows(const QuantGemmArgs& a, std::int64_t m0, std::int64_t k0, std::int64_t k1,
             std::int64_t nb, float* acc_b, std::int64_t span) {
  q8_block<kBits, R, true>(a, m0, k0, nb, acc_b, span);
  for (std::int64_t t = k0 + kQ8Block; t < k1; t += kQ8Block) {
    q8_block<kBits, R, false>(a, m0, t, nb, acc_b, span);
  }
}

// q8_rows<kBits, R> for R = 1..kQuantRowChunk, indexed by R - 1.
template <int kBits, std::size_t... kR>
constexpr auto q8_rows_table(std::index_sequence<kR...>) {
  return std::array{&q8_rows<kBits, int(kR) + 1>...};
}

template <int kBits>
void q8_rows_any(const QuantGemmArgs& a, std::int64_t m0, std::int64_t rows, std::int64_t k0,
                 std::int64_t k1, std::int64_t nb, float* acc_b, std::int64_t span) {
  static constexpr auto kRows =
      q8_rows_table<kBits>(std::make_index_sequence<std::size_t(kQuantRowChunk)>());
  kRows[std::size_t(rows - 1)](a, m0, k0, k1, nb, acc_b, span);
}

// A q8 tile is a whole group (k_step = group size): q8_rows walks its activation blocks in
// order, and its first block writes the group's accumulators without reading them.
struct Q8Tile {
  static constexpr bool kWritesFirst = true;
  const QuantGemmArgs& a;
  std::int64_t k_step;  // the group size
  void operator()(std::int64_t m0, std::int64_t rows, std::int64_t k0, std::int64_t k1,
                  std::int64_t nb, float* acc_b, std::int64_t span) const {
    if (a.w->bits == 4) {
      q8_rows_any<4>(a, m0, rows, k0, k1, nb, acc_b, span);
    } else {
      q8_rows_any<2>(a, m0, rows, k0, k1, nb, acc_b, span);
    }
  }
};

// pshufb controls: byte p of a code word takes the activation of code c, q8_position(bits, c) = p.
__m256i word_order(int bits) {
  const int per = 32 / bits;
  alignas(32) std::int8_t ctrl[32];
  for (int p = 0; p < 32; ++p) {
    for (int c = 0; c < per; ++c) {
      if (q8_position(bits, c) == p % per) ctrl[p] = std::int8_t((p % 16) - (p % per) + c);
    }
  }
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(ctrl));
}
const __m256i kOrder4 = word_order(4);
const __m256i kOrder2 = word_order(2);

// max |x| over 8 floats; clears *finite when one of them is NaN or infinite.
inline float max_abs8(__m256 v, bool* finite) {
  const __m256 abs = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
  const __m256 below_inf = _mm256_cmp_ps(abs, _mm256_set1_ps(INFINITY), _CMP_LT_OQ);
  *finite = *finite && _mm256_movemask_ps(below_inf) == 0xff;
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(abs), _mm256_extractf128_ps(abs, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}

}  // namespace

void quant_q8_blocks_avx2(const QuantGemmArgs& a, std::int64_t n0, std::int64_t blocks,
                          float* scratch) {
  blocks_loop(a, n0, blocks, scratch, Q8Tile{a, a.w->group_size});
}

bool quantize_q8_block_avx2(const float* x, int bits, std::int8_t* a, float* d, int* sum) {
  __m256 v[4];
  bool finite = true;
  float amax = 0.0f;
  for (int j = 0; j < 4; ++j) {
    v[j] = _mm256_loadu_ps(x + 8 * j);
    amax = std::max(amax, max_abs8(v[j], &finite));
  }
  if (!finite) return false;
  *d = amax / 127.0f;
  const __m256 inverse = _mm256_set1_ps(q8_inverse(amax));
  const __m256 lo = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
  __m256i q[4];
  for (int j = 0; j < 4; ++j) {
    const __m256 r = _mm256_round_ps(_mm256_mul_ps(v[j], inverse),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    q[j] = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(r, lo), hi));
  }
  // int32 -> int16 -> int8 (no value saturates); the packs work within 128-bit halves, so the
  // permute puts the bytes back in k order.
  const __m256i w01 = _mm256_packs_epi32(q[0], q[1]);
  const __m256i w23 = _mm256_packs_epi32(q[2], q[3]);
  __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w01, w23),
                                              _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  // q8 word order: a code word spans 8 (4-bit) or 16 (2-bit) bytes, within one 128-bit half.
  if (bits > 0) bytes = _mm256_shuffle_epi8(bytes, bits == 4 ? kOrder4 : kOrder2);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(a), bytes);
  const __m256i s8 = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  *sum = _mm_cvtsi128_si32(s);
  return true;
}

void quant_blocks_avx2(const QuantGemmArgs& a, std::int64_t n0, std::int64_t blocks,
                       float* scratch) {
  f32_blocks(a, n0, blocks, scratch);
}

}  // namespace plexus::kernels::internal

#else

namespace plexus::kernels::internal {
void quant_blocks_avx2(const QuantGemmArgs& a, std::int64_t n0, std::int64_t blocks, float*) {
  quant_columns_generic(a, n0, n0 + blocks * 64);
}
void quant_q8_blocks_avx2(const QuantGemmArgs& a, std::int64_t n0, std::int64_t blocks, float*) {
  quant_q8_columns_generic(a, n0, n0 + blocks * 64);
}
bool quantize_q8_block_avx2(const float* x, int bits, std::int8_t* a, float* d, int* sum) {
  return quantize_q8_block_generic(x, bits, a, d, sum);
}
}  // namespace plexus::kernels::internal

#endif
