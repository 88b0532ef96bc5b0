// GPTQ quantization settings from config.json's quantization_config (or quantize_config.json),
// validated, with GPTQModel's per-module `dynamic` rules.
//
// `dynamic` maps a pattern to overrides. The first pattern, in the file's order, that matches
// the module's name from its start (a regular expression; "+:" or no prefix) gives the module its
// own bits, group_size, sym and desc_act (other keys are quantizer settings and are ignored); a
// "-:" pattern leaves the matching modules unquantized (dense in the checkpoint). GPTQModel writes
// `lm_head=True` as such a rule (8-bit by default). Patterns are ECMAScript regular expressions,
// which agree with Python's for the patterns quantizers write.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "plexus/status.h"

namespace plexus::gptq {

enum class CheckpointFormat { kGptqV1, kGptqV2 };  // v1 stores zero - 1, v2 the true zero

struct DynamicRule {
  std::string pattern;  // as written, prefix included
  bool skip = false;    // "-:": not quantized
  std::shared_ptr<const std::regex> regex;
  std::optional<int> bits, group_size;
  std::optional<bool> sym, desc_act;
};

struct GptqConfig {
  int bits = 4;
  int group_size = 128;  // -1: one group over all input features
  bool desc_act = false;
  bool sym = true;
  bool lm_head = false;  // lm_head quantized too
  CheckpointFormat format = CheckpointFormat::kGptqV1;
  std::vector<DynamicRule> dynamic;

  // Code bits plus each group's f16 scale and packed zero, averaged over a group.
  double bytes_per_weight() const;
  // False for the lm_head unless `lm_head`, and for a module a "-:" rule matches first.
  bool is_quantized(std::string_view module) const;
  // The settings `module` was quantized with: these, with the first matching rule's overrides.
  GptqConfig resolved(std::string_view module) const;
  // The first rule matching `module`, or null.
  const DynamicRule* rule_for(std::string_view module) const;
};

Result<GptqConfig> parse_gptq_config(const boost::json::object& config);

}  // namespace plexus::gptq
