// plexus/model.h — what a model plugin builds: one architecture's view of a checkpoint.
//
// Contract:
// - A model plugin's factory receives the checkpoint's Hugging Face config (config.json, or the
//   same keys derived from GGUF metadata) and its [model] manifest section, and returns a Model
//   for the architectures it lists in `provides`, or InvalidArgument/Unsupported naming the
//   offending config key.
// - `summary()` is computed from the config alone (no weights): it is what `plexus plan` and
//   memory planning use. Parameter counts include embeddings and the LM head (once when tied).
// - The forward pass is added to this interface by the dense-model work; nothing here assumes a
//   device, a dtype or a weight format (weights reach the model only through quant plugins).
// Thread safety: a Model is immutable after creation; `summary()` may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/json/object.hpp>

#include "plexus/config_view.h"
#include "plexus/device.h"
#include "plexus/status.h"

namespace plexus {

struct ModelContext {
  const boost::json::object* hf_config = nullptr;  // never null when a factory is called
  const ConfigView* manifest = nullptr;            // the [model] section; never null
  Device device = Device::cpu();
  int tensor_parallel_rank = 0;
  int tensor_parallel_size = 1;
};

struct ModelSummary {
  std::string architecture;  // e.g. "LlamaForCausalLM"
  std::int64_t num_layers = 0;
  std::int64_t hidden_size = 0;
  std::int64_t vocab_size = 0;
  std::int64_t max_position_embeddings = 0;
  std::int64_t total_parameters = 0;
  std::int64_t active_parameters = 0;  // per token; equals total for dense models
  // Values cached per token per layer (K and V heads x head_dim, or MLA's latent width).
  std::int64_t kv_values_per_token_per_layer = 0;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelSummary& summary() const = 0;
};

}  // namespace plexus
