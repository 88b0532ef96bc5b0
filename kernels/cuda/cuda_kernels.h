// The launchers of libplexus_cuda, callable from plain C++ (no CUDA headers needed).
//
// Contract: pointers are device pointers; launches are asynchronous on `stream` (a
// cudaStream_t, or null for the default stream) and report launch errors as a Status.
#pragma once

#include <cstdint>

#include "plexus/status.h"

namespace plexus::cuda {

// How many CUDA devices this process can use: 0 (not an error) when there is no driver or no
// device, as on a CPU-only machine.
Result<int> device_count();

// y = x / sqrt(mean(x^2) + eps) * weight, per row of [rows, cols] f32; y may alias x.
Status rms_norm(const float* x, const float* weight, float* y, std::int64_t rows, std::int64_t cols,
                float eps, void* stream);

}  // namespace plexus::cuda
