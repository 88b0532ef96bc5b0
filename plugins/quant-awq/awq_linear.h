// An AWQ (GEMM layout) linear layer kept packed in memory and multiplied by the fused CPU kernel
// (kernels/cpu/quant_gemm.h).
//
// Contract:
// - Loads `<prefix>.qweight` I32 [K, N/8], `.qzeros` I32 [K/G, N/8], `.scales` F16 [K/G, N]
//   (G = group_size, or K for -1) and `.bias` when the spec asks for one; any other dtype or
//   shape is InvalidArgument naming the tensor. Zeros are used as stored:
//   W[k][n] = (q - z) * s. When K and the group are multiples of 8 (every real checkpoint),
//   codes and zeros are repacked once at load into GPTQ's word order (kernels::
//   repack_awq_as_gptq: same 4 bits a code, same results), which the one-row kernel runs faster.
// - Tensor parallel: a column split needs out_features / world divisible by 8 (8 columns per
//   int32); a row split needs whole groups per rank (any split of whole words for G = -1, where
//   each rank keeps the one group's scales and zeros).
// Thread safety: immutable after load; forward may run concurrently.
#pragma once

#include <memory>
#include <vector>

#include "awq_config.h"
#include "kernels/cpu/quant_gemm.h"
#include "packed_kernel.h"
#include "plexus/linear.h"
#include "plexus/weight_source.h"

namespace plexus::awq {

class AwqLinear final : public Linear {
 public:
  // `activations`: the manifest's choice of kernel (packed_kernel.h).
  static Result<std::unique_ptr<AwqLinear>> load(
      const AwqConfig& config, const LinearSpec& spec, const WeightSource& weights,
      quant::Activations activations = quant::Activations::kF32);

  Status forward(const float* x, std::int64_t rows, float* y) const override;
  std::int64_t in_features() const override { return matrix_.k; }
  std::int64_t out_features() const override { return matrix_.n; }
  std::size_t resident_bytes() const override;

  // The layer's weight by the reference dequantisation, f32 [out, in]. For tests.
  Status dequantize_reference(float* out) const;
  bool int8_activations() const { return kernel_.int8(); }

 private:
  AwqLinear() = default;

  std::vector<std::uint32_t> qweight_;
  std::vector<std::uint32_t> qzeros_;
  std::vector<std::uint16_t> scales_;
  std::vector<float> bias_;
  kernels::QuantMatrix matrix_;
  quant::PackedKernel kernel_;
};

}  // namespace plexus::awq
