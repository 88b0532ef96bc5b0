// AVX-512 column blocks of quant_gemm() (this file alone is compiled with -mavx512f and
// friends; only called after detect_cpu_isa() says the CPU has them). 16 lanes: blocks of 128
// columns, one 64-byte line of AWQ codes per row.
#include <algorithm>
#include <cstdint>

#include "quant_gemm_blocks.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace plexus::kernels::internal {
namespace {

struct Isa {
  using F = __m512;
  using I = __m512i;
  static constexpr int kLanes = 16;
  static F zero() { return _mm512_setzero_ps(); }
  static F set1(float v) { return _mm512_set1_ps(v); }
  static F load_f(const float* p) { return _mm512_loadu_ps(p); }
  static void store_f(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static I load_i(const std::uint32_t* p) { return _mm512_loadu_si512(p); }
  static I mask(int bits) { return _mm512_set1_epi32((1 << bits) - 1); }
  static I and_i(I a, I b) { return _mm512_and_si512(a, b); }
  template <int kShift>
  static I srli(I a) {
    return _mm512_srli_epi32(a, kShift);
  }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  using S = __m128i;
  static S shift_count(int s) { return _mm_cvtsi32_si128(s); }
  static I srl(I a, S s) { return _mm512_srl_epi32(a, s); }
  static F to_float(I a) { return _mm512_cvtepi32_ps(a); }
  static F neg(F a) {
    return _mm512_castsi512_ps(
        _mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(std::int32_t(0x80000000u))));
  }
  static F half_to_float(const std::uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
};

#include "quant_block_loop.inc"

}  // namespace

void quant_blocks_avx512(const QuantGemmArgs& a, std::int64_t n0, std::int64_t blocks,
                         float* scratch) {
  f32_blocks(a, n0, blocks, scratch);
}

}  // namespace plexus::kernels::internal

#else

namespace plexus::kernels::internal {
void quant_blocks_avx512(const QuantGemmArgs& a, std::int64_t n0, std::int64_t blocks, float*) {
  quant_columns_generic(a, n0, n0 + blocks * 128);
}
}  // namespace plexus::kernels::internal

#endif
