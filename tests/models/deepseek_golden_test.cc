// DeepSeek-V2/V3 (MLA + MoE) through the real plugin path against logits recorded by
// transformers from the same tiny checkpoints (tools/models/make_tiny_models.py):
// - deepseek_v2_lite_like: q_proj (no q_lora), softmax group_limited_greedy router, 2 shared
//   experts, dense layer 0, yarn with mscale = mscale_all_dim;
// - deepseek_v3_like: q_a/q_b with q_a_layernorm, sigmoid noaux_tc router with a correction
//   bias, 1 shared expert, dense layer 0, yarn with mscale != mscale_all_dim.
// - deepseek_v2_greedy: q_a/q_b in V2, plain softmax top-k ("greedy", V2-Lite's router), no rope
//   scaling.
// Also: the latent KV cache's bytes per token, batch invariance (bit-identical logits alone and
// batched; 8 requests through BatchEngine give their solo greedy tokens), tensor parallel 2
// against 1, and the MTP layer skipped at load.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>

#include "engine/batch_engine.h"
#include "engine/single_sequence.h"
#include "formats/safetensors_reader.h"
#include "memory/kv_cache_storage.h"
#include "plexus/communicator.h"
#include "plexus/logging.h"
#include "plexus/quant.h"
#include "plexus/weight_source.h"
#include "plugins/plugin_host.h"

namespace plexus {
namespace {

const std::string kFixtures = std::string(PLEXUS_SOURCE_DIR) + "/tests/fixtures/models/";
const std::string kPlugin =
    std::string(PLEXUS_BINARY_DIR) + "/lib/plexus/plugins/libplexus-models-deepseek.so";

// max |got - want| over the row, divided by max |want| over the row.
double row_relative_error(std::span<const float> got, std::span<const float> want) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, double(std::fabs(got[i] - want[i])));
    scale = std::max(scale, double(std::fabs(want[i])));
  }
  return diff / std::max(scale, 1e-30);
}

class DeepseekGolden : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string dir = kFixtures + GetParam();
    auto weights = open_weight_source(dir);
    ASSERT_TRUE(weights.ok()) << weights.status().to_string();
    weights_ = std::move(*weights);
    auto ref = formats::SafetensorsFile::open(dir + "/reference.safetensors");
    ASSERT_TRUE(ref.ok()) << ref.status().to_string();
    ref_ = std::move(*ref);
    ASSERT_TRUE(host_.load(kPlugin).ok());
    auto model = create(1, nullptr, 0);
    ASSERT_TRUE(model.ok()) << model.status().to_string();
    model_ = *model;
  }

  Result<std::shared_ptr<Model>> create(int tp_size, Communicator* communicator, int rank = 0) {
    ModelContext context{&weights_->config(), &manifest_};
    context.weights = weights_.get();
    context.quant = &dense_quant_scheme();
    context.tensor_parallel_size = tp_size;
    context.tensor_parallel_rank = rank;
    context.communicator = communicator;
    return host_.create_model("models-deepseek", context);
  }

  std::span<const float> floats(const std::string& name) const {
    const auto* t = ref_->find(name);
    EXPECT_NE(t, nullptr) << name;
    return {reinterpret_cast<const float*>(t->data), std::size_t(t->numel)};
  }
  std::vector<std::int32_t> ints(const std::string& name) const {
    const auto* t = ref_->find(name);
    EXPECT_NE(t, nullptr) << name;
    const auto* p = reinterpret_cast<const std::int32_t*>(t->data);
    return {p, p + t->numel};
  }

  ConfigView manifest_;
  PluginHost host_;
  std::unique_ptr<WeightSource> weights_;
  std::unique_ptr<formats::SafetensorsFile> ref_;
  std::shared_ptr<Model> model_;
};

