// plexus/quant.h — what a quant plugin builds: a validated weight-quantization scheme.
//
// Contract:
// - A quant plugin's factory receives the checkpoint's quantization config (the
//   `quantization_config` object of config.json, or a legacy quant_config.json) and the
//   [quant] manifest section, and returns a QuantScheme or InvalidArgument naming the key that
//   is wrong and what values are accepted.
// - `summary()` describes the scheme; `bytes_per_weight()` is the average storage per weight
//   including scales and zeros (used by `plexus plan`); `is_quantized(module)` says whether a
//   module (e.g. "model.layers.0.mlp.gate_proj") is stored quantized or left dense
//   (`modules_to_not_convert`, `lm_head`).
// - `create_linear` builds one layer (plexus/linear.h) from the checkpoint; a scheme that cannot
//   yet run its format returns Unsupported saying so. `dense_quant_scheme()` is the built-in
//   scheme for unquantized checkpoints ("none"): it keeps weights in f32, or in bf16/f16 when
//   asked, converting from whatever the checkpoint stores.
// Thread safety: immutable after creation; all methods may be called concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "plexus/config_view.h"
#include "plexus/dtype.h"
#include "plexus/linear.h"
#include "plexus/status.h"

namespace plexus {

struct QuantContext {
  const boost::json::object* quantization_config = nullptr;  // never null
  const ConfigView* manifest = nullptr;                      // the [quant] section; never null
};

struct QuantSummary {
  std::string method;  // "awq", "gptq"
  int bits = 0;
  int group_size = 0;  // -1 = one group spanning all input features
  std::string detail;  // e.g. "zero_point, gemm layout" or "sym, desc_act, gptq v1"
};

class QuantScheme {
 public:
  virtual ~QuantScheme() = default;
  virtual const QuantSummary& summary() const = 0;
  virtual double bytes_per_weight() const = 0;
  virtual bool is_quantized(std::string_view module_name) const = 0;
  virtual Result<std::unique_ptr<Linear>> create_linear(const LinearSpec& spec,
                                                        const WeightSource& weights) const = 0;
};

// The built-in scheme for dense checkpoints; weights are kept as `storage` (f32, bf16 or f16).
// The returned object lives as long as the process.
const QuantScheme& dense_quant_scheme(DType storage = DType::kF32);

}  // namespace plexus
