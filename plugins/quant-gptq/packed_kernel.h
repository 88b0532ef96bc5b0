// Which fused kernel a packed (AWQ / GPTQ) layer runs, chosen by the manifest's
// `[quant] activations`. Shared by quant-awq and quant-gptq.
//
// Contract:
// - "f32" (the default) multiplies f32 activations by the codes (kernels::quant_gemm): the same
//   values as the library's dequantised f32 model, to float rounding.
// - "int8" quantizes activations to int8 per block of 32 and multiplies in integers
//   (kernels::quant_gemm_q8, llama.cpp's Q8_0 idea): faster once several sequences share a step,
//   at an accuracy cost that quant_gemm.h bounds. Layers the int8 kernel cannot take (8-bit
//   codes, groups not a multiple of 32) run f32; the choice is made per layer at load, so it
//   never depends on the batch.
// - Any other value is InvalidArgument naming the key and the allowed values.
#pragma once

#include <cstdint>
#include <string>

#include "kernels/cpu/quant_gemm.h"
#include "plexus/config_view.h"
#include "plexus/status.h"

namespace plexus::quant {

enum class Activations : std::uint8_t { kF32, kInt8 };

Result<Activations> read_activations(const ConfigView& quant_section);
std::string activations_name(Activations a);

// One layer's kernel: fixed at load from the wanted activations and what the matrix allows.
class PackedKernel {
 public:
  PackedKernel() = default;
  PackedKernel(Activations wanted, const kernels::QuantMatrix& m)
      : int8_(wanted == Activations::kInt8 && kernels::quant_q8_supported(m)) {}

  bool int8() const { return int8_; }
  Status run(const float* x, const kernels::QuantMatrix& m, const float* bias, float* y,
             std::int64_t rows) const {
    return int8_ ? kernels::quant_gemm_q8(x, m, bias, y, rows)
                 : kernels::quant_gemm(x, m, bias, y, rows);
  }

 private:
  bool int8_ = false;
};

}  // namespace plexus::quant
