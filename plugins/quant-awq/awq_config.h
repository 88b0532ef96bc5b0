// AWQ quantization settings, from config.json's quantization_config or a legacy
// quant_config.json (w_bit / q_group_size), validated.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "plexus/status.h"

namespace plexus::awq {

struct AwqConfig {
  int bits = 4;
  int group_size = 128;  // -1: one group over all input features
  bool zero_point = true;
  std::string version = "gemm";
  std::vector<std::string> modules_to_not_convert;

  // Storage per weight: the 4-bit code plus each group's f16 scale and 4-bit zero, averaged
  // over a group (for group_size -1, the per-column terms are taken as negligible).
  double bytes_per_weight() const;
  // False when a name in modules_to_not_convert occurs in `module` (substring match, as AutoAWQ,
  // transformers and vLLM do: "model.layers.0.mlp" covers model.layers.0.mlp.gate_proj).
  bool is_quantized(std::string_view module) const;
};

Result<AwqConfig> parse_awq_config(const boost::json::object& config);

}  // namespace plexus::awq
