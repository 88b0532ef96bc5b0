// Internal to the CPU kernels: the per-ISA GEMM tile loops behind gemm() (see gemm.h for the
// reduction order all of them share), and the strided problem they work on, also used by
// attention for its q.k scores.
#pragma once

#include <cstdint>

#include "cpu_features.h"
#include "plexus/dtype.h"
#include "thread_pool.h"

namespace plexus::kernels::internal {

// y[m*ldy + n] = sum_k x[m*ldx + k] * w[n*ldw + k] (+ bias[n]), in gemm.h's fixed order.
struct GemmArgs {
  const float* x = nullptr;
  std::int64_t ldx = 0;
  const void* w = nullptr;  // f32, bf16 or f16 elements, per w_dtype
  std::int64_t ldw = 0;
  DType w_dtype = DType::kF32;
  const float* bias = nullptr;  // [N] or null
  float* y = nullptr;
  std::int64_t ldy = 0;
  std::int64_t K = 0;
};

// Computes rows [m0, m1) and columns [n0, n1) of y on the calling thread. The generic tiles
// come in both orders (8 and 16 lanes); AVX2 runs the 8-lane one, AVX-512 the 16-lane one.
void gemm_tiles_generic8(const GemmArgs& a, std::int64_t m0, std::int64_t m1, std::int64_t n0,
                         std::int64_t n1);
void gemm_tiles_generic16(const GemmArgs& a, std::int64_t m0, std::int64_t m1, std::int64_t n0,
                          std::int64_t n1);
void gemm_tiles_avx2(const GemmArgs& a, std::int64_t m0, std::int64_t m1, std::int64_t n0,
                     std::int64_t n1);
void gemm_tiles_avx512(const GemmArgs& a, std::int64_t m0, std::int64_t m1, std::int64_t n0,
                       std::int64_t n1);

using GemmTilesFn = void (*)(const GemmArgs&, std::int64_t, std::int64_t, std::int64_t,
                             std::int64_t);
// The tile loop for `isa`, and the lane count of its order. REQUIRES: cpu_supports(isa).
GemmTilesFn gemm_tiles_for(CpuIsa isa);
int gemm_lanes_for(CpuIsa isa);
// The generic tiles with the order of `isa` (tests compare the two bit for bit).
GemmTilesFn gemm_tiles_generic_like(CpuIsa isa);

// gemm() through the given tiles.
void gemm_parallel(GemmTilesFn tiles, const GemmArgs& a, std::int64_t M, std::int64_t N,
                   ThreadPool& pool);

}  // namespace plexus::kernels::internal
