// EmbeddingTable: the token embedding ([vocab, hidden]), read in place from the checkpoint's
// memory mapping where that changes no value, else loaded into memory.
//
// - In place when the tensor is stored dense as f32, bf16 or f16 (safetensors, or GGUF
//   F32/F16/BF16), whole (the table is never sharded), on the CPU, element-aligned, and the
//   model's dense dtype either is the stored one or f32: the lookup widens a row to f32 exactly,
//   so every value equals that of the converted copy it replaces. Only the pages of the rows
//   looked up become resident; the host's release_pages() after the load drops the rest, as
//   llama.cpp's memory mapping does (a 129K-token DeepSeek-V3 table is 1.8 GiB in bf16).
// - Otherwise (a quantised GGUF table, or dense dtype bf16 over an f32 table) the table is
//   loaded and converted to the dense dtype, as WeightSource::load does.
// REQUIRES: the WeightSource outlives the table (the host keeps it for the model's lifetime).
// Thread safety: lookup() is reentrant.
#pragma once

#include <cstdint>
#include <string>

#include "plexus/device.h"
#include "plexus/status.h"
#include "plexus/weight_source.h"

namespace plexus::deepseek {

class EmbeddingTable {
 public:
  EmbeddingTable() = default;
  // `name` [vocab, hidden]; InvalidArgument naming the tensor when its shape differs.
  static Result<EmbeddingTable> load(const WeightSource& weights, const std::string& name,
                                     std::int64_t vocab, std::int64_t hidden, DType dense_dtype,
                                     Device device = Device::cpu());

  // out[t] = row ids[t] as f32; InvalidArgument for an id outside the vocabulary.
  Status lookup(const std::int32_t* ids, std::int64_t num_tokens, float* out) const;

  bool in_place() const { return owned_.buffer.data() == nullptr && data_ != nullptr; }
  const void* data() const { return data_; }
  DType dtype() const { return dtype_; }
  // Bytes held in memory: 0 in place (pages of the mapping), else the converted copy.
  std::size_t held_bytes() const { return owned_.buffer.size(); }

 private:
  OwnedTensor owned_;  // the loaded copy; empty in place
  const void* data_ = nullptr;
  DType dtype_ = DType::kF32;
  std::int64_t vocab_ = 0, hidden_ = 0;
};

}  // namespace plexus::deepseek