TEST_P(DeepseekGolden, PrefillAndGreedyDecodeMatchTransformers) {
  const std::int64_t vocab = model_->summary().vocab_size;
  int prompts = 0;
  for (int p = 0; ref_->find("prompt_" + std::to_string(p) + "/ids"); ++p, ++prompts) {
    SCOPED_TRACE("prompt " + std::to_string(p));
    const std::string key = "prompt_" + std::to_string(p) + "/";
    const std::vector<std::int32_t> ids = ints(key + "ids");
    auto prefill = engine::prefill_logits(*model_, ids);
    ASSERT_TRUE(prefill.ok()) << prefill.status().to_string();
    const auto want_prefill = floats(key + "prefill_logits");
    ASSERT_EQ(want_prefill.size(), prefill->size());
    for (std::size_t t = 0; t < ids.size(); ++t) {
      EXPECT_LT(row_relative_error({prefill->data() + t * vocab, std::size_t(vocab)},
                                   want_prefill.subspan(t * vocab, vocab)),
                1e-4)
          << "prefill position " << t;
    }
    const auto want_decode = floats(key + "decode_logits");
    const std::vector<std::int32_t> want_tokens = ints(key + "decode_tokens");
    engine::GreedyOptions options;
    options.max_tokens = std::int32_t(want_tokens.size());
    std::size_t step = 0;
    options.observe_logits = [&](std::span<const float> logits) {
      // Step 0's logits are the prompt's last position; decode step s's are after s tokens.
      if (step > 0 && step <= want_tokens.size() - 1) {
        EXPECT_LT(row_relative_error(logits, want_decode.subspan((step - 1) * vocab, vocab)), 1e-4)
            << "decode step " << step - 1;
      }
      ++step;
    };
    auto tokens = engine::generate_greedy(*model_, ids, options);
    ASSERT_TRUE(tokens.ok()) << tokens.status().to_string();
    EXPECT_EQ(*tokens, want_tokens);
    EXPECT_EQ(step, want_tokens.size());
  }
  EXPECT_EQ(prompts, 4);
}

// The cache holds the latent: kv_lora_rank (32) + qk_rope_head_dim (8) f32 values per token
// per layer, not 2 x 4 heads x (24 + 16) as expanded K/V would take.
TEST_P(DeepseekGolden, LatentKvCacheBytesPerToken) {
  const auto layers = weights_->config().at("num_hidden_layers").to_number<std::int64_t>();
  const KvLayout layout = model_->kv_layout();
  EXPECT_EQ(layout.num_layers, layers);
  EXPECT_EQ(layout.values_per_token, 32 + 8);
  EXPECT_EQ(model_->summary().kv_values_per_token_per_layer, 32 + 8);
  constexpr std::int32_t kBlocks = 4, kBlockSize = 16;
  auto storage = KvCacheStorage::allocate(layout, kBlocks, kBlockSize);
  ASSERT_TRUE(storage.ok()) << storage.status().to_string();
  EXPECT_EQ(storage->bytes() / (kBlocks * kBlockSize), std::size_t(layers) * 40 * sizeof(float));
}

// Runs prompts (each with its own blocks) as one forward; returns each prompt's last logits.
std::vector<std::vector<float>> last_logits(Model& model,
                                            const std::vector<std::vector<std::int32_t>>& prompts) {
  constexpr std::int32_t kBlockSize = 4, kBlocksPerSeq = 16;
  auto storage = KvCacheStorage::allocate(model.kv_layout(),
                                          std::int32_t(prompts.size()) * kBlocksPerSeq, kBlockSize);
  EXPECT_TRUE(storage.ok());
  std::vector<std::int32_t> tokens, positions, query_starts{0}, context_lens, tables, rows;
  std::vector<std::int64_t> slots;
  for (std::size_t s = 0; s < prompts.size(); ++s) {
    // Blocks in reverse order, so sequences do not sit in slot order.
    for (std::int32_t b = 0; b < kBlocksPerSeq; ++b) {
      tables.push_back(std::int32_t((s + 1) * kBlocksPerSeq - 1 - b));
    }
    for (std::size_t p = 0; p < prompts[s].size(); ++p) {
      tokens.push_back(prompts[s][p]);
      positions.push_back(std::int32_t(p));
      slots.push_back(std::int64_t(tables[s * kBlocksPerSeq + p / kBlockSize]) * kBlockSize +
                      std::int64_t(p % kBlockSize));
    }
    query_starts.push_back(std::int32_t(tokens.size()));
    context_lens.push_back(std::int32_t(prompts[s].size()));
    rows.push_back(std::int32_t(tokens.size()) - 1);
  }
  ForwardBatch batch{tokens,       positions, slots,         query_starts,
                     context_lens, tables,    kBlocksPerSeq, rows};
  const std::int64_t vocab = model.summary().vocab_size;
  std::vector<float> logits(rows.size() * std::size_t(vocab));
  const Status status = model.forward(batch, storage->view(), logits.data());
  EXPECT_TRUE(status.ok()) << status.to_string();
  std::vector<std::vector<float>> out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out.emplace_back(logits.begin() + std::ptrdiff_t(r * vocab),
                     logits.begin() + std::ptrdiff_t((r + 1) * vocab));
  }
  return out;
}

