// The memory plan's inputs for one deployment, from its manifest and model description alone
// (no weights need to be loaded): shared by `plexus plan` and start-up, so both say the same.
#pragma once

#include <cstdint>

#include "manifest/manifest.h"
#include "memory/memory_plan.h"
#include "plexus/model.h"
#include "plexus/quant.h"

namespace plexus::cli {

// [model] max_model_len, else the model's max_position_embeddings.
std::int64_t effective_max_model_len(const Manifest& m, const ModelSummary& s);

// Weights of one tensor-parallel rank: linear layers at the scheme's bytes per weight (the
// quant scheme's, else the manifest's dtype, f32 by default on the CPU), the embedding table in
// f32 and the LM head dense.
std::int64_t estimate_weight_bytes(const Manifest& m, const ModelSummary& s,
                                   const QuantScheme* quant);

// Everything plan_memory needs; host memory is read from /proc/meminfo when `check_host`.
MemoryPlanInput memory_plan_input(const Manifest& m, const Model& model, const QuantScheme* quant,
                                  bool check_host);

}  // namespace plexus::cli
