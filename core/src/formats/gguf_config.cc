#include "gguf_config.h"

#include <string>

namespace plexus::formats {
namespace {

namespace json = boost::json;

}  // namespace

Result<json::object> gguf_model_config(const GgufFile& gguf, bool has_output,
                                       std::int64_t vocab_from_embedding) {
  PLEXUS_ASSIGN_OR_RETURN(std::string arch, gguf.string("general.architecture"));
  json::object c;
  if (arch == "llama") {
    c["architectures"] = json::array{"LlamaForCausalLM"};
    c["model_type"] = "llama";
  } else if (arch == "qwen2") {
    c["architectures"] = json::array{"Qwen2ForCausalLM"};
    c["model_type"] = "qwen2";
  } else {
    return Status::unsupported(gguf.path() + ": GGUF architecture '" + arch +
                               "' is not supported (plexus reads llama and qwen2 GGUF files)");
  }
  const std::string p = arch + ".";
  auto need_uint = [&](const char* key) -> Result<std::int64_t> {
    PLEXUS_ASSIGN_OR_RETURN(std::uint64_t v, gguf.uint(p + key));
    if (v == 0 || v > (std::uint64_t(1) << 40)) {
      return Status::corruption(gguf.path() + ": GGUF metadata '" + p + key + "' is " +
                                std::to_string(v) + ", which is not a plausible size");
    }
    return std::int64_t(v);
  };
  PLEXUS_ASSIGN_OR_RETURN(std::int64_t hidden, need_uint("embedding_length"));
  PLEXUS_ASSIGN_OR_RETURN(std::int64_t heads, need_uint("attention.head_count"));
  PLEXUS_ASSIGN_OR_RETURN(std::int64_t layers, need_uint("block_count"));
  PLEXUS_ASSIGN_OR_RETURN(std::int64_t ffn, need_uint("feed_forward_length"));
  PLEXUS_ASSIGN_OR_RETURN(std::int64_t context, need_uint("context_length"));
  std::int64_t kv_heads = heads;
  if (gguf.find(p + "attention.head_count_kv")) {
    PLEXUS_ASSIGN_OR_RETURN(kv_heads, need_uint("attention.head_count_kv"));
  }
  std::int64_t head_dim = hidden / heads;
  if (gguf.find(p + "attention.key_length")) {
    PLEXUS_ASSIGN_OR_RETURN(head_dim, need_uint("attention.key_length"));
  } else if (hidden % heads != 0) {
    return Status::corruption(gguf.path() + ": embedding_length " + std::to_string(hidden) +
                              " is not a multiple of head_count " + std::to_string(heads));
  }
  std::int64_t vocab = vocab_from_embedding;
  if (gguf.find(p + "vocab_size")) {
    PLEXUS_ASSIGN_OR_RETURN(vocab, need_uint("vocab_size"));
  }
  PLEXUS_ASSIGN_OR_RETURN(double eps, gguf.number(p + "attention.layer_norm_rms_epsilon"));
  double theta = 10000.0;  // llama.cpp's default when the key is absent
  if (gguf.find(p + "rope.freq_base")) {
    PLEXUS_ASSIGN_OR_RETURN(theta, gguf.number(p + "rope.freq_base"));
  }

  c["hidden_size"] = hidden;
  c["intermediate_size"] = ffn;
  c["num_hidden_layers"] = layers;
  c["num_attention_heads"] = heads;
  c["num_key_value_heads"] = kv_heads;
  c["head_dim"] = head_dim;
  c["rms_norm_eps"] = eps;
  c["rope_theta"] = theta;
  c["max_position_embeddings"] = context;
  c["vocab_size"] = vocab;
  c["tie_word_embeddings"] = !has_output;
  c["hidden_act"] = "silu";
  for (const char* id : {"bos", "eos", "padding"}) {
    const std::string key = std::string("tokenizer.ggml.") + id + "_token_id";
    if (gguf.find(key)) {
      PLEXUS_ASSIGN_OR_RETURN(std::uint64_t v, gguf.uint(key));
      c[std::string(id == std::string("padding") ? "pad" : id) + "_token_id"] = v;
    }
  }
  if (gguf.find(p + "rope.scaling.type")) {
    PLEXUS_ASSIGN_OR_RETURN(std::string type, gguf.string(p + "rope.scaling.type"));
    if (type != "none") {
      json::object s;
      s["rope_type"] = type;
      s["type"] = type;
      if (gguf.find(p + "rope.scaling.factor")) {
        PLEXUS_ASSIGN_OR_RETURN(double f, gguf.number(p + "rope.scaling.factor"));
        s["factor"] = f;
      }
      if (gguf.find(p + "rope.scaling.original_context_length")) {
        PLEXUS_ASSIGN_OR_RETURN(std::uint64_t o,
                                gguf.uint(p + "rope.scaling.original_context_length"));
        s["original_max_position_embeddings"] = o;
      }
      c["rope_scaling"] = std::move(s);
    }
  }
  return c;
}

}  // namespace plexus::formats
