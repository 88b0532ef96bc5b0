#include "embedding_table.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/cpu/embedding.h"

namespace plexus::deepseek {
namespace {

// Whether the stored tensor can be read where it lies with the same values as a copy in
// `dense_dtype`.
bool readable_in_place(const RawTensor& raw, DType dense_dtype, Device device) {
  if (!device.is_cpu() || !raw.info.dtype || raw.rope_permuted) return false;
  const DType stored = *raw.info.dtype;
  if (stored != DType::kF32 && stored != DType::kBF16 && stored != DType::kF16) return false;
  if (stored != dense_dtype && dense_dtype != DType::kF32) return false;  // a rounding copy
  return reinterpret_cast<std::uintptr_t>(raw.data) % dtype_size(stored) == 0;
}

}  // namespace

Result<EmbeddingTable> EmbeddingTable::load(const WeightSource& weights, const std::string& name,
                                            std::int64_t vocab, std::int64_t hidden,
                                            DType dense_dtype, Device device) {
  EmbeddingTable t;
  t.vocab_ = vocab;
  t.hidden_ = hidden;
  PLEXUS_ASSIGN_OR_RETURN(RawTensor raw, weights.raw(name));
  const std::vector<std::int64_t>& shape = raw.info.shape;
  if (shape.size() != 2 || shape[0] != vocab || shape[1] != hidden) {
    std::string got;
    for (std::int64_t d : shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
    return Status::invalid_argument(name + " is [" + got + "] (" + raw.info.type_name +
                                    "), expected [" + std::to_string(vocab) + ", " +
                                    std::to_string(hidden) +
                                    "]: does config.json belong to these weights?");
  }
  if (readable_in_place(raw, dense_dtype, device)) {
    t.data_ = raw.data;
    t.dtype_ = *raw.info.dtype;
    return t;
  }
  PLEXUS_ASSIGN_OR_RETURN(t.owned_, weights.load(name, dense_dtype));
  t.data_ = t.owned_.tensor.data();
  t.dtype_ = t.owned_.tensor.dtype();
  return t;
}

Status EmbeddingTable::lookup(const std::int32_t* ids, std::int64_t num_tokens, float* out) const {
  if (data_ == nullptr) return Status::failed_precondition("the embedding table is not loaded");
  return kernels::embedding(ids, num_tokens, data_, dtype_, vocab_, hidden_, out);
}

}  // namespace plexus::deepseek
