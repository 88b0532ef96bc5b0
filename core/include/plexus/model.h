// plexus/model.h — what a model plugin builds: one architecture's view of a checkpoint.
//
// Contract:
// - A model plugin's factory receives the checkpoint's Hugging Face config (config.json, or the
//   same keys derived from GGUF metadata) and its [model] manifest section, and returns a Model
//   for the architectures it lists in `provides`, or InvalidArgument/Unsupported naming the
//   offending config key.
// - `summary()` is computed from the config alone (no weights): it is what `plexus plan` and
//   memory planning use. Parameter counts include embeddings and the LM head (once when tied).
// - With `weights` set, the factory builds every layer: linear layers only through `quant`
//   (plexus/linear.h), so the weight format never reaches the model. Without weights (plans,
//   validation) the Model can only describe itself; `forward` then fails.
// - `forward` runs one step for a batch of sequences over the paged KV cache (see ForwardBatch)
//   and writes the logits of the requested rows. A row's logits depend only on its sequence's
//   tokens, never on what else shares the batch.
// Thread safety: `summary()` and `kv_layout()` may be called concurrently; `forward` is called
// by one thread at a time (the engine's).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <boost/json/object.hpp>

#include "plexus/config_view.h"
#include "plexus/device.h"
#include "plexus/dtype.h"
#include "plexus/status.h"

namespace plexus {

class WeightSource;
class QuantScheme;
class Communicator;

struct ModelContext {
  const boost::json::object* hf_config = nullptr;  // never null when a factory is called
  const ConfigView* manifest = nullptr;            // the [model] section; never null
  Device device = Device::cpu();
  int tensor_parallel_rank = 0;
  int tensor_parallel_size = 1;
  // Null: describe only. The host keeps it alive as long as the model, so a model may keep
  // RawTensor pointers into it (tensors read in place).
  const WeightSource* weights = nullptr;
  const QuantScheme* quant = nullptr;  // never null when weights is set
  // For the modules `quant` leaves dense (lm_head, modules_to_not_convert): the built-in dense
  // scheme in the manifest's dtype. Null (older hosts): dense_quant_scheme(), f32.
  const QuantScheme* dense = nullptr;
  // The manifest's dtype for dense weights (f32 by default on the CPU): `dense` keeps linear
  // layers in it. An embedding table stored dense may be read in place from the checkpoint's
  // mapping instead (models-deepseek does when that changes no value).
  DType dense_dtype = DType::kF32;
  // This rank's tensor-parallel group; required when tensor_parallel_size > 1.
  Communicator* communicator = nullptr;
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

// What the model keeps per token per layer in the KV cache, so the pool never assumes a shape.
struct KvLayout {
  std::int64_t num_layers = 0;
  std::int64_t values_per_token = 0;  // per layer: K then V (2 x kv_heads x head_dim), or latent
};

// The paged KV cache as the model sees it: layer l owns the num_slots * values_per_token f32
// values at data + l * num_slots * values_per_token, laid out as the model chooses (the dense
// models: K of every slot, then V of every slot). A slot is block * block_size + offset.
struct KvCacheView {
  float* data = nullptr;
  std::int64_t num_slots = 0;  // num_blocks * block_size
  std::int64_t block_size = 0;
};

// One step's work: the new tokens of S sequences, concatenated.
struct ForwardBatch {
  std::span<const std::int32_t> tokens;        // [T]
  std::span<const std::int32_t> positions;     // [T] absolute position of each token
  std::span<const std::int64_t> slots;         // [T] cache slot where each token's K/V is written
  std::span<const std::int32_t> query_starts;  // [S + 1] sequence s owns rows [qs[s], qs[s+1])
  std::span<const std::int32_t> context_lens;  // [S] tokens in the cache after this step
  std::span<const std::int32_t> block_tables;  // [S * blocks_per_seq] block ids, in order
  std::int32_t blocks_per_seq = 0;
  std::span<const std::int32_t> logits_rows;  // rows of the batch whose logits are wanted
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelSummary& summary() const = 0;
  virtual KvLayout kv_layout() const = 0;
  // logits: [logits_rows.size(), vocab_size] f32.
  virtual Status forward(const ForwardBatch& batch, const KvCacheView& cache, float* logits) = 0;
  // Working memory (activations, scratch) a forward pass over `num_tokens` tokens keeps beyond
  // the weights, the KV cache and the caller's logits, for memory planning; 0 when unknown.
  virtual std::int64_t activation_bytes(std::int64_t num_tokens) const {
    (void)num_tokens;
    return 0;
  }
};

}  // namespace plexus