TEST_P(DeepseekGolden, LogitsAreBitIdenticalAloneAndBatched) {
  const std::vector<std::vector<std::int32_t>> prompts = {
      {5, 17, 99, 3, 250, 41, 7}, {200, 1, 2, 3}, {9}, {77, 77, 78, 79, 80, 81, 82, 83, 84, 85}};
  const auto together = last_logits(*model_, prompts);
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const auto alone = last_logits(*model_, {prompts[i]});
    ASSERT_EQ(alone[0].size(), together[i].size());
    EXPECT_EQ(std::memcmp(alone[0].data(), together[i].data(), alone[0].size() * sizeof(float)), 0)
        << "prompt " << i << " differs when batched";
  }
}

std::vector<std::vector<std::int32_t>> run_engine(
    Model& model, const std::vector<std::vector<std::int32_t>>& requests, std::int32_t budget,
    int max_tokens) {
  engine::BatchEngineConfig config;
  config.scheduler = {.max_num_seqs = 16, .max_num_batched_tokens = budget, .max_model_len = 128};
  config.num_blocks = 64;
  auto engine = engine::BatchEngine::create(model, config);
  EXPECT_TRUE(engine.ok()) << engine.status().to_string();
  SamplingParams greedy;
  greedy.temperature = 0;
  greedy.max_tokens = max_tokens;
  greedy.ignore_eos = true;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_TRUE(engine->add(RequestId(i), requests[i], greedy).ok());
  }
  std::vector<std::vector<std::int32_t>> out(requests.size());
  for (int steps = 0; !engine->idle() && steps < 10000; ++steps) {
    auto result = engine->step();
    EXPECT_TRUE(result.ok()) << result.status().to_string();
    if (!result.ok()) break;
    for (auto& f : result->finished) out[std::size_t(f.id)] = f.output_ids;
  }
  return out;
}

TEST_P(DeepseekGolden, EightBatchedRequestsGiveTheirSoloTokens) {
  std::mt19937 rng(8);
  std::vector<std::vector<std::int32_t>> requests;
  for (int i = 0; i < 8; ++i) {
    std::vector<std::int32_t> p(std::size_t(std::uniform_int_distribution<int>(2, 30)(rng)));
    for (auto& t : p) t = std::uniform_int_distribution<int>(0, 255)(rng);
    requests.push_back(p);
  }
  std::vector<std::vector<std::int32_t>> solo;
  for (const auto& r : requests) solo.push_back(run_engine(*model_, {r}, 256, 12)[0]);
  // A small token budget splits prompts into chunks next to other requests' decodes.
  const auto together = run_engine(*model_, requests, 24, 12);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    ASSERT_EQ(solo[i].size(), 12u);
    EXPECT_EQ(together[i], solo[i]) << "request " << i;
  }
}

