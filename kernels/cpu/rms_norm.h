// RMSNorm on the CPU: y = x / sqrt(mean(x^2) + eps) * weight, row by row.
//
// The reference implementation: plain loops, the sum accumulated in double in index order, so
// the result of a row depends only on that row. Fast kernels are validated against it.
// rms_norm() is the one models call: rows spread over the thread pool, each row's sum of squares
// in a fixed order (8 double lanes over k mod 8, then a fixed tree), so a row's result depends
// neither on the thread count nor on the other rows.
#pragma once

#include <cstdint>

#include "thread_pool.h"

namespace plexus::kernels {

// x and y: [rows, cols] row-major (y may alias x); weight: [cols].
void rms_norm_reference(const float* x, const float* weight, float* y, std::int64_t rows,
                        std::int64_t cols, float eps);

// Same contract; pool defaults to default_thread_pool().
void rms_norm(const float* x, const float* weight, float* y, std::int64_t rows, std::int64_t cols,
              float eps, ThreadPool* pool = nullptr);

}  // namespace plexus::kernels
