// gguf_config.h — a HF config.json equivalent built from a GGUF file's hyperparameters.
//
// Supported architectures: general.architecture "llama" (-> LlamaForCausalLM) and "qwen2"
// (-> Qwen2ForCausalLM). Keys read: <arch>.{context_length, embedding_length, block_count,
// feed_forward_length, attention.head_count, attention.head_count_kv,
// attention.layer_norm_rms_epsilon, attention.key_length, rope.freq_base, vocab_size,
// rope.scaling.{type, factor, original_context_length}} and tokenizer.ggml.{bos,eos,padding}
// _token_id; `has_output` tells whether an `output` tensor exists (else embeddings are tied).
#pragma once

#include <cstdint>

#include <boost/json/object.hpp>

#include "gguf_reader.h"
#include "plexus/status.h"

namespace plexus::formats {

// `vocab_from_embedding` is token_embd's row count, used when <arch>.vocab_size is absent.
Result<boost::json::object> gguf_model_config(const GgufFile& gguf, bool has_output,
                                              std::int64_t vocab_from_embedding);

}  // namespace plexus::formats
