#include "embedding.h"

#include <cstring>
#include <string>

#include "half_convert.h"

namespace plexus::kernels {

Status embedding(const std::int32_t* ids, std::int64_t num_tokens, const void* table,
                 DType table_dtype, std::int64_t vocab_size, std::int64_t dim, float* out,
                 ThreadPool* pool) {
  if (num_tokens < 0 || vocab_size < 0 || dim < 0) {
    return Status::invalid_argument("embedding: negative size");
  }
  if (table_dtype != DType::kF32 && table_dtype != DType::kBF16 && table_dtype != DType::kF16) {
    return Status::unsupported("embedding: table dtype " + std::string(dtype_name(table_dtype)) +
                               " is not supported; use F32, BF16 or F16");
  }
  for (std::int64_t t = 0; t < num_tokens; ++t) {
    if (ids[t] < 0 || ids[t] >= vocab_size) {
      return Status::invalid_argument("embedding: token " + std::to_string(t) + " has id " +
                                      std::to_string(ids[t]) + ", outside the vocabulary of " +
                                      std::to_string(vocab_size) +
                                      " (does the tokenizer belong to this model?)");
    }
  }
  if (num_tokens == 0 || dim == 0) return Status::ok_status();
  ThreadPool& p = pool ? *pool : default_thread_pool();
  p.parallel_for(num_tokens, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      float* dst = out + t * dim;
      const std::int64_t row = std::int64_t(ids[t]) * dim;
      if (table_dtype == DType::kF32) {
        std::memcpy(dst, static_cast<const float*>(table) + row, std::size_t(dim) * sizeof(float));
        continue;
      }
      const auto* src = static_cast<const std::uint16_t*>(table) + row;
      if (table_dtype == DType::kBF16) {
        for (std::int64_t c = 0; c < dim; ++c) dst[c] = internal::bf16_bits_to_f32(src[c]);
      } else {
        for (std::int64_t c = 0; c < dim; ++c) dst[c] = internal::f16_bits_to_f32(src[c]);
      }
    }
  });
  return Status::ok_status();
}

}  // namespace plexus::kernels
