#include "gguf_names.h"

#include <gtest/gtest.h>

namespace plexus::formats {
namespace {

TEST(GgufNames, MapsLlamaNamesToHf) {
  EXPECT_EQ(gguf_to_hf_name("token_embd.weight"), "model.embed_tokens.weight");
  EXPECT_EQ(gguf_to_hf_name("output_norm.weight"), "model.norm.weight");
  EXPECT_EQ(gguf_to_hf_name("output.weight"), "lm_head.weight");
  EXPECT_EQ(gguf_to_hf_name("blk.0.attn_q.weight"), "model.layers.0.self_attn.q_proj.weight");
  EXPECT_EQ(gguf_to_hf_name("blk.12.attn_k.bias"), "model.layers.12.self_attn.k_proj.bias");
  EXPECT_EQ(gguf_to_hf_name("blk.3.attn_output.weight"), "model.layers.3.self_attn.o_proj.weight");
  EXPECT_EQ(gguf_to_hf_name("blk.29.ffn_down.weight"), "model.layers.29.mlp.down_proj.weight");
  EXPECT_EQ(gguf_to_hf_name("blk.1.ffn_norm.weight"),
            "model.layers.1.post_attention_layernorm.weight");
  EXPECT_EQ(gguf_to_hf_name("blk.1.attn_norm.weight"), "model.layers.1.input_layernorm.weight");
}

TEST(GgufNames, LeavesUnknownNamesAlone) {
  EXPECT_EQ(gguf_to_hf_name("rope_freqs.weight"), std::nullopt);
  EXPECT_EQ(gguf_to_hf_name("blk.x.attn_q.weight"), std::nullopt);
  EXPECT_EQ(gguf_to_hf_name("blk..attn_q.weight"), std::nullopt);
  EXPECT_EQ(gguf_to_hf_name("blk.0.attn_q"), std::nullopt);
  EXPECT_EQ(gguf_to_hf_name("blk.0.ffn_gate_exps.weight"), std::nullopt);
  EXPECT_EQ(gguf_to_hf_name(""), std::nullopt);
}

}  // namespace
}  // namespace plexus::formats
