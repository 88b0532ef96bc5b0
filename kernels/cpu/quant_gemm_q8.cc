// quant_gemm_q8: int8 activations times packed codes (quant_gemm.h gives the arithmetic). This
// file quantizes the rows, lays them out for the vector kernels and holds the generic variant
// and the oracle; the AVX2 column blocks are in quant_gemm_avx2.cc.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cpu_features.h"
#include "half_convert.h"
#include "quant_gemm.h"
#include "quant_gemm_blocks.h"

namespace plexus::kernels {
namespace {

Status unsupported_why(const QuantMatrix& w) {
  const std::string head = "quant_gemm_q8: ";
  if (w.layout != QuantLayout::kGptq)
    return Status::invalid_argument(head + "needs the GPTQ layout");
  if (w.bits != 2 && w.bits != 4) {
    return Status::invalid_argument(head + std::to_string(w.bits) +
                                    "-bit codes are not supported (2 and 4 are)");
  }
  if (w.k % kQ8Block != 0 || w.group_size % kQ8Block != 0) {
    return Status::invalid_argument(head + "needs K and the group size divisible by " +
                                    std::to_string(kQ8Block) + ", got K " + std::to_string(w.k) +
                                    " group " + std::to_string(w.group_size));
  }
  return Status::ok_status();
}

// One row quantized by `isa`'s block quantizer, with sa per group (quant_gemm.h) when `sa` is
// set; `a` in k order when `bits` is 0, else in q8 word order.
void quantize_row(CpuIsa isa, const float* x, std::int64_t K, std::int64_t group_size, int bits,
                  std::int8_t* a, float* d, float* sa) {
  const auto block = isa == CpuIsa::kGeneric ? internal::quantize_q8_block_generic
                                             : internal::quantize_q8_block_avx2;
  float group_sum = 0.0f;
  for (std::int64_t k0 = 0; k0 < K; k0 += kQ8Block) {
    float scale = 0.0f;
    int sum = 0;
    if (!block(x + k0, bits, a + k0, &scale, &sum)) {
      std::fill(a + k0, a + k0 + kQ8Block, std::int8_t{0});
      scale = NAN;
    }
    d[k0 / kQ8Block] = scale;
    if (sa) {
      group_sum = std::fma(scale, float(sum), group_sum);
      if ((k0 + kQ8Block) % group_size == 0) {
        sa[k0 / group_size] = group_sum;
        group_sum = 0.0f;
      }
    }
  }
}

}  // namespace

bool internal::quantize_q8_block_generic(const float* x, int bits, std::int8_t* a, float* d,
                                         int* sum) {
  float amax = 0.0f;
  for (std::int64_t k = 0; k < kQ8Block; ++k) {
    if (!std::isfinite(x[k])) return false;
    amax = std::max(amax, std::fabs(x[k]));
  }
  *d = amax / 127.0f;
  const float inverse = q8_inverse(amax);
  const int per = bits > 0 ? 32 / bits : 1;
  *sum = 0;
  for (std::int64_t k = 0; k < kQ8Block; ++k) {
    const float v = std::clamp(std::nearbyint(x[k] * inverse), -127.0f, 127.0f);
    const int c = int(k % per);
    a[bits > 0 ? k - c + q8_position(bits, c) : k] = std::int8_t(v);
    *sum += int(v);
  }
  return true;
}

bool quant_q8_supported(const QuantMatrix& w) {
  return check_quant_matrix(w).ok() && unsupported_why(w).ok();
}

void quantize_q8_rows(const float* x, std::int64_t M, std::int64_t K, std::int8_t* a, float* d) {
  for (std::int64_t m = 0; m < M; ++m) {
    quantize_row(active_cpu_isa(), x + m * K, K, K, 0, a + m * K, d + m * (K / kQ8Block), nullptr);
  }
}

Status quant_gemm_q8_reference(const float* x, const QuantMatrix& w, const float* bias, float* y,
                               std::int64_t M) {
  PLEXUS_RETURN_IF_ERROR(check_quant_matrix(w));
  PLEXUS_RETURN_IF_ERROR(unsupported_why(w));
  if (M < 0) return Status::invalid_argument("quant_gemm_q8: negative row count");
  std::vector<std::int8_t> a(std::size_t(M * w.k));
  std::vector<float> d(std::size_t(M * w.k / kQ8Block));
  quantize_q8_rows(x, M, w.k, a.data(), d.data());
  std::vector<float> dense(std::size_t(w.n * w.k));
  PLEXUS_RETURN_IF_ERROR(quant_dequantize_reference(w, dense.data()));
  for (std::int64_t m = 0; m < M; ++m) {
    for (std::int64_t n = 0; n < w.n; ++n) {
      double sum = 0;
      for (std::int64_t k = 0; k < w.k; ++k) {
        sum += double(d[m * (w.k / kQ8Block) + k / kQ8Block]) * a[m * w.k + k] * dense[n * w.k + k];
      }
      if (bias) sum += bias[n];
      y[m * w.n + n] = float(sum);
    }
  }
  return Status::ok_status();
}

void internal::quant_q8_columns_generic(const QuantGemmArgs& a, std::int64_t n_begin,
                                        std::int64_t n_end) {
  const QuantMatrix& w = *a.w;
  const std::int64_t groups = w.groups();
  const std::int64_t blocks = w.k / kQ8Block;
  const int per = 32 / w.bits;
  for (std::int64_t m = 0; m < a.M; ++m) {
    const std::int8_t* xq = a.xq + m * w.k;
    const float* d = a.xq_scale + m * blocks;
    for (std::int64_t n = n_begin; n < n_end; ++n) {
      float out = 0.0f;
      for (std::int64_t g = 0; g < groups; ++g) {
        float acc = 0.0f;
        const std::int64_t k1 = std::min(w.k, (g + 1) * w.group_size);
        for (std::int64_t k0 = g * w.group_size; k0 < k1; k0 += kQ8Block) {
          int dot = 0;
          for (std::int64_t k = k0; k < k0 + kQ8Block; ++k) {
            const int c = int(k % per);
            dot += int(xq[k - c + q8_position(w.bits, c)]) * quant_code(w, k, n);
          }
          acc = std::fma(d[k0 / kQ8Block], float(dot), acc);
        }
        const float neg_zero = -float(quant_zero(w, g, n));
        const float scale = f16_bits_to_f32(w.scales[g * w.n + n]);
        out = std::fma(scale, std::fma(neg_zero, a.group_sums[m * groups + g], acc), out);
      }
      a.y[m * w.n + n] = a.bias ? out + a.bias[n] : out;
    }
  }
}

Status internal::quant_gemm_q8_isa(CpuIsa isa, const float* x, const QuantMatrix& w,
                                   const float* bias, float* y, std::int64_t M, ThreadPool& p) {
  PLEXUS_RETURN_IF_ERROR(check_quant_matrix(w));
  PLEXUS_RETURN_IF_ERROR(unsupported_why(w));
  PLEXUS_ASSIGN_OR_RETURN(const bool done, quant_gemm_trivial(x, w, bias, y, M));
  if (done) return Status::ok_status();
  const std::int64_t blocks = w.k / kQ8Block;
  const std::int64_t groups = w.groups();
  std::vector<std::int8_t> xq(std::size_t(M * w.k));
  std::vector<float> d(std::size_t(M * blocks)), sa(std::size_t(M * groups));
  for (std::int64_t m = 0; m < M; ++m) {
    quantize_row(isa, x + m * w.k, w.k, w.group_size, w.bits, xq.data() + m * w.k,
                 d.data() + m * blocks, sa.data() + m * groups);
  }
  QuantGemmArgs args{x, &w, bias, y, M, sa.data(), xq.data(), d.data()};
  run_quant_blocks(isa, args, p);
  return Status::ok_status();
}

Status quant_gemm_q8(const float* x, const QuantMatrix& w, const float* bias, float* y,
                     std::int64_t M, ThreadPool* pool) {
  return internal::quant_gemm_q8_isa(active_cpu_isa(), x, w, bias, y, M,
                                     pool ? *pool : default_thread_pool());
}

}  // namespace plexus::kernels
