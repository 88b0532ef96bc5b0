#include "common.cuh"
#include "cuda_kernels.h"

namespace plexus::cuda {

Result<int> device_count() {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  // No driver (CPU-only machine) or no device: "no GPU here", not a failure.
  if (err == cudaErrorInsufficientDriver || err == cudaErrorNoDevice) {
    cudaGetLastError();  // clear the sticky error
    return 0;
  }
  PLEXUS_RETURN_IF_ERROR(PLEXUS_CUDA_CHECK(err));
  return n;
}

}  // namespace plexus::cuda
