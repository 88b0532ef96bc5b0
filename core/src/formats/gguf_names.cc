#include "gguf_names.h"

#include <charconv>

namespace plexus::formats {
namespace {

struct NamePair {
  std::string_view gguf;
  std::string_view hf;
};

constexpr NamePair kGlobal[] = {
    {"token_embd", "model.embed_tokens"},
    {"output_norm", "model.norm"},
    {"output", "lm_head"},
};

constexpr NamePair kPerLayer[] = {
    {"attn_norm", "input_layernorm"},    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},      {"attn_v", "self_attn.v_proj"},
    {"attn_output", "self_attn.o_proj"}, {"ffn_norm", "post_attention_layernorm"},
    {"ffn_gate", "mlp.gate_proj"},       {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},
};

// Splits "stem.weight" / "stem.bias" into stem and suffix.
bool split_suffix(std::string_view name, std::string_view* stem, std::string_view* suffix) {
  for (std::string_view s : {std::string_view(".weight"), std::string_view(".bias")}) {
    if (name.size() > s.size() && name.substr(name.size() - s.size()) == s) {
      *stem = name.substr(0, name.size() - s.size());
      *suffix = s;
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> gguf_to_hf_name(std::string_view gguf_name) {
  std::string_view stem, suffix;
  if (!split_suffix(gguf_name, &stem, &suffix)) return std::nullopt;
  for (const NamePair& p : kGlobal) {
    if (stem == p.gguf) return std::string(p.hf) + std::string(suffix);
  }
  constexpr std::string_view kBlk = "blk.";
  if (stem.substr(0, kBlk.size()) != kBlk) return std::nullopt;
  stem.remove_prefix(kBlk.size());
  const std::size_t dot = stem.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const std::string_view layer = stem.substr(0, dot);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(layer.data(), layer.data() + layer.size(), value);
  if (ec != std::errc() || ptr != layer.data() + layer.size()) return std::nullopt;
  const std::string_view part = stem.substr(dot + 1);
  for (const NamePair& p : kPerLayer) {
    if (part == p.gguf) {
      return "model.layers." + std::to_string(value) + "." + std::string(p.hf) +
             std::string(suffix);
    }
  }
  return std::nullopt;
}

}  // namespace plexus::formats
