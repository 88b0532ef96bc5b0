// Token embedding lookup: out[t] = table[ids[t]] widened to f32.
//
// table: [vocab_size, dim] row-major, f32, bf16 or f16 (as stored in the checkpoint); out:
// [num_tokens, dim] f32. Copies only, so exact.
// Errors: an id outside [0, vocab_size) is InvalidArgument naming the token index (a tokenizer
// and model that disagree on the vocabulary); an unsupported dtype is Unsupported. Nothing is
// written on error.
// Thread safety: reentrant.
#pragma once

#include <cstdint>

#include "plexus/dtype.h"
#include "plexus/status.h"
#include "thread_pool.h"

namespace plexus::kernels {

Status embedding(const std::int32_t* ids, std::int64_t num_tokens, const void* table,
                 DType table_dtype, std::int64_t vocab_size, std::int64_t dim, float* out,
                 ThreadPool* pool = nullptr);

}  // namespace plexus::kernels
