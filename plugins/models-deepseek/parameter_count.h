// Parameter counts and KV-cache width computed from the config alone, for `plexus plan` and
// memory planning before any weight is read.
#pragma once

#include "model_config.h"
#include "plexus/model.h"

namespace plexus::deepseek {

// Total and per-token-active parameters (the MTP layer of DeepSeek-V3 is not counted: it is
// skipped at load), and the values cached per token per layer.
ModelSummary summarize(const ModelConfig& config);

}  // namespace plexus::deepseek
