// The real SmolLM2-135M-Instruct Q4_1 GGUF (scripts/fetch-model puts it in models/) against
// values the gguf package and transformers' GGUF loader computed (testdata/smollm2_golden.json).
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "gguf_reader.h"
#include "plexus/weight_source.h"

namespace plexus {
namespace {

namespace json = boost::json;

constexpr const char* kModel = "models/SmolLM2-135M-Instruct.Q4_1.gguf";

const json::object& golden() {
  static const json::object g = [] {
    std::ifstream in("core/src/formats/testdata/smollm2_golden.json");
    std::stringstream s;
    s << in.rdbuf();
    return json::parse(s.str()).as_object();
  }();
  return g;
}

std::string sha256_hex(const void* data, std::size_t n) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data, n, digest, &len, EVP_sha256(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

std::vector<std::uint32_t> bits_of(const json::value& v) {
  std::vector<std::uint32_t> out;
  for (const auto& x : v.as_array()) out.push_back(std::uint32_t(x.to_number<std::uint64_t>()));
  return out;
}

class GgufSmolLM2 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kModel)) {
      GTEST_SKIP() << kModel
                   << " is missing: run scripts/fetch-model to test against the real "
                      "SmolLM2 GGUF";
    }
  }
};

TEST_F(GgufSmolLM2, TensorsMatchTheReferenceDequantisation) {
  auto src = open_weight_source(kModel);
  ASSERT_TRUE(src.ok()) << src.status().to_string();
  EXPECT_EQ(std::filesystem::file_size(kModel),
            golden().at("file_size").to_number<std::uint64_t>());
  const std::map<std::string, std::string> hf = {
      {"token_embd.weight", "model.embed_tokens.weight"},
      {"blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight"},
      {"blk.0.attn_k.weight", "model.layers.0.self_attn.k_proj.weight"},
      {"blk.29.ffn_down.weight", "model.layers.29.mlp.down_proj.weight"},
      {"output_norm.weight", "model.norm.weight"}};
  const json::object& tensors = golden().at("tensors").as_object();
  ASSERT_EQ(tensors.size(), hf.size());
  for (const auto& [gguf_name, c] : tensors) {
    SCOPED_TRACE(std::string(gguf_name));
    const json::object& o = c.as_object();
    const std::string& name = hf.at(std::string(gguf_name));
    auto info = (*src)->info(name);
    ASSERT_TRUE(info.ok()) << info.status().to_string();
    EXPECT_EQ(info->type_name, std::string(o.at("ggml_type").as_string()));
    auto t = (*src)->load(name, DType::kF32);
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    const std::size_t n = std::size_t(t->tensor.numel());
    std::vector<std::uint32_t> bits(n);
    std::memcpy(bits.data(), t->tensor.data(), n * 4);
    const std::vector<std::uint32_t> first = bits_of(o.at("first_f32_bits"));
    const std::vector<std::uint32_t> last = bits_of(o.at("last_f32_bits"));
    EXPECT_EQ(std::vector<std::uint32_t>(bits.begin(), bits.begin() + first.size()), first);
    EXPECT_EQ(std::vector<std::uint32_t>(bits.end() - last.size(), bits.end()), last);
    EXPECT_EQ(sha256_hex(bits.data(), n * 4), std::string(o.at("sha256_f32").as_string()));
  }
}

TEST_F(GgufSmolLM2, ConfigMatchesTransformers) {
  auto src = open_weight_source(kModel);
  ASSERT_TRUE(src.ok()) << src.status().to_string();
  const json::object& config = (*src)->config();
  for (const auto& [key, value] : golden().at("config").as_object()) {
    SCOPED_TRACE(std::string(key));
    ASSERT_TRUE(config.contains(key));
    if (value.is_bool()) {
      EXPECT_EQ(config.at(key).as_bool(), value.as_bool());
    } else {
      EXPECT_EQ(float(config.at(key).to_number<double>()), float(value.to_number<double>()));
    }
  }
  // What SmolLM2's own config.json says, beyond what transformers derives.
  EXPECT_EQ(config.at("rms_norm_eps").as_double(), 1e-5);
  EXPECT_EQ(config.at("architectures").as_array().at(0).as_string(), "LlamaForCausalLM");
  EXPECT_TRUE(config.at("tie_word_embeddings").as_bool());
  EXPECT_FALSE((*src)->has("lm_head.weight"));
  EXPECT_EQ((*src)->names().size(), 272u);
  EXPECT_EQ(*(*src)->metadata_string("tokenizer.ggml.pre"), "smollm");
}

TEST_F(GgufSmolLM2, TokenizerMetadataIsReadable) {
  auto g = formats::GgufFile::open(kModel);
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  auto tokens = (*g)->string_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->size(), 49152u);
  EXPECT_EQ((*tokens)[1], "<|im_start|>");
  auto merges = (*g)->string_array("tokenizer.ggml.merges");
  ASSERT_TRUE(merges.ok());
  EXPECT_EQ(merges->size(), 48900u);
  auto types = (*g)->int_array("tokenizer.ggml.token_type");
  ASSERT_TRUE(types.ok());
  EXPECT_EQ(types->size(), 49152u);
  EXPECT_EQ(*(*g)->uint("tokenizer.ggml.eos_token_id"), 2u);
  EXPECT_FALSE(*(*g)->boolean("tokenizer.ggml.add_bos_token"));
  EXPECT_NE((*g)->string("tokenizer.chat_template")->find("im_start"), std::string::npos);
}

TEST_F(GgufSmolLM2, ShardsAssembleToTheWhole) {
  auto src = open_weight_source(kModel);
  ASSERT_TRUE(src.ok());
  const std::string name = "model.layers.0.self_attn.k_proj.weight";  // [192, 576], 3 heads
  auto whole = (*src)->load(name, DType::kF32);
  ASSERT_TRUE(whole.ok());
  for (int dim : {0, 1}) {
    std::vector<float> joined(std::size_t(whole->tensor.numel()));
    for (int rank = 0; rank < 3; ++rank) {
      auto part = (*src)->load(name, DType::kF32, {dim, rank, 3});
      ASSERT_TRUE(part.ok()) << part.status().to_string();
      const auto* p = part->tensor.data_as<float>();
      const std::int64_t rows = part->tensor.dim(0), cols = part->tensor.dim(1);
      for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < cols; ++c) {
          const std::int64_t R = dim == 0 ? rank * rows + r : r;
          const std::int64_t C = dim == 1 ? rank * cols + c : c;
          joined[std::size_t(R * 576 + C)] = p[r * cols + c];
        }
      }
    }
    EXPECT_EQ(std::memcmp(joined.data(), whole->tensor.data(), joined.size() * 4), 0);
  }
  EXPECT_FALSE((*src)->load(name, DType::kF32, {0, 0, 5}).ok());
}

}  // namespace
}  // namespace plexus
