// gguf_names.h — GGUF tensor names <-> Hugging Face tensor names (llama-family models).
//
// token_embd.weight -> model.embed_tokens.weight, output_norm -> model.norm, output -> lm_head,
// blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down}
// -> model.layers.N.{input_layernorm, self_attn.{q,k,v,o}_proj, post_attention_layernorm,
// mlp.{gate,up,down}_proj}; the .weight/.bias suffix is kept. Names outside this table
// (rope_freqs.weight, ...) have no HF counterpart and keep their GGUF name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace plexus::formats {

// The HF name, or nullopt when the GGUF name has no HF counterpart.
std::optional<std::string> gguf_to_hf_name(std::string_view gguf_name);

}  // namespace plexus::formats
