// A GPTQ linear layer kept packed in memory and multiplied by the fused CPU kernel
// (kernels/cpu/quant_gemm.h).
//
// Contract:
// - Loads `<prefix>.qweight` I32 [K*bits/32, N], `.qzeros` I32 [groups, N*bits/32], `.scales`
//   F16 [groups, N], `.g_idx` I32 [K] (optional: k / group_size when absent) and `.bias` when the
//   spec asks for one; any other dtype or shape is InvalidArgument naming the tensor.
// - gptq (v1) checkpoints store zero - 1: the zero words get +1 per field once at load, as a
//   whole-word add (GPTQModel's own v1 -> v2 conversion, carries included). gptq_v2 zeros are
//   used as stored.
// - desc_act (act-order): the rows are sorted by g_idx once at load (the codes are repacked, not
//   widened) and forward() permutes x's columns to match. A g_idx that does not split the rows
//   into groups of group_size is Unsupported.
// - Tensor parallel: a column split needs out_features / world divisible by 32/bits (the zero
//   packing); a row split needs whole groups per rank and is refused for act-order layers, whose
//   groups are spread over all input rows.
// Thread safety: immutable after load; forward may run concurrently.
#pragma once

#include <memory>
#include <vector>

#include "gptq_config.h"
#include "kernels/cpu/quant_gemm.h"
#include "packed_kernel.h"
#include "plexus/linear.h"
#include "plexus/weight_source.h"

namespace plexus::gptq {

class GptqLinear final : public Linear {
 public:
  // `activations`: the manifest's choice of kernel (packed_kernel.h).
  static Result<std::unique_ptr<GptqLinear>> load(
      const GptqConfig& config, const LinearSpec& spec, const WeightSource& weights,
      quant::Activations activations = quant::Activations::kF32);

  Status forward(const float* x, std::int64_t rows, float* y) const override;
  std::int64_t in_features() const override { return matrix_.k; }
  std::int64_t out_features() const override { return matrix_.n; }
  std::size_t resident_bytes() const override;

  // The layer's weight as the reference dequantisation gives it, f32 [out, in], rows in the
  // checkpoint's order (act-order undone). For tests.
  Status dequantize_reference(float* out) const;
  bool act_order() const { return !perm_.empty(); }
  bool int8_activations() const { return kernel_.int8(); }

 private:
  GptqLinear() = default;

  std::vector<std::uint32_t> qweight_;
  std::vector<std::uint32_t> qzeros_;
  std::vector<std::uint16_t> scales_;
  std::vector<float> bias_;
  std::vector<std::int32_t> perm_;  // kernel row i is checkpoint row perm_[i]; empty: identity
  kernels::QuantMatrix matrix_;
  quant::PackedKernel kernel_;
};

}  // namespace plexus::gptq
