// Shared by the CUDA kernels: error checking that carries file:line into a Status, and the
// block-wide sum used by normalisation kernels.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "plexus/status.h"

namespace plexus::cuda {

inline Status cuda_status(cudaError_t err, const char* what, const char* file, int line) {
  if (err == cudaSuccess) return Status();
  return Status::internal(std::string(what) + " failed at " + file + ":" + std::to_string(line) +
                          ": " + cudaGetErrorString(err));
}

// Sum over the block of one value per thread; every thread gets the total.
// REQUIRES: blockDim.x is a multiple of 32 and at most 1024.
__device__ inline float block_sum(float v) {
  __shared__ float warp_sums[32];
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  const int warps = blockDim.x >> 5;
  v = lane < warps ? warp_sums[lane] : 0.0f;
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  __syncthreads();  // warp_sums may be reused by a following call
  return v;
}

}  // namespace plexus::cuda

#define PLEXUS_CUDA_CHECK(expr) ::plexus::cuda::cuda_status((expr), #expr, __FILE__, __LINE__)
