// Dense GEMM / GEMV on the CPU: y = x W^T (+ bias), the HF Linear layout.
//
// Shapes: x [M, K] f32 activations, W [N, K] row-major weights (f32, bf16 or f16), bias [N] f32
// or null, y [M, N] f32. All contiguous. M = 1 is the decode GEMV.
//
// Batch invariance (the contract the engine relies on): gemm() computes every y[m][n] with the
// same sequence of floating-point operations whatever M is, whichever rows share the call, and
// however many threads run it. Work is split over M and N only, never over K, and each dot
// product follows one fixed order with L lanes, L being the width of the machine's vectors
// (16 on AVX-512 CPUs, 8 on AVX2 and generic ones; gemm_lanes() says which):
//   L lane accumulators a[0..L-1] = +0; for k0 = 0, L, 2L, ...: a[j] = fma(x[k0+j], w[k0+j], a[j])
//   (past K both are 0); then halving: a[j] += a[j+L/2] (j < L/2), ..., a[j] += a[j+2] (j < 2),
//   y = a[0] + a[1], then y += bias[n].
// So the same row gives bit-identical results alone, in a batch, and on 1 or 64 threads. One
// order per machine is what invariance needs; the order follows the vector width because a
// 16-lane order on 8-lane registers doubles the accumulators and halves the tile a register
// file holds (measured: half the GEMM throughput at 32 rows on AVX2). The generic code runs
// either order, so tests compare every variant with it bit for bit.
//
// gemm_blas_f32() is the opt-in fast path through OpenBLAS for big prefill GEMMs of a single
// sequence, where invariance is not required: OpenBLAS picks kernels and splits K depending on
// M and its thread count, so its rows can differ in the last bits from gemm()'s and between
// calls of different M. Never use it where a request's answer must not depend on its batch.
//
// Errors: shapes < 0, null pointers with non-zero sizes, or an unsupported weight dtype return
// InvalidArgument / Unsupported; nothing is written then.
// Thread safety: reentrant; `pool` (default: default_thread_pool()) is used for the fan-out.
#pragma once

#include <cstdint>

#include "plexus/dtype.h"
#include "plexus/status.h"
#include "thread_pool.h"

namespace plexus::kernels {

// The batch-invariant kernel (own AVX-512 / AVX2 / generic code, chosen at run time).
Status gemm(const float* x, const void* w, DType w_dtype, const float* bias, float* y,
            std::int64_t M, std::int64_t N, std::int64_t K, ThreadPool* pool = nullptr);

// L of the order above on this machine: 16 where AVX-512 runs, else 8.
int gemm_lanes();

// Readable reference: plain loops, double accumulation in index order. The oracle for gemm().
Status gemm_reference(const float* x, const void* w, DType w_dtype, const float* bias, float* y,
                      std::int64_t M, std::int64_t N, std::int64_t K);

// True when this build has the OpenBLAS path.
bool blas_available();
// y = x W^T (+ bias) through cblas_sgemm, f32 weights only (convert bf16/f16 weights once at
// load time if you want this path). NOT batch-invariant: see above. Unsupported when the build
// has no BLAS.
Status gemm_blas_f32(const float* x, const float* w, const float* bias, float* y, std::int64_t M,
                     std::int64_t N, std::int64_t K);
// OpenBLAS keeps its own threads; this sets how many (no-op without BLAS).
void set_blas_num_threads(int num_threads);

}  // namespace plexus::kernels
