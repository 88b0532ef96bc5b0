// AVX2 + FMA column blocks of quant_gemm() (this file alone is compiled with -mavx2 -mfma; only
// called after detect_cpu_isa() says the CPU has them). 8 lanes: blocks of 64 columns.
#include <algorithm>
#include <cstdint>

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

}  // namespace

void quant_blocks_avx2(const QuantGemmArgs& a, std::int64_t n0, std::int64_t blocks,
                       float* scratch) {
  blocks_loop(a, n0, blocks, scratch);
}

}  // namespace plexus::kernels::internal

#else

namespace plexus::kernels::internal {
void quant_blocks_avx2(const QuantGemmArgs& a, std::int64_t n0, std::int64_t blocks, float*) {
  quant_columns_generic(a, n0, n0 + blocks * 64);
}
}  // namespace plexus::kernels::internal

#endif
