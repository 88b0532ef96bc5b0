// Compares plexus's conversions with values computed by the reference Python packages
// (tools/formats/make_fixtures.py writes testdata/golden.json): bit for bit.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <boost/json.hpp>

#include "plexus/weight_source.h"

namespace plexus {
namespace {

namespace json = boost::json;

const json::object& golden() {
  static const json::object g = [] {
    std::ifstream in("core/src/formats/testdata/golden.json");
    std::stringstream s;
    s << in.rdbuf();
    return json::parse(s.str()).as_object();
  }();
  return g;
}

std::vector<std::uint32_t> bits_of(const json::value& v) {
  std::vector<std::uint32_t> out;
  for (const auto& x : v.as_array()) out.push_back(std::uint32_t(x.to_number<std::uint64_t>()));
  return out;
}

std::vector<std::uint32_t> f32_bits(const Tensor& t) {
  std::vector<std::uint32_t> out(std::size_t(t.numel()));
  std::memcpy(out.data(), t.data(), out.size() * 4);
  return out;
}

std::vector<std::uint32_t> u16_bits(const Tensor& t) {
  const auto* p = t.data_as<std::uint16_t>();
  return std::vector<std::uint32_t>(p, p + t.numel());
}

std::vector<std::int64_t> shape_of(const json::value& v) {
  std::vector<std::int64_t> out;
  for (const auto& x : v.as_array()) out.push_back(x.to_number<std::int64_t>());
  return out;
}

// A single-file HF directory made from the dtype fixture.
std::string dtype_model_dir() {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("plexus_formats_dtypes_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file("core/src/formats/testdata/dtypes.safetensors", dir / "model.safetensors",
                fs::copy_options::overwrite_existing);
  std::ofstream(dir / "config.json") << R"({"architectures": ["LlamaForCausalLM"]})";
  return dir.string();
}

TEST(FormatsGolden, SafetensorsDtypesConvertLikeNumpy) {
  auto src = open_weight_source(dtype_model_dir());
  ASSERT_TRUE(src.ok()) << src.status().to_string();
  const json::object& cases = golden().at("safetensors").as_object();
  ASSERT_EQ(cases.size(), 7u);
  for (const auto& [name, c] : cases) {
    SCOPED_TRACE(std::string(name));
    const json::object& o = c.as_object();
    auto info = (*src)->info(name);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->type_name, std::string(o.at("dtype").as_string()));
    EXPECT_EQ(info->shape, shape_of(o.at("shape")));
    auto f32 = (*src)->load(name, DType::kF32);
    ASSERT_TRUE(f32.ok()) << f32.status().to_string();
    EXPECT_EQ(f32_bits(f32->tensor), bits_of(o.at("f32_bits")));
    auto bf16 = (*src)->load(name, DType::kBF16);
    ASSERT_TRUE(bf16.ok());
    EXPECT_EQ(u16_bits(bf16->tensor), bits_of(o.at("bf16_bits")));
    auto f16 = (*src)->load(name, DType::kF16);
    ASSERT_TRUE(f16.ok());
    EXPECT_EQ(u16_bits(f16->tensor), bits_of(o.at("f16_bits")));
  }
  // A tensor loads in its own dtype unchanged, e.g. I32 for packed quantised weights.
  auto i32 = (*src)->load("i32", DType::kI32);
  ASSERT_TRUE(i32.ok());
  auto raw = (*src)->raw("i32");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(std::memcmp(i32->tensor.data(), raw->data, raw->nbytes), 0);
}

TEST(FormatsGolden, ShardedHfDirectory) {
  auto src = open_weight_source("core/src/formats/testdata/sharded");
  ASSERT_TRUE(src.ok()) << src.status().to_string();
  EXPECT_EQ((*src)->kind(), "hf");
  EXPECT_EQ((*src)->config().at("hidden_size").as_int64(), 8);
  const json::object& cases = golden().at("sharded").as_object();
  EXPECT_EQ((*src)->names().size(), cases.size());
  for (const auto& [name, c] : cases) {
    SCOPED_TRACE(std::string(name));
    ASSERT_TRUE((*src)->has(name));
    auto t = (*src)->load(name, DType::kF32);
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    EXPECT_EQ(f32_bits(t->tensor), bits_of(c.at("f32_bits")));
    EXPECT_EQ(std::vector<std::int64_t>(t->tensor.shape().begin(), t->tensor.shape().end()),
              shape_of(c.at("shape")));
  }
  EXPECT_FALSE((*src)->metadata_string("general.architecture").ok());
}

TEST(FormatsGolden, TinyGgufDequantisesAndUnpermutesLikeTheReference) {
  auto src = open_weight_source("core/src/formats/testdata/tiny.gguf");
  ASSERT_TRUE(src.ok()) << src.status().to_string();
  EXPECT_EQ((*src)->kind(), "gguf");
  const json::object& g = golden().at("tiny_gguf").as_object();
  for (const auto& [gguf_name, c] : g.at("tensors").as_object()) {
    SCOPED_TRACE(std::string(gguf_name));
    const json::object& o = c.as_object();
    // The HF name, spelled out here independently of gguf_names.cc.
    std::string hf;
    if (gguf_name == "token_embd.weight") hf = "model.embed_tokens.weight";
    if (gguf_name == "output_norm.weight") hf = "model.norm.weight";
    if (gguf_name.starts_with("blk.0.")) {
      const std::string part(gguf_name.substr(6, gguf_name.size() - 6 - 7));
      const std::map<std::string, std::string> layer = {
          {"attn_norm", "input_layernorm"},    {"attn_q", "self_attn.q_proj"},
          {"attn_k", "self_attn.k_proj"},      {"attn_v", "self_attn.v_proj"},
          {"attn_output", "self_attn.o_proj"}, {"ffn_norm", "post_attention_layernorm"},
          {"ffn_gate", "mlp.gate_proj"},       {"ffn_up", "mlp.up_proj"},
          {"ffn_down", "mlp.down_proj"}};
      hf = "model.layers.0." + layer.at(part) + ".weight";
    }
    ASSERT_TRUE((*src)->has(hf)) << hf;
    auto info = (*src)->info(hf);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->type_name, std::string(o.at("ggml_type").as_string()));
    EXPECT_EQ(info->shape, shape_of(o.at("shape")));
    auto t = (*src)->load(hf, DType::kF32);
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    const std::vector<std::uint32_t> expected = bits_of(o.at("f32_bits"));
    EXPECT_EQ(f32_bits(t->tensor), expected);

    // Row shards of a permuted tensor are the matching rows of the whole.
    const std::int64_t rows = info->shape[0];
    if (info->shape.size() == 2 && rows % 2 == 0) {
      auto half = (*src)->load(hf, DType::kF32, {0, 1, 2});
      ASSERT_TRUE(half.ok());
      const std::size_t n = expected.size() / 2;
      EXPECT_EQ(f32_bits(half->tensor),
                std::vector<std::uint32_t>(expected.begin() + n, expected.end()));
      auto cols = (*src)->load(hf, DType::kF32, {1, 0, 2});
      ASSERT_TRUE(cols.ok());
      const std::int64_t width = info->shape[1];
      std::vector<std::uint32_t> left;
      for (std::int64_t r = 0; r < rows; ++r) {
        left.insert(left.end(), expected.begin() + r * width,
                    expected.begin() + r * width + width / 2);
      }
      EXPECT_EQ(f32_bits(cols->tensor), left);
    }
  }
  auto raw_q = (*src)->raw("model.layers.0.self_attn.q_proj.weight");
  ASSERT_TRUE(raw_q.ok());
  EXPECT_TRUE(raw_q->rope_permuted);
  EXPECT_EQ(raw_q->info.ggml_type, 2);
  EXPECT_EQ(raw_q->nbytes, 32u * 32 / 32 * 18);
  EXPECT_FALSE((*src)->raw("model.layers.0.self_attn.v_proj.weight")->rope_permuted);
  EXPECT_FALSE((*src)->has("lm_head.weight"));
}

