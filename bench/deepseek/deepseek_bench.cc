// CPU decode throughput of a DeepSeek-V2-Lite-shaped model (MLA + DeepSeekMoE) with random
// weights, through the real path: the models-deepseek plugin, the dense quant scheme and
// engine::generate_greedy. The weights come from an in-memory WeightSource (no file), shaped by
// DeepSeek-V2-Lite's config.json with fewer layers so they fit in memory.
//
// Usage: plexus_deepseek_bench [--config DIR] [--layers 6] [--storage bf16|f32]
//          [--prompt-tokens 16] [--decode-tokens 32] [--prefill-tokens 0] [--repeats 3]
//          [--threads N] [--plugin SO]
// Prints one JSON object: the shape, parameters (total and active per token), the bytes of
// weights a decode step reads, and decode tokens/s of each run and their median (and prefill
// tokens/s of a --prefill-tokens prompt, one forward producing the last logits, when asked).
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/single_sequence.h"
#include "kernels/cpu/thread_pool.h"
#include "plexus/quant.h"
#include "plexus/weight_source.h"
#include "plugins/plugin_host.h"

namespace plexus {
namespace {

using Clock = std::chrono::steady_clock;

// Every tensor a DeepseekV2/V3 checkpoint of `config` holds, with its shape.
std::map<std::string, std::vector<std::int64_t>> checkpoint_shapes(const boost::json::object& c) {
  auto i = [&](const char* k) { return c.at(k).is_null() ? 0 : c.at(k).to_number<std::int64_t>(); };
  const std::int64_t h = i("hidden_size"), heads = i("num_attention_heads"),
                     q_lora = i("q_lora_rank"), kv_lora = i("kv_lora_rank"),
                     nope = i("qk_nope_head_dim"), rope = i("qk_rope_head_dim"),
                     v = i("v_head_dim"), vocab = i("vocab_size"), experts = i("n_routed_experts"),
                     shared = i("n_shared_experts"), moe_inter = i("moe_intermediate_size"),
                     inter = i("intermediate_size"), first_dense = i("first_k_dense_replace");
  std::map<std::string, std::vector<std::int64_t>> s;
  s["model.embed_tokens.weight"] = {vocab, h};
  s["model.norm.weight"] = {h};
  s["lm_head.weight"] = {vocab, h};
  auto mlp = [&](const std::string& p, std::int64_t width) {
    s[p + ".gate_proj.weight"] = {width, h};
    s[p + ".up_proj.weight"] = {width, h};
    s[p + ".down_proj.weight"] = {h, width};
  };
  for (std::int64_t l = 0; l < i("num_hidden_layers"); ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    s[p + "input_layernorm.weight"] = {h};
    s[p + "post_attention_layernorm.weight"] = {h};
    if (q_lora > 0) {
      s[p + "self_attn.q_a_proj.weight"] = {q_lora, h};
      s[p + "self_attn.q_a_layernorm.weight"] = {q_lora};
      s[p + "self_attn.q_b_proj.weight"] = {heads * (nope + rope), q_lora};
    } else {
      s[p + "self_attn.q_proj.weight"] = {heads * (nope + rope), h};
    }
    s[p + "self_attn.kv_a_proj_with_mqa.weight"] = {kv_lora + rope, h};
    s[p + "self_attn.kv_a_layernorm.weight"] = {kv_lora};
    s[p + "self_attn.kv_b_proj.weight"] = {heads * (nope + v), kv_lora};
    s[p + "self_attn.o_proj.weight"] = {h, heads * v};
    if (l < first_dense) {
      mlp(p + "mlp", inter);
      continue;
    }
    s[p + "mlp.gate.weight"] = {experts, h};
    for (std::int64_t e = 0; e < experts; ++e)
      mlp(p + "mlp.experts." + std::to_string(e), moe_inter);
    if (shared > 0) mlp(p + "mlp.shared_experts", shared * moe_inter);
  }
  return s;
}

// Deterministic pseudo-random weights: norms are 1, everything else uniform with std 0.02
// (splitmix64 of the name's hash and the element index).
class RandomWeightSource final : public WeightSource {
 public:
  explicit RandomWeightSource(boost::json::object config)
      : config_(std::move(config)), shapes_(checkpoint_shapes(config_)) {}

