// gguf_tokenizer.h — builds a TokenizerSpec from GGUF tokenizer.ggml.* metadata.
//
// tokenizer.ggml.model "gpt2": byte-level BPE with the ranked merges and the split regex named
// by tokenizer.ggml.pre. "llama": SentencePiece-style BPE with byte fallback whose merges come
// from the scores (no merges in the file), text prepared like Llama-2's tokenizer.json (a "▁"
// before the text, spaces as "▁"). Control and unknown tokens (types 3, 2) are special added
// tokens, user-defined ones (type 4) plain added tokens; all are matched before
// pre-tokenization, as llama.cpp does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bpe_tokenizer.h"

namespace plexus::tokenizer {

// The metadata the tokenizer needs, already read from the file (so this file's logic does not
// depend on the GGUF reader and can be tested with plain values).
struct GgufTokenizerMetadata {
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre ("" when absent)
  std::vector<std::string> tokens;
  std::vector<int32_t> token_types;  // empty when absent
  std::vector<std::string> merges;   // "left right"
  std::vector<float> scores;
  std::optional<int32_t> bos_id, eos_id, unk_id;
  std::optional<bool> add_bos, add_eos, add_space_prefix;
};

Result<TokenizerSpec> spec_from_gguf_metadata(GgufTokenizerMetadata meta, const std::string& name);

// The split patterns for a tokenizer.ggml.pre id; NotFound for unknown ids.
Result<std::vector<std::string>> gguf_pre_tokenizer_patterns(std::string_view pre);

}  // namespace plexus::tokenizer
