// plexus/weight_source.h — model weights by Hugging Face name, from a HF directory or a GGUF file.
//
// Contract:
// - `open_weight_source(path)` opens a HF model directory (config.json + model.safetensors, or a
//   sharded model.safetensors.index.json) or a GGUF v2/v3 file, memory-maps it and validates
//   every header field; a corrupt file is refused with one Corruption error naming the file and
//   the field.
// - Tensors are named as in HF checkpoints ("model.layers.0.self_attn.q_proj.weight") whatever
//   the source, and shapes are HF's (outermost first: a Linear weight is [out, in]). GGUF tensors
//   are renamed (token_embd -> model.embed_tokens.weight, blk.N.attn_q -> model.layers.N.
//   self_attn.q_proj.weight, ...); a GGUF tensor with no HF counterpart keeps its GGUF name.
//   GGUF llama q_proj/k_proj come back with the converter's row permutation undone, i.e. in HF's
//   half-split RoPE layout, from `load`. `raw` gives the bytes as stored (still permuted;
//   RawTensor::rope_permuted says so).
// - `config()` is the model's config.json as a JSON object. For GGUF it is synthesised from the
//   metadata with the same keys a HF LlamaForCausalLM config.json has (architectures,
//   hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
//   num_key_value_heads, head_dim, rms_norm_eps, rope_theta, max_position_embeddings,
//   vocab_size, tie_word_embeddings, bos/eos_token_id, rope_scaling when present). A tied model
//   (no GGUF `output` tensor) has no lm_head.weight, as in HF. `config_json()` is the same object
//   serialised, for code that does not link Boost.JSON.
// - `load` returns a freshly allocated CPU tensor of `compute_dtype` (F32, BF16 or F16; or the
//   tensor's own dense dtype, copied as is). Quantised GGUF tensors are dequantised
//   (F32/F16/BF16/Q4_0/Q4_1/Q8_0). A ShardSpec {dim, rank, world} keeps the rank-th of `world`
//   equal contiguous parts of dimension `dim` (0 = rows, 1 = columns); InvalidArgument when the
//   dimension is not divisible by `world`. Once it has copied a tensor, `load` drops the
//   mapping's resident pages of it (they stay in the page cache; a later read faults them back),
//   so a checkpoint is not held twice while it loads.
// - Loading draws a progress bar on stderr when stderr is a terminal, and nothing otherwise.
// - Pointers in RawTensor point into the mapping and stay valid while the WeightSource lives.
// Thread safety: after open, every method may be called from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "plexus/dtype.h"
#include "plexus/status.h"
#include "plexus/tensor.h"

namespace plexus {

// Which part of a tensor a tensor-parallel rank loads. dim = -1 loads the whole tensor.
struct ShardSpec {
  int dim = -1;
  int rank = 0;
  int world = 1;
};

enum class WeightFormat : std::uint8_t {
  kSafetensors,  // dense: `dtype` says the element type
  kGguf,         // `ggml_type` says the (maybe quantised) block format
};

struct TensorInfo {
  std::string name;                 // HF name
  std::vector<std::int64_t> shape;  // HF order: outermost first
  WeightFormat format = WeightFormat::kSafetensors;
  // The dense element type; for GGUF set only for F32/F16/BF16 tensors.
  std::optional<DType> dtype;
  // GGUF only: the ggml type id (0 F32, 1 F16, 2 Q4_0, 3 Q4_1, 8 Q8_0, 30 BF16, ...); -1 else.
  int ggml_type = -1;
  // "BF16", "Q4_1": the stored type, for messages.
  std::string type_name;
  std::uint64_t nbytes = 0;  // bytes as stored
};

// A loaded tensor: `tensor` is a view of `buffer`'s memory.
struct OwnedTensor {
  Buffer buffer;
  Tensor tensor;
};

// Stored bytes of one tensor, for kernels that read a format directly (quantised GEMMs).
struct RawTensor {
  const std::byte* data = nullptr;  // into the mapping; may be unaligned
  std::size_t nbytes = 0;
  TensorInfo info;
  // GGUF llama q_proj / k_proj: rows are in llama.cpp's interleaved RoPE order, not HF's.
  bool rope_permuted = false;
};

class WeightSource {
 public:
  virtual ~WeightSource() = default;

  // "hf" or "gguf".
  virtual std::string_view kind() const = 0;
  // The path it was opened from.
  virtual const std::string& path() const = 0;
  virtual const boost::json::object& config() const = 0;
  virtual std::string config_json() const = 0;

  virtual bool has(std::string_view hf_name) const = 0;
  // Every tensor name, sorted.
  virtual std::vector<std::string> names() const = 0;
  // NotFound (naming the source) for a name it does not have.
  virtual Result<TensorInfo> info(std::string_view hf_name) const = 0;
  virtual Result<OwnedTensor> load(std::string_view hf_name, DType compute_dtype,
                                   ShardSpec shard = {}) const = 0;
  virtual Result<RawTensor> raw(std::string_view hf_name) const = 0;
  // Drops the process's resident pages of the memory-mapped file(s) (advice only: everything
  // stays readable and is faulted back in when read). The host calls it once the model has
  // copied its weights out, so they do not count twice in the resident set.
  virtual void release_pages() const {}
  // A GGUF metadata value rendered as text (strings as they are, numbers in decimal, arrays
  // as JSON). NotFound for a HF directory or an absent key.
  virtual Result<std::string> metadata_string(std::string_view key) const = 0;
};

// A directory -> HF checkpoint; a file -> GGUF (checked by its magic).
Result<std::unique_ptr<WeightSource>> open_weight_source(const std::string& path);

}  // namespace plexus
