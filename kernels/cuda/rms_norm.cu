// RMSNorm, one block per row. Validated against kernels/cpu/rms_norm (rms_norm_cuda_test.cc).
#include "common.cuh"
#include "cuda_kernels.h"

namespace plexus::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void rms_norm_kernel(const float* __restrict__ x, const float* __restrict__ weight,
                                float* y, std::int64_t cols, float eps) {
  const float* in = x + blockIdx.x * cols;
  float* out = y + blockIdx.x * cols;
  float partial = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) partial += in[c] * in[c];
  const float inv_rms = rsqrtf(block_sum(partial) / float(cols) + eps);
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    out[c] = in[c] * inv_rms * weight[c];
  }
}

}  // namespace

Status rms_norm(const float* x, const float* weight, float* y, std::int64_t rows, std::int64_t cols,
                float eps, void* stream) {
  if (rows <= 0 || cols <= 0) return Status();
  if (rows > 2147483647) return Status::invalid_argument("rms_norm: more than 2^31-1 rows");
  rms_norm_kernel<<<unsigned(rows), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(x, weight, y,
                                                                                      cols, eps);
  return PLEXUS_CUDA_CHECK(cudaGetLastError());
}

}  // namespace plexus::cuda