// Two in-process ranks (half the heads, half of every MLP and expert width each; the latent
// path, router and cache whole) give the whole model's logits within 1e-5, the same bits on
// both ranks, and the same greedy tokens.
TEST_P(DeepseekGolden, TwoTensorParallelRanksReproduceOne) {
  auto group = make_in_process_group(2);
  auto rank0 = create(2, group[0].get(), 0);
  auto rank1 = create(2, group[1].get(), 1);
  ASSERT_TRUE(rank0.ok()) << rank0.status().to_string();
  ASSERT_TRUE(rank1.ok()) << rank1.status().to_string();
  EXPECT_EQ((*rank0)->kv_layout().values_per_token, model_->kv_layout().values_per_token);

  const std::vector<std::int32_t> prompt = {5, 17, 42, 99, 3, 64, 128, 7, 200, 11, 31};
  const std::int64_t vocab = model_->summary().vocab_size;
  auto want = engine::prefill_logits(*model_, prompt);
  ASSERT_TRUE(want.ok());
  Result<std::vector<float>> got0 = Status::internal("not run"), got1 = got0;
  std::thread other([&] { got1 = engine::prefill_logits(**rank1, prompt); });
  got0 = engine::prefill_logits(**rank0, prompt);
  other.join();
  ASSERT_TRUE(got0.ok()) << got0.status().to_string();
  ASSERT_TRUE(got1.ok()) << got1.status().to_string();
  EXPECT_EQ(*got0, *got1);
  for (std::size_t t = 0; t < prompt.size(); ++t) {
    EXPECT_LT(row_relative_error({got0->data() + t * vocab, std::size_t(vocab)},
                                 {want->data() + t * vocab, std::size_t(vocab)}),
              1e-5)
        << "position " << t;
  }
  engine::GreedyOptions options;
  options.max_tokens = 12;
  auto want_tokens = engine::generate_greedy(*model_, prompt, options);
  Result<std::vector<std::int32_t>> tokens0 = Status::internal("not run"), tokens1 = tokens0;
  std::thread other_decode([&] { tokens1 = engine::generate_greedy(**rank1, prompt, options); });
  tokens0 = engine::generate_greedy(**rank0, prompt, options);
  other_decode.join();
  ASSERT_TRUE(tokens0.ok() && tokens1.ok() && want_tokens.ok());
  EXPECT_EQ(*tokens0, *want_tokens);
  EXPECT_EQ(*tokens1, *want_tokens);
}

TEST_P(DeepseekGolden, AWorldThatDoesNotDivideTheHeadsIsRefused) {
  auto group = make_in_process_group(3);
  auto model = create(3, group[0].get(), 0);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("tensor_parallel 3 does not divide num_attention_heads"),
            std::string::npos)
      << model.status().to_string();
}

// The checkpoint as DeepSeek-V3's are published: one more layer (the MTP module) past
// num_hidden_layers. Only names() sees it; loading it would fail the test.
class WithMtpLayer final : public WeightSource {
 public:
  explicit WithMtpLayer(const WeightSource& inner) : inner_(inner) {}
  std::string_view kind() const override { return inner_.kind(); }
  const std::string& path() const override { return inner_.path(); }
  const boost::json::object& config() const override { return inner_.config(); }
  std::string config_json() const override { return inner_.config_json(); }
  bool has(std::string_view name) const override { return inner_.has(name); }
  std::vector<std::string> names() const override {
    std::vector<std::string> n = inner_.names();
    n.push_back("model.layers.3.eh_proj.weight");
    n.push_back("model.layers.3.self_attn.kv_a_proj_with_mqa.weight");
    return n;
  }
  Result<TensorInfo> info(std::string_view name) const override { return inner_.info(name); }
  Result<OwnedTensor> load(std::string_view name, DType dtype, ShardSpec shard) const override {
    EXPECT_EQ(std::string(name).rfind("model.layers.3.", 0), std::string::npos) << name;
    return inner_.load(name, dtype, shard);
  }
  Result<RawTensor> raw(std::string_view name) const override { return inner_.raw(name); }
  Result<std::string> metadata_string(std::string_view key) const override {
    return inner_.metadata_string(key);
  }

 private:
  const WeightSource& inner_;
};

TEST_P(DeepseekGolden, MtpLayersAreSkippedWithALogLine) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  logger().sinks().push_back(sink);
  WithMtpLayer weights(*weights_);
  ModelContext context{&weights_->config(), &manifest_};
  context.weights = &weights;
  context.quant = &dense_quant_scheme();
  auto model = host_.create_model("models-deepseek", context);
  logger().sinks().pop_back();
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_NE(
      log.str().find("skipping 1 layer(s) from model.layers.3 on (the multi-token-prediction"),
      std::string::npos)
      << log.str();
  // The skipped layer changes nothing: the same logits as without it.
  const std::vector<std::vector<std::int32_t>> prompt = {{3, 1, 4, 1, 5, 9, 2, 6}};
  EXPECT_EQ(last_logits(**model, prompt), last_logits(*model_, prompt));
}

INSTANTIATE_TEST_SUITE_P(TinyCheckpoints, DeepseekGolden,
                         ::testing::Values("deepseek_v2_lite_like", "deepseek_v3_like",
                                           "deepseek_v2_greedy"));

}  // namespace
}  // namespace plexus