  std::string_view kind() const override { return "hf"; }
  const std::string& path() const override { return path_; }
  const boost::json::object& config() const override { return config_; }
  std::string config_json() const override { return boost::json::serialize(config_); }
  bool has(std::string_view name) const override { return shapes_.count(std::string(name)) > 0; }
  std::vector<std::string> names() const override {
    std::vector<std::string> n;
    for (const auto& [name, shape] : shapes_) n.push_back(name);
    return n;
  }
  Result<TensorInfo> info(std::string_view name) const override {
    auto it = shapes_.find(std::string(name));
    if (it == shapes_.end()) return Status::not_found("no tensor " + std::string(name));
    TensorInfo t;
    t.name = it->first;
    t.shape = it->second;
    t.dtype = DType::kBF16;
    t.type_name = "BF16";
    std::int64_t n = 1;
    for (auto d : t.shape) n *= d;
    t.nbytes = std::uint64_t(n) * 2;
    return t;
  }
  Result<OwnedTensor> load(std::string_view name, DType dtype, ShardSpec shard) const override {
    if (shard.dim >= 0 && shard.world > 1) return Status::unsupported("no sharding in the bench");
    PLEXUS_ASSIGN_OR_RETURN(TensorInfo t, info(name));
    if (dtype != DType::kF32 && dtype != DType::kBF16) return Status::unsupported("f32/bf16 only");
    std::int64_t n = 1;
    for (auto d : t.shape) n *= d;
    const std::size_t elem = dtype == DType::kF32 ? 4 : 2;
    PLEXUS_ASSIGN_OR_RETURN(Buffer buffer,
                            Buffer::allocate(cpu_allocator(), std::size_t(n) * elem));
    const bool norm = t.name.find("norm.weight") != std::string::npos;
    const std::uint64_t seed = std::hash<std::string>{}(t.name);
    auto* f32 = static_cast<float*>(buffer.data());
    auto* b16 = static_cast<std::uint16_t*>(buffer.data());
    kernels::default_thread_pool().parallel_for(
        n,
        [&](std::int64_t begin, std::int64_t end) {
          for (std::int64_t k = begin; k < end; ++k) {
            float x = 1.0f;
            if (!norm) {
              std::uint64_t z = seed + std::uint64_t(k) * 0x9E3779B97F4A7C15ull;
              z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
              z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
              z ^= z >> 31;
              // uniform in [-0.0346, 0.0346): std 0.02
              x = (float(z >> 40) / float(1 << 24) - 0.5f) * 0.0693f;
            }
            if (elem == 4) {
              f32[k] = x;
            } else {
              b16[k] = f32_to_bf16(x);
            }
          }
        },
        1 << 16);
    OwnedTensor out;
    out.tensor = buffer.view(dtype, t.shape);
    out.buffer = std::move(buffer);
    return out;
  }
  Result<RawTensor> raw(std::string_view) const override {
    return Status::unsupported("the bench's random weights have no raw bytes");
  }
  Result<std::string> metadata_string(std::string_view key) const override {
    return Status::not_found(std::string(key));
  }

