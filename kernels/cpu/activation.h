// Element-wise and row-wise activations: SiLU-and-multiply, softmax, argmax.
//
// These are plain loops: each output depends only on its own row, every reduction (softmax's max
// and sum, argmax's scan) runs in index order, so they are their own readable reference and are
// batch-invariant by construction. Row-parallel versions take an optional pool.
// Thread safety: reentrant.
#pragma once

#include <cstdint>

#include "thread_pool.h"

namespace plexus::kernels {

// out[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + exp(-g)). out may alias gate or up.
void silu_mul(const float* gate, const float* up, float* out, std::int64_t n);

// The fused layout of a merged gate_up projection: gate_up [rows, 2*d] holds gate in columns
// [0, d) and up in [d, 2d); out [rows, d] = silu(gate) * up.
void silu_and_mul(const float* gate_up, float* out, std::int64_t rows, std::int64_t d,
                  ThreadPool* pool = nullptr);

// In place, each row of x [rows, cols]: exp(x - max) / sum, the sum in double in index order.
// A row of all -inf becomes all 0 (nothing to attend to), not NaN.
void softmax(float* x, std::int64_t rows, std::int64_t cols, ThreadPool* pool = nullptr);

// Index of the largest element, the first one on ties; NaNs are skipped. -1 when n == 0 or every
// element is NaN.
std::int64_t argmax(const float* x, std::int64_t n);
// argmax of each row of x [rows, cols] into out [rows].
void argmax_rows(const float* x, std::int64_t rows, std::int64_t cols, std::int64_t* out,
                 ThreadPool* pool = nullptr);

}  // namespace plexus::kernels
