// RMSNorm on the CPU: y = x / sqrt(mean(x^2) + eps) * weight, row by row.
//
// The reference implementation: plain loops, the sum accumulated in double in index order, so
// the result of a row depends only on that row. Fast kernels are validated against it.
#pragma once

#include <cstdint>

namespace plexus::kernels {

// x and y: [rows, cols] row-major (y may alias x); weight: [cols].
void rms_norm_reference(const float* x, const float* weight, float* y, std::int64_t rows,
                        std::int64_t cols, float eps);

}  // namespace plexus::kernels
