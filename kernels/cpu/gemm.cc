#include "gemm.h"

#include <string>

#include "gemm_tiles.h"
#include "half_convert.h"

#if defined(PLEXUS_KERNELS_HAVE_OPENBLAS)
#include <cblas.h>
#endif

namespace plexus::kernels {
namespace internal {

GemmTilesFn gemm_tiles_for(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::kAvx512:
      return gemm_tiles_avx512;
    case CpuIsa::kAvx2:
      return gemm_tiles_avx2;
    case CpuIsa::kGeneric:
      break;
  }
  return gemm_tiles_generic8;
}

int gemm_lanes_for(CpuIsa isa) { return isa == CpuIsa::kAvx512 ? 16 : 8; }

GemmTilesFn gemm_tiles_generic_like(CpuIsa isa) {
  return gemm_lanes_for(isa) == 16 ? gemm_tiles_generic16 : gemm_tiles_generic8;
}

void gemm_parallel(GemmTilesFn tiles, const GemmArgs& a, std::int64_t M, std::int64_t N,
                   ThreadPool& pool) {
  // Units of at most kBlockM x kBlockN outputs, numbered n-block-major so that a thread's
  // contiguous run of units reuses the same weight rows across row blocks.
  constexpr std::int64_t kBlockM = 64;
  constexpr std::int64_t kBlockN = 48;
  const std::int64_t m_blocks = (M + kBlockM - 1) / kBlockM;
  const std::int64_t n_blocks = (N + kBlockN - 1) / kBlockN;
  // A thread's share should be worth waking it: at least ~128k multiply-adds (a few us).
  constexpr std::int64_t kMinMacsPerChunk = std::int64_t{1} << 17;
  const std::int64_t unit_macs =
      std::min(M, kBlockM) * std::min(N, kBlockN) * std::max<std::int64_t>(a.K, 1);
  const std::int64_t grain = std::max<std::int64_t>(1, kMinMacsPerChunk / unit_macs);
  pool.parallel_for(
      m_blocks * n_blocks,
      [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t u = begin; u < end; ++u) {
          const std::int64_t nb = u / m_blocks;
          const std::int64_t mb = u % m_blocks;
          const std::int64_t m0 = mb * kBlockM;
          const std::int64_t n0 = nb * kBlockN;
          tiles(a, m0, std::min(M, m0 + kBlockM), n0, std::min(N, n0 + kBlockN));
        }
      },
      grain);
}

}  // namespace internal

namespace {

Status check_gemm_args(const float* x, const void* w, DType w_dtype, float* y, std::int64_t M,
                       std::int64_t N, std::int64_t K) {
  if (M < 0 || N < 0 || K < 0) {
    return Status::invalid_argument("gemm: negative shape M=" + std::to_string(M) +
                                    " N=" + std::to_string(N) + " K=" + std::to_string(K));
  }
  if (w_dtype != DType::kF32 && w_dtype != DType::kBF16 && w_dtype != DType::kF16) {
    return Status::unsupported("gemm: weight dtype " + std::string(dtype_name(w_dtype)) +
                               " is not supported; use F32, BF16 or F16 (quantized weights go "
                               "through a quant plugin)");
  }
  if ((M > 0 && K > 0 && x == nullptr) || (N > 0 && K > 0 && w == nullptr) ||
      (M > 0 && N > 0 && y == nullptr)) {
    return Status::invalid_argument("gemm: null data pointer for a non-empty operand");
  }
  return Status::ok_status();
}

double weight_at(const void* w, DType dtype, std::int64_t index) {
  switch (dtype) {
    case DType::kBF16:
      return internal::bf16_bits_to_f32(static_cast<const std::uint16_t*>(w)[index]);
    case DType::kF16:
      return internal::f16_bits_to_f32(static_cast<const std::uint16_t*>(w)[index]);
    default:
      return static_cast<const float*>(w)[index];
  }
}

}  // namespace

Status gemm(const float* x, const void* w, DType w_dtype, const float* bias, float* y,
            std::int64_t M, std::int64_t N, std::int64_t K, ThreadPool* pool) {
  PLEXUS_RETURN_IF_ERROR(check_gemm_args(x, w, w_dtype, y, M, N, K));
  if (M == 0 || N == 0) return Status::ok_status();
  internal::GemmArgs a;
  a.x = x;
  a.ldx = K;
  a.w = w;
  a.ldw = K;
  a.w_dtype = w_dtype;
  a.bias = bias;
  a.y = y;
  a.ldy = N;
  a.K = K;
  internal::gemm_parallel(internal::gemm_tiles_for(active_cpu_isa()), a, M, N,
                          pool ? *pool : default_thread_pool());
  return Status::ok_status();
}

int gemm_lanes() { return internal::gemm_lanes_for(active_cpu_isa()); }

Status gemm_reference(const float* x, const void* w, DType w_dtype, const float* bias, float* y,
                      std::int64_t M, std::int64_t N, std::int64_t K) {
  PLEXUS_RETURN_IF_ERROR(check_gemm_args(x, w, w_dtype, y, M, N, K));
  for (std::int64_t m = 0; m < M; ++m) {
    for (std::int64_t n = 0; n < N; ++n) {
      double sum = 0.0;
      for (std::int64_t k = 0; k < K; ++k)
        sum += double(x[m * K + k]) * weight_at(w, w_dtype, n * K + k);
      if (bias != nullptr) sum += bias[n];
      y[m * N + n] = float(sum);
    }
  }
  return Status::ok_status();
}

bool blas_available() {
#if defined(PLEXUS_KERNELS_HAVE_OPENBLAS)
  return true;
#else
  return false;
#endif
}

Status gemm_blas_f32(const float* x, const float* w, const float* bias, float* y, std::int64_t M,
                     std::int64_t N, std::int64_t K) {
  PLEXUS_RETURN_IF_ERROR(check_gemm_args(x, w, DType::kF32, y, M, N, K));
#if defined(PLEXUS_KERNELS_HAVE_OPENBLAS)
  if (M == 0 || N == 0) return Status::ok_status();
  if (M > INT32_MAX || N > INT32_MAX || K > INT32_MAX) {
    return Status::invalid_argument("gemm_blas_f32: dimensions exceed the BLAS int range");
  }
  if (K == 0) {
    for (std::int64_t i = 0; i < M * N; ++i) y[i] = 0.0f;
  } else {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(M), int(N), int(K), 1.0f, x, int(K), w,
                int(K), 0.0f, y, int(N));
  }
  if (bias != nullptr) {
    for (std::int64_t m = 0; m < M; ++m)
      for (std::int64_t n = 0; n < N; ++n) y[m * N + n] += bias[n];
  }
  return Status::ok_status();
#else
  return Status::unsupported(
      "gemm_blas_f32: this build has no OpenBLAS (install libopenblas-dev and reconfigure); use "
      "gemm()");
#endif
}

void set_blas_num_threads(int num_threads) {
#if defined(PLEXUS_KERNELS_HAVE_OPENBLAS)
  openblas_set_num_threads(num_threads);
#else
  (void)num_threads;
#endif
}

}  // namespace plexus::kernels
