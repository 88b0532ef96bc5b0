// y = x W^T + b for dense weights stored as f32, bf16 or f16, batch-invariant: each output is
// one dot product over K summed in a fixed order (8 interleaved partial sums, then combined in
// a fixed tree), whatever the number of rows.
#pragma once

#include <cstdint>

#include "plexus/dtype.h"

namespace plexus::linear {

// x: [rows, k] f32; w: [n, k] of `w_dtype`; bias: [n] f32 or null; y: [rows, n] f32.
void dense_gemm(const float* x, std::int64_t rows, std::int64_t k, const void* w, DType w_dtype,
                std::int64_t n, const float* bias, float* y);

}  // namespace plexus::linear
