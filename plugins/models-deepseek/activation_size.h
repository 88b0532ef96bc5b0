// How much working memory (activations and scratch, f32) a forward pass over a batch of tokens
// keeps, from the config alone, for memory planning (Model::activation_bytes).
#pragma once

#include <cstdint>

#include "model_config.h"

namespace plexus::deepseek {

// For one tensor-parallel rank of `world`. Dense models: exactly the scratch DenseModel sizes.
// MLA/MoE: exactly the per-token scratch DeepseekModel sizes (latent-space attention for every
// token, routed copies of each token for its top-k experts and the shared experts).
std::int64_t activation_bytes(const ModelConfig& config, std::int64_t world,
                              std::int64_t num_tokens);

}  // namespace plexus::deepseek
