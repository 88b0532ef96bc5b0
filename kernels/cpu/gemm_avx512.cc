// AVX-512 GEMM tiles (this file alone is compiled with -mavx512f -mavx512bw -mavx512vl
// -mavx512dq -mavx2 -mfma -mf16c; only called after detect_cpu_isa() says the CPU has them).
// The 16-lane order of gemm.h: one register per accumulator.
#include <cstdint>

#include "gemm_tiles.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace plexus::kernels::internal {
namespace {

struct Isa {
  using Reg = __m512;
  static constexpr int kLanes = 16;
  static constexpr int kParts = 1;
  static constexpr int kMr = 4;
  static constexpr int kNr = 4;
  static constexpr int kNrOneRow = 8;  // tile width when rows go one at a time (decode)
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg load_x(const float* p) { return _mm512_loadu_ps(p); }
  static Reg load_w(const float* p) { return _mm512_loadu_ps(p); }
  static Reg load_bf16(const std::uint16_t* p) {
    const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
  }
  static Reg load_f16(const std::uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static float hsum(const Reg* a) {
    const __m256 lo = _mm512_castps512_ps256(a[0]);
    const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a[0]), 1));
    const __m256 b = _mm256_add_ps(lo, hi);  // lanes j and j + 8
    const __m128 c = _mm_add_ps(_mm256_castps256_ps128(b), _mm256_extractf128_ps(b, 1));
    const __m128 d = _mm_add_ps(c, _mm_movehl_ps(c, c));
    return _mm_cvtss_f32(_mm_add_ss(d, _mm_shuffle_ps(d, d, 1)));
  }
};

#include "gemm_tile_loop.inc"

}  // namespace

void gemm_tiles_avx512(const GemmArgs& a, std::int64_t m0, std::int64_t m1, std::int64_t n0,
                       std::int64_t n1) {
  tiles_any_dtype(a, m0, m1, n0, n1);
}

}  // namespace plexus::kernels::internal
#else  // not x86-64: never selected by detect_cpu_isa(); keeps the symbol for the dispatcher.
namespace plexus::kernels::internal {
void gemm_tiles_avx512(const GemmArgs& a, std::int64_t m0, std::int64_t m1, std::int64_t n0,
                       std::int64_t n1) {
  gemm_tiles_generic16(a, m0, m1, n0, n1);
}
}  // namespace plexus::kernels::internal
#endif