 private:
  boost::json::object config_;
  std::string path_ = "<random weights>";
  std::map<std::string, std::vector<std::int64_t>> shapes_;
};

int run(int argc, char** argv) {
  std::string config_dir = "tests/fixtures/models/deepseek_v2_lite_config", storage = "bf16";
  std::string plugin;
  int layers = 6, prompt_tokens = 16, decode_tokens = 32, prefill_tokens = 0, repeats = 3;
  int threads = 0;
  const std::map<std::string, int*> numbers = {{"--layers", &layers},
                                               {"--prompt-tokens", &prompt_tokens},
                                               {"--decode-tokens", &decode_tokens},
                                               {"--prefill-tokens", &prefill_tokens},
                                               {"--repeats", &repeats},
                                               {"--threads", &threads}};
  const std::map<std::string, std::string*> texts = {
      {"--config", &config_dir}, {"--storage", &storage}, {"--plugin", &plugin}};
  for (int a = 1; a < argc; a += 2) {
    const std::string k = argv[a];
    if (a + 1 >= argc || (!numbers.count(k) && !texts.count(k))) {
      std::cerr << "unknown option or missing value: " << k << "\n";
      return 2;
    }
    if (numbers.count(k)) {
      *numbers.at(k) = std::stoi(argv[a + 1]);
    } else {
      *texts.at(k) = argv[a + 1];
    }
  }
  if (plugin.empty()) {
    plugin = (std::filesystem::path(argv[0]).parent_path() /
              "../lib/plexus/plugins/libplexus-models-deepseek.so")
                 .string();
  }
  if (threads > 0) kernels::set_num_threads(threads);
  std::ifstream in(config_dir + "/config.json");
  std::stringstream text;
  text << in.rdbuf();
  boost::json::object config = boost::json::parse(text.str()).as_object();
  const std::int64_t full_layers = config.at("num_hidden_layers").to_number<std::int64_t>();
  config["num_hidden_layers"] = layers;

  RandomWeightSource weights(config);
  PluginHost host;
  if (Status s = host.load(plugin); !s.ok()) {
    std::cerr << s.to_string() << "\n";
    return 1;
  }
  ConfigView manifest;
  ModelContext context{&weights.config(), &manifest};
  context.weights = &weights;
  const DType dtype = storage == "f32" ? DType::kF32 : DType::kBF16;
  context.quant = &dense_quant_scheme(dtype);
  const auto load_start = Clock::now();
  auto model = host.create_model("models-deepseek", context);
  if (!model.ok()) {
    std::cerr << model.status().to_string() << "\n";
    return 1;
  }
  const double load_s = std::chrono::duration<double>(Clock::now() - load_start).count();
  const ModelSummary& s = (*model)->summary();

  // Weight bytes one decode step reads: every active parameter except the embedding table (one
  // row) at the storage width, with kv_b_proj kept absorbed in f32 instead.
  auto num = [&](const char* k) { return config.at(k).to_number<std::int64_t>(); };
  const double bpw = dtype == DType::kF32 ? 4 : 2;
  const std::int64_t kv_b = layers * num("num_attention_heads") *
                            (num("qk_nope_head_dim") + num("v_head_dim")) * num("kv_lora_rank");
  const std::int64_t embed = num("vocab_size") * num("hidden_size");
  const double bytes_per_token = double(s.active_parameters - embed - kv_b) * bpw + kv_b * 4.0;
  const double dense_bytes_per_token = double(s.total_parameters - embed) * bpw;

  std::vector<std::int32_t> prompt(static_cast<std::size_t>(prompt_tokens));
  for (int t = 0; t < prompt_tokens; ++t) prompt[std::size_t(t)] = 1000 + 37 * t;
  std::vector<double> runs;
  for (int r = 0; r < repeats; ++r) {
    engine::GreedyOptions options;
    options.max_tokens = decode_tokens + 1;
    int seen = 0;
    Clock::time_point first, last;
    options.observe_logits = [&](std::span<const float>) {
      (seen++ == 0 ? first : last) = Clock::now();
    };
    auto out = engine::generate_greedy(**model, prompt, options);
    if (!out.ok()) {
      std::cerr << out.status().to_string() << "\n";
      return 1;
    }
    runs.push_back(decode_tokens / std::chrono::duration<double>(last - first).count());
  }
  // Prefill: one forward over the prompt producing the last position's logits only.
  std::vector<double> prefill_runs;
  for (int r = 0; prefill_tokens > 0 && r < repeats; ++r) {
    std::vector<std::int32_t> long_prompt(static_cast<std::size_t>(prefill_tokens));
    for (int t = 0; t < prefill_tokens; ++t) long_prompt[std::size_t(t)] = 500 + 13 * t;
    engine::GreedyOptions options;
    options.max_tokens = 1;
    const auto start = Clock::now();
    auto out = engine::generate_greedy(**model, long_prompt, options);
    if (!out.ok()) {
      std::cerr << out.status().to_string() << "\n";
      return 1;
    }
    prefill_runs.push_back(prefill_tokens /
                           std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::vector<double> sorted = runs;
  std::sort(sorted.begin(), sorted.end());
  boost::json::object o;
  o["model"] = "DeepSeek-V2-Lite shape, random weights";
  o["layers"] = layers;
  o["layers_in_full_model"] = full_layers;
  o["storage"] = storage;
  o["threads"] = kernels::default_thread_pool().size();
  o["load_seconds"] = load_s;
  o["total_parameters"] = s.total_parameters;
  o["active_parameters_per_token"] = s.active_parameters;
  o["weight_bytes_read_per_decode_token"] = bytes_per_token;
  o["dense_model_same_total_bytes_per_token"] = dense_bytes_per_token;
  o["kv_cache_bytes_per_token"] = layers * (*model)->kv_layout().values_per_token * 4;
  o["prompt_tokens"] = prompt_tokens;
  o["decode_tokens"] = decode_tokens;
  boost::json::array a;
  for (double x : runs) a.push_back(x);
  o["decode_tokens_per_s"] = a;
  o["decode_tokens_per_s_median"] = sorted[sorted.size() / 2];
  o["effective_weight_gb_per_s"] = sorted[sorted.size() / 2] * bytes_per_token / 1e9;
  if (!prefill_runs.empty()) {
    boost::json::array p;
    for (double x : prefill_runs) p.push_back(x);
    std::sort(prefill_runs.begin(), prefill_runs.end());
    o["prefill_tokens"] = prefill_tokens;
    o["prefill_tokens_per_s"] = p;
    o["prefill_tokens_per_s_median"] = prefill_runs[prefill_runs.size() / 2];
  }
  std::cout << boost::json::serialize(o) << "\n";
  return 0;
}

}  // namespace
}  // namespace plexus

int main(int argc, char** argv) { return plexus::run(argc, argv); }
