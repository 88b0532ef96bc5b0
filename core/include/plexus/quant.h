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
// - The Linear and ExpertLinear layers that models build through a scheme are added to this
//   interface with the dense-model and quantization work.
// Thread safety: immutable after creation; all methods may be called concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "plexus/config_view.h"
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
};

}  // namespace plexus
