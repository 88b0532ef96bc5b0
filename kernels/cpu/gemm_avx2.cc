// AVX2 + FMA + F16C GEMM tiles (this file alone is compiled with -mavx2 -mfma -mf16c; only
// called after detect_cpu_isa() says the CPU has them). The 8-lane order of gemm.h: one register
// per accumulator, so a 4 x 3 tile (12 accumulators, 3 weight registers, 1 for x) fills the 16
// registers and reads 7 vectors per 12 multiply-adds.
#include <cstdint>

#include "gemm_tiles.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace plexus::kernels::internal {
namespace {

struct Isa {
  using Reg = __m256;
  static constexpr int kLanes = 8;
  static constexpr int kParts = 1;
  static constexpr int kMr = 4;
  static constexpr int kNr = 3;
  static constexpr int kNrOneRow = 6;  // tile width when rows go one at a time (decode)
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg load_x(const float* p) { return _mm256_loadu_ps(p); }
  static Reg load_w(const float* p) { return _mm256_loadu_ps(p); }
  static Reg load_bf16(const std::uint16_t* p) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(raw), 16));
  }
  static Reg load_f16(const std::uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static float hsum(const Reg* a) {
    const __m128 c = _mm_add_ps(_mm256_castps256_ps128(a[0]), _mm256_extractf128_ps(a[0], 1));
    const __m128 d = _mm_add_ps(c, _mm_movehl_ps(c, c));
    return _mm_cvtss_f32(_mm_add_ss(d, _mm_shuffle_ps(d, d, 1)));
  }
};

#include "gemm_tile_loop.inc"

}  // namespace

void gemm_tiles_avx2(const GemmArgs& a, std::int64_t m0, std::int64_t m1, std::int64_t n0,
                     std::int64_t n1) {
  tiles_any_dtype(a, m0, m1, n0, n1);
}

}  // namespace plexus::kernels::internal
#else  // not x86-64: never selected by detect_cpu_isa(); keeps the symbol for the dispatcher.
namespace plexus::kernels::internal {
void gemm_tiles_avx2(const GemmArgs& a, std::int64_t m0, std::int64_t m1, std::int64_t n0,
                     std::int64_t n1) {
  gemm_tiles_generic8(a, m0, m1, n0, n1);
}
}  // namespace plexus::kernels::internal
#endif