TEST(FormatsGolden, TinyGgufConfigMatchesTransformers) {
  auto src = open_weight_source("core/src/formats/testdata/tiny.gguf");
  ASSERT_TRUE(src.ok()) << src.status().to_string();
  const json::object& config = (*src)->config();
  const json::object& expected = golden().at("tiny_gguf").at("config").as_object();
  for (const auto& [key, value] : expected) {
    SCOPED_TRACE(std::string(key));
    ASSERT_TRUE(config.contains(key));
    if (value.is_bool()) {
      EXPECT_EQ(config.at(key).as_bool(), value.as_bool());
    } else {
      // transformers widens f32 metadata to double; plexus keeps the decimal the writer meant.
      EXPECT_EQ(float(config.at(key).to_number<double>()), float(value.to_number<double>()));
    }
  }
  EXPECT_EQ(config.at("architectures").as_array().at(0).as_string(), "LlamaForCausalLM");
  EXPECT_EQ(config.at("rms_norm_eps").as_double(), 1e-6);
  auto reparsed = json::parse((*src)->config_json());
  EXPECT_EQ(reparsed.as_object(), config);
  EXPECT_EQ(*(*src)->metadata_string("general.architecture"), "llama");
  EXPECT_EQ(*(*src)->metadata_string("llama.block_count"), "1");
  EXPECT_EQ(*(*src)->metadata_string("test.negative"), "-7");
  EXPECT_EQ(*(*src)->metadata_string("test.f64"), "0.125");
  EXPECT_EQ(*(*src)->metadata_string("test.flag"), "true");
  EXPECT_EQ(*(*src)->metadata_string("llama.attention.layer_norm_rms_epsilon"), "1e-06");
  EXPECT_EQ(*(*src)->metadata_string("tokenizer.ggml.merges"), R"(["t o","to k"])");
  EXPECT_EQ(*(*src)->metadata_string("test.i16_array"), "[-3,4]");
  EXPECT_EQ((*src)->metadata_string("nope").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace plexus
