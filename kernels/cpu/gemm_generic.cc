// The portable GEMM tiles: plain C++ emulating gemm.h's order with std::fma, in both lane
// counts, so a CPU without AVX2 still runs batch-invariant (slowly; every x86-64 server since
// 2013 has AVX2), and tests can check the vector variants against it bit for bit. Compiled with
// the baseline flags.
#include <cmath>
#include <cstdint>

#include "gemm_tiles.h"
#include "half_convert.h"

namespace plexus::kernels::internal {
namespace {

// One float per "register": kParts = L scalar lanes.
template <int L>
struct GenericIsa {
  using Reg = float;
  static constexpr int kLanes = L;
  static constexpr int kParts = L;
  static constexpr int kMr = 1;
  static constexpr int kNr = 4;
  static constexpr int kNrOneRow = 4;  // tile width when rows go one at a time (decode)
  static Reg zero() { return 0.0f; }
  static Reg load_x(const float* p) { return *p; }
  static Reg load_w(const float* p) { return *p; }
  static Reg load_bf16(const std::uint16_t* p) { return bf16_bits_to_f32(*p); }
  static Reg load_f16(const std::uint16_t* p) { return f16_bits_to_f32(*p); }
  static Reg fma(Reg a, Reg b, Reg c) { return std::fma(a, b, c); }
  static float hsum(const Reg* a) {
    float b[L];
    for (int j = 0; j < L; ++j) b[j] = a[j];
    for (int half = L / 2; half >= 2; half /= 2)
      for (int j = 0; j < half; ++j) b[j] += b[j + half];
    return b[0] + b[1];
  }
};

namespace lanes8 {
using Isa = GenericIsa<8>;
#include "gemm_tile_loop.inc"
}  // namespace lanes8

namespace lanes16 {
using Isa = GenericIsa<16>;
#include "gemm_tile_loop.inc"
}  // namespace lanes16

}  // namespace

void gemm_tiles_generic8(const GemmArgs& a, std::int64_t m0, std::int64_t m1, std::int64_t n0,
                         std::int64_t n1) {
  lanes8::tiles_any_dtype(a, m0, m1, n0, n1);
}

void gemm_tiles_generic16(const GemmArgs& a, std::int64_t m0, std::int64_t m1, std::int64_t n0,
                          std::int64_t n1) {
  lanes16::tiles_any_dtype(a, m0, m1, n0, n1);
}

}  // namespace plexus::kernels::internal
