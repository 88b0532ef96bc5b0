// The portable GEMM tiles: plain C++ emulating the 16-lane order of gemm.h with std::fma, so a
// CPU without AVX2 gets the same bits as one with it (slowly; every x86-64 server since 2013 has
// AVX2). Compiled with the baseline flags.
#include <cmath>
#include <cstdint>

#include "gemm_tiles.h"
#include "half_convert.h"

namespace plexus::kernels::internal {
namespace {

struct Isa {
  using Reg = float;
  static constexpr int kParts = 16;
  static constexpr int kMr = 1;
  static constexpr int kNr = 4;
  static constexpr int kNrOneRow = 4;  // tile width when rows go one at a time (decode)
  static Reg zero() { return 0.0f; }
  static Reg load_x(const float* p) { return *p; }
  static Reg load_w(const float* p) { return *p; }
  static Reg load_bf16(const std::uint16_t* p) { return bf16_bits_to_f32(*p); }
  static Reg load_f16(const std::uint16_t* p) { return f16_bits_to_f32(*p); }
  static Reg fma(Reg a, Reg b, Reg c) { return std::fma(a, b, c); }
  static float hsum16(const Reg* a) {
    float b[8], c[4];
    for (int j = 0; j < 8; ++j) b[j] = a[j] + a[j + 8];
    for (int j = 0; j < 4; ++j) c[j] = b[j] + b[j + 4];
    const float d0 = c[0] + c[2];
    const float d1 = c[1] + c[3];
    return d0 + d1;
  }
};

#include "gemm_tile_loop.inc"

}  // namespace

void gemm_tiles_generic(const GemmArgs& a, std::int64_t m0, std::int64_t m1, std::int64_t n0,
                        std::int64_t n1) {
  tiles_any_dtype(a, m0, m1, n0, n1);
}

}  // namespace plexus::kernels::internal
