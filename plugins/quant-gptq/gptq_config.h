// GPTQ quantization settings from config.json's quantization_config (or quantize_config.json),
// validated.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "plexus/status.h"

namespace plexus::gptq {

enum class CheckpointFormat { kGptqV1, kGptqV2 };  // v1 stores zero - 1, v2 the true zero

struct GptqConfig {
  int bits = 4;
  int group_size = 128;  // -1: one group over all input features
  bool desc_act = false;
  bool sym = true;
  bool lm_head = false;  // lm_head quantized too
  CheckpointFormat format = CheckpointFormat::kGptqV1;

  // Code bits plus each group's f16 scale and packed zero, averaged over a group.
  double bytes_per_weight() const;
  bool is_quantized(std::string_view module) const;
};

Result<GptqConfig> parse_gptq_config(const boost::json::object& config);

}  // namespace plexus::gptq
