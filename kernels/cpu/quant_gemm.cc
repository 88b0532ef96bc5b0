#include "quant_gemm.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cpu_features.h"
#include "half_convert.h"
#include "quant_gemm_blocks.h"

namespace plexus::kernels {
namespace {

Status bad(const std::string& why) { return Status::invalid_argument("quant_gemm: " + why); }

int per_word(const QuantMatrix& w) { return 32 / w.bits; }

}  // namespace

Status check_quant_matrix(const QuantMatrix& w) {
  const std::string shape = "[N=" + std::to_string(w.n) + ", K=" + std::to_string(w.k) + "]";
  if (w.layout == QuantLayout::kAwqGemm ? w.bits != 4
                                        : (w.bits != 2 && w.bits != 4 && w.bits != 8)) {
    return bad(std::to_string(w.bits) + "-bit codes are not supported for this layout");
  }
  if (w.n < 0 || w.k < 0) return bad("negative shape " + shape);
  if (w.n == 0 || w.k == 0) return Status::ok_status();
  if (w.group_size < 1 || w.group_size > w.k) {
    return bad("group size " + std::to_string(w.group_size) + " outside 1..K for " + shape);
  }
  if (w.layout == QuantLayout::kAwqGemm && w.n % 8 != 0) {
    return bad("AWQ needs N divisible by 8, got " + shape);
  }
  if (w.layout == QuantLayout::kGptq) {
    const int per = per_word(w);
    if (w.k % per != 0 || w.n % per != 0 || (w.group_size % per != 0 && w.group_size != w.k)) {
      return bad(std::to_string(w.bits) + "-bit GPTQ needs K, N and the group size divisible by " +
                 std::to_string(per) + ", got " + shape + " group " + std::to_string(w.group_size));
    }
  }
  if (!w.codes || !w.zeros || !w.scales) return bad("null codes, zeros or scales");
  return Status::ok_status();
}

int quant_code(const QuantMatrix& w, std::int64_t row, std::int64_t col) {
  if (w.layout == QuantLayout::kAwqGemm) {
    const std::uint32_t word = w.codes[row * (w.n / 8) + col / 8];
    // Column 8c + kAwqOrder[i] sits in nibble i.
    static constexpr int kNibbleOf[8] = {0, 4, 1, 5, 2, 6, 3, 7};
    return int((word >> (4 * kNibbleOf[col % 8])) & 0xFu);
  }
  const int per = per_word(w);
  const std::uint32_t word = w.codes[(row / per) * w.n + col];
  return int((word >> (w.bits * (row % per))) & ((1u << w.bits) - 1));
}

int quant_zero(const QuantMatrix& w, std::int64_t group, std::int64_t col) {
  if (w.layout == QuantLayout::kAwqGemm) {
    static constexpr int kNibbleOf[8] = {0, 4, 1, 5, 2, 6, 3, 7};
    const std::uint32_t word = w.zeros[group * (w.n / 8) + col / 8];
    return int((word >> (4 * kNibbleOf[col % 8])) & 0xFu);
  }
  const int per = per_word(w);
  const std::uint32_t word = w.zeros[group * (w.n / per) + col / per];
  return int((word >> (w.bits * (col % per))) & ((1u << w.bits) - 1));
}

Status repack_awq_as_gptq(const QuantMatrix& w, std::uint32_t* codes, std::uint32_t* zeros) {
  PLEXUS_RETURN_IF_ERROR(check_quant_matrix(w));
  if (w.layout != QuantLayout::kAwqGemm) return bad("repack_awq_as_gptq needs an AWQ matrix");
  if (w.k % 8 != 0 || (w.group_size % 8 != 0 && w.group_size != w.k)) {
    return bad("the GPTQ layout needs K and the group size divisible by 8, got K " +
               std::to_string(w.k) + " group " + std::to_string(w.group_size));
  }
  // Nibble i of AWQ word c of a row is column 8c + kAwqOrder[i].
  const std::int64_t words = w.n / 8;
  std::fill(codes, codes + w.k / 8 * w.n, 0u);
  for (std::int64_t k = 0; k < w.k; ++k) {
    const std::uint32_t* src = w.codes + k * words;
    std::uint32_t* dst = codes + (k / 8) * w.n;
    const int shift = 4 * int(k % 8);
    for (std::int64_t c = 0; c < words; ++c) {
      for (int i = 0; i < 8; ++i) {
        dst[8 * c + kAwqOrder[i]] |= ((src[c] >> (4 * i)) & 0xFu) << shift;
      }
    }
  }
  for (std::int64_t g = 0; g < w.groups(); ++g) {
    for (std::int64_t c = 0; c < words; ++c) {
      const std::uint32_t z = w.zeros[g * words + c];
      std::uint32_t out = 0;
      for (int i = 0; i < 8; ++i) out |= ((z >> (4 * i)) & 0xFu) << (4 * kAwqOrder[i]);
      zeros[g * words + c] = out;
    }
  }
  return Status::ok_status();
}

Status quant_dequantize_reference(const QuantMatrix& w, float* out) {
  PLEXUS_RETURN_IF_ERROR(check_quant_matrix(w));
  for (std::int64_t n = 0; n < w.n; ++n) {
    for (std::int64_t k = 0; k < w.k; ++k) {
      const std::int64_t g = k / w.group_size;
      const float scale = internal::f16_bits_to_f32(w.scales[g * w.n + n]);
      out[n * w.k + k] = float(quant_code(w, k, n) - quant_zero(w, g, n)) * scale;
    }
  }
  return Status::ok_status();
}

Status quant_gemm_reference(const float* x, const QuantMatrix& w, const float* bias, float* y,
                            std::int64_t M) {
  PLEXUS_RETURN_IF_ERROR(check_quant_matrix(w));
  if (M < 0) return bad("negative row count");
  std::vector<float> dense(std::size_t(w.n * w.k));
  PLEXUS_RETURN_IF_ERROR(quant_dequantize_reference(w, dense.data()));
  for (std::int64_t m = 0; m < M; ++m) {
    for (std::int64_t n = 0; n < w.n; ++n) {
      double sum = 0;
      for (std::int64_t k = 0; k < w.k; ++k) sum += double(x[m * w.k + k]) * dense[n * w.k + k];
      if (bias) sum += bias[n];
      y[m * w.n + n] = float(sum);
    }
  }
  return Status::ok_status();
}

namespace internal {

void quant_columns_generic(const QuantGemmArgs& a, std::int64_t n_begin, std::int64_t n_end) {
  const QuantMatrix& w = *a.w;
  const std::int64_t groups = w.groups();
  for (std::int64_t m = 0; m < a.M; ++m) {
    const float* x = a.x + m * w.k;
    for (std::int64_t n = n_begin; n < n_end; ++n) {
      float out = 0.0f;
      for (std::int64_t g = 0; g < groups; ++g) {
        const std::int64_t k0 = g * w.group_size;
        const std::int64_t k1 = std::min(w.k, k0 + w.group_size);
        float acc = 0.0f;
        for (std::int64_t k = k0; k < k1; ++k)
          acc = std::fma(x[k], float(quant_code(w, k, n)), acc);
        const float neg_zero = -float(quant_zero(w, g, n));
        const float scale = f16_bits_to_f32(w.scales[g * w.n + n]);
        out = std::fma(scale, std::fma(neg_zero, a.group_sums[m * groups + g], acc), out);
      }
      a.y[m * w.n + n] = a.bias ? out + a.bias[n] : out;
    }
  }
}

}  // namespace internal

Result<bool> internal::quant_gemm_trivial(const float* x, const QuantMatrix& w, const float* bias,
                                          float* y, std::int64_t M) {
  PLEXUS_RETURN_IF_ERROR(check_quant_matrix(w));
  if (M < 0) return bad("negative row count");
  if (M == 0 || w.n == 0) return true;
  if (w.k == 0) {
    for (std::int64_t i = 0; i < M * w.n; ++i) y[i] = bias ? 0.0f + bias[i % w.n] : 0.0f;
    return true;
  }
  if (!x || !y) return bad("null x or y");
  return false;
}

Status internal::quant_gemm_isa(CpuIsa isa, const float* x, const QuantMatrix& w, const float* bias,
                                float* y, std::int64_t M, ThreadPool& p) {
  PLEXUS_ASSIGN_OR_RETURN(const bool done, internal::quant_gemm_trivial(x, w, bias, y, M));
  if (done) return Status::ok_status();
  const std::int64_t groups = w.groups();
  std::vector<float> sums(std::size_t(M * groups));
  for (std::int64_t m = 0; m < M; ++m) {
    for (std::int64_t g = 0; g < groups; ++g) {
      const std::int64_t k0 = g * w.group_size;
      const std::int64_t k1 = std::min(w.k, k0 + w.group_size);
      float s = 0.0f;
      for (std::int64_t k = k0; k < k1; ++k) s = s + x[m * w.k + k];
      sums[std::size_t(m * groups + g)] = s;
    }
  }
  internal::run_quant_blocks(isa, internal::QuantGemmArgs{x, &w, bias, y, M, sums.data()}, p);
  return Status::ok_status();
}

void internal::run_quant_blocks(CpuIsa isa, const QuantGemmArgs& args, ThreadPool& p) {
  const QuantMatrix& w = *args.w;
  const bool q8 = args.xq != nullptr;
  int lanes = 0;
  void (*blocks_fn)(const QuantGemmArgs&, std::int64_t, std::int64_t, float*) = nullptr;
  void (*columns_fn)(const QuantGemmArgs&, std::int64_t, std::int64_t) =
      q8 ? quant_q8_columns_generic : quant_columns_generic;
  if (q8 && isa != CpuIsa::kGeneric) {
    lanes = 8;
    blocks_fn = quant_q8_blocks_avx2;
  } else if (isa == CpuIsa::kAvx512) {
    lanes = 16;
    blocks_fn = quant_blocks_avx512;
  } else if (isa == CpuIsa::kAvx2) {
    lanes = 8;
    blocks_fn = quant_blocks_avx2;
  }
  if (!blocks_fn) {
    // Generic: chunks of 8 columns, so threads split the work as the vector variants do.
    const std::int64_t units = (w.n + 7) / 8;
    p.parallel_for(units, [&](std::int64_t b, std::int64_t e) {
      columns_fn(args, b * 8, std::min(w.n, e * 8));
    });
    return;
  }
  // Units of 8L columns, then the tail (fewer than 8L columns) column by column. A thread takes
  // a contiguous run of units and walks it whole (see blocks_loop). A chunk should hold at least
  // ~256k weight-rows of work.
  const std::int64_t width = 8 * lanes;
  const std::int64_t full = w.n / width;
  const std::int64_t units = full + (w.n % width ? 1 : 0);
  const std::int64_t per_unit = width * w.k * args.M;
  const std::int64_t grain = std::max<std::int64_t>(1, (std::int64_t{1} << 18) / per_unit);
  p.parallel_for(
      units,
      [&](std::int64_t b, std::int64_t e) {
        // Every float of it is written before it is read (blocks_loop): no zeroing.
        const auto scratch = std::make_unique_for_overwrite<float[]>(
            std::size_t(quant_scratch_floats(e - b, lanes)));
        const std::int64_t last = std::min(e, full);
        if (last > b) blocks_fn(args, b * width, last - b, scratch.get());
        if (e > full) columns_fn(args, full * width, w.n);
      },
      grain);
}

Status quant_gemm(const float* x, const QuantMatrix& w, const float* bias, float* y, std::int64_t M,
                  ThreadPool* pool) {
  return internal::quant_gemm_isa(active_cpu_isa(), x, w, bias, y, M,
                                  pool ? *pool : default_thread_pool());
}

}  // namespace plexus::kernels
