// The engine loop on SmolLM2: 32 concurrent greedy requests produce exactly the tokens each
// produces alone — also when the KV pool is small enough to force preemption — and a shared
// prompt prefix is served from the prefix cache without changing any output.
#include "engine/batch_engine.h"

#include <gtest/gtest.h>

#include <malloc.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include "memory/kv_cache_storage.h"
#include "plexus/quant.h"
#include "plexus/weight_source.h"
#include "plugins/plugin_host.h"

namespace plexus::engine {
namespace {

const std::string kGguf =
    std::string(PLEXUS_SOURCE_DIR) + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";

class BatchEngineSmolLm2 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(std::filesystem::exists(kGguf)) << kGguf << " is missing: run scripts/fetch-model";
    auto weights = open_weight_source(kGguf);
    ASSERT_TRUE(weights.ok()) << weights.status().to_string();
    weights_ = weights->release();
    host_ = new PluginHost();
    ASSERT_TRUE(host_
                    ->load(std::string(PLEXUS_BINARY_DIR) +
                           "/lib/plexus/plugins/libplexus-models-deepseek.so")
                    .ok());
    static ConfigView manifest;
    ModelContext context{&weights_->config(), &manifest};
    context.weights = weights_;
    context.quant = &dense_quant_scheme();
    auto model = host_->create_model("models-deepseek", context);
    ASSERT_TRUE(model.ok()) << model.status().to_string();
    model_ = new std::shared_ptr<Model>(*model);
  }
  static void TearDownTestSuite() {
    delete model_;
    delete host_;
    delete weights_;
  }

  static std::vector<std::vector<std::int32_t>> prompts(int n, unsigned seed,
                                                        std::vector<std::int32_t> prefix = {}) {
    std::mt19937 rng(seed);
    std::vector<std::vector<std::int32_t>> out;
    for (int i = 0; i < n; ++i) {
      std::vector<std::int32_t> p = prefix;
      const int len = std::uniform_int_distribution<int>(3, 24)(rng);
      for (int t = 0; t < len; ++t)
        p.push_back(std::uniform_int_distribution<int>(100, 40000)(rng));
      out.push_back(p);
    }
    return out;
  }

  static SamplingParams greedy(int max_tokens) {
    SamplingParams p;
    p.temperature = 0;
    p.max_tokens = max_tokens;
    p.ignore_eos = true;
    return p;
  }

  // Runs `requests` together on an engine of `blocks` KV blocks; outputs by request index.
  static std::vector<std::vector<std::int32_t>> run(
      const std::vector<std::vector<std::int32_t>>& requests, std::int32_t blocks, int max_tokens,
      std::int64_t* preemptions = nullptr, std::int64_t* hit_tokens = nullptr) {
    BatchEngineConfig config;
    config.scheduler = {.max_num_seqs = 64, .max_num_batched_tokens = 256, .max_model_len = 512};
    config.num_blocks = blocks;
    auto engine = BatchEngine::create(**model_, config);
    EXPECT_TRUE(engine.ok()) << engine.status().to_string();
    for (std::size_t i = 0; i < requests.size(); ++i) {
      EXPECT_TRUE(engine->add(RequestId(i), requests[i], greedy(max_tokens)).ok());
    }
    std::vector<std::vector<std::int32_t>> out(requests.size());
    for (int steps = 0; !engine->idle(); ++steps) {
      EXPECT_LT(steps, 10000) << "watchdog: the engine stopped making progress";
      if (steps >= 10000) break;
      auto finished = engine->step();
      EXPECT_TRUE(finished.ok()) << finished.status().to_string();
      if (!finished.ok()) break;
      for (auto& f : finished->finished) {
        EXPECT_EQ(f.reason, sampling::FinishReason::kLength);
        out[std::size_t(f.id)] = f.output_ids;
      }
    }
    EXPECT_EQ(engine->cache().num_free_blocks(), blocks) << "KV blocks leaked";
    if (preemptions) *preemptions = engine->scheduler().num_preemptions();
    if (hit_tokens) *hit_tokens = engine->cache().prefix_cache_stats().hit_tokens;
    return out;
  }

  static WeightSource* weights_;
  static PluginHost* host_;
  static std::shared_ptr<Model>* model_;
};

WeightSource* BatchEngineSmolLm2::weights_ = nullptr;
PluginHost* BatchEngineSmolLm2::host_ = nullptr;
std::shared_ptr<Model>* BatchEngineSmolLm2::model_ = nullptr;

// Under ASan (about 5x slower here, and the last test of that run to finish) half as many
// requests and half the squeezed pool, the same preemption.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kConcurrent = 16;
#else
constexpr int kConcurrent = 32;
#endif

TEST_F(BatchEngineSmolLm2, ThirtyTwoConcurrentRequestsGiveTheirSoloTokens) {
  if (kConcurrent != 32)
    std::printf("[ ASan ] %d concurrent requests instead of 32\n", kConcurrent);
  const auto requests = prompts(kConcurrent, 7);
  std::vector<std::vector<std::int32_t>> solo;
  for (const auto& r : requests) solo.push_back(run({r}, 64, 8)[0]);
  const auto together = run(requests, 512, 8);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    ASSERT_EQ(solo[i].size(), 8u);
    EXPECT_EQ(together[i], solo[i]) << "request " << i;
  }
  // Under preemption: 40 blocks of 16 tokens cannot hold 32 requests of up to 32 tokens (nor
  // 12 blocks 16 of them).
  std::int64_t preemptions = 0;
  const auto squeezed = run(requests, kConcurrent == 32 ? 40 : 12, 8, &preemptions);
  EXPECT_GT(preemptions, 0) << "the small pool should have forced preemption";
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(squeezed[i], solo[i]) << "request " << i << " after preemption";
  }
}

TEST_F(BatchEngineSmolLm2, ASharedPrefixHitsTheCacheAndChangesNoOutput) {
  std::vector<std::int32_t> system(48);
  for (std::size_t i = 0; i < system.size(); ++i) system[i] = std::int32_t(1000 + 37 * i);
  const auto requests = prompts(2, 11, system);
  const auto solo0 = run({requests[0]}, 64, 6);
  const auto solo1 = run({requests[1]}, 64, 6);
  // One after the other on one engine: the second request finds the first's prefix blocks.
  BatchEngineConfig config;
  config.scheduler = {.max_num_seqs = 8, .max_num_batched_tokens = 256, .max_model_len = 512};
  config.num_blocks = 64;
  auto engine = BatchEngine::create(**model_, config);
  ASSERT_TRUE(engine.ok());
  std::vector<std::vector<std::int32_t>> out(2);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(engine->add(i, requests[std::size_t(i)], greedy(6)).ok());
    while (!engine->idle()) {
      auto finished = engine->step();
      ASSERT_TRUE(finished.ok()) << finished.status().to_string();
      for (auto& f : finished->finished) out[std::size_t(f.id)] = f.output_ids;
    }
  }
  EXPECT_EQ(engine->cache().prefix_cache_stats().hit_tokens, 48);  // three full blocks
  EXPECT_EQ(out[0], solo0[0]);
  EXPECT_EQ(out[1], solo1[0]);
}

// Memory planning trusts Model::activation_bytes for the activation peak: it must be what a
// forward pass of that many tokens actually keeps (measured on a fresh model with mallinfo2).
TEST_F(BatchEngineSmolLm2, DeclaredActivationBytesAreWhatAForwardKeeps) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan replaces malloc, so mallinfo2 cannot see the forward's allocations";
#else
  static ConfigView manifest;
  ModelContext context{&weights_->config(), &manifest};
  context.weights = weights_;
  context.quant = &dense_quant_scheme();
  auto fresh = host_->create_model("models-deepseek", context);
  ASSERT_TRUE(fresh.ok()) << fresh.status().to_string();
  Model& model = **fresh;
  constexpr std::int32_t kTokens = 64, kBlock = 16;
  auto storage = KvCacheStorage::allocate(model.kv_layout(), kTokens / kBlock, kBlock);
  ASSERT_TRUE(storage.ok());
  std::vector<std::int32_t> tokens(kTokens), positions(kTokens), table(kTokens / kBlock);
  std::vector<std::int64_t> slots(kTokens);
  for (std::int32_t t = 0; t < kTokens; ++t) {
    tokens[std::size_t(t)] = 1000 + t;
    positions[std::size_t(t)] = t;
    slots[std::size_t(t)] = t;
  }
  for (std::size_t b = 0; b < table.size(); ++b) table[b] = std::int32_t(b);
  const std::vector<std::int32_t> starts{0, kTokens}, lens{kTokens}, rows{kTokens - 1};
  ForwardBatch batch;
  batch.tokens = tokens;
  batch.positions = positions;
  batch.slots = slots;
  batch.query_starts = starts;
  batch.context_lens = lens;
  batch.block_tables = table;
  batch.blocks_per_seq = std::int32_t(table.size());
  batch.logits_rows = rows;
  std::vector<float> logits(std::size_t(model.summary().vocab_size));
  auto in_use = [] {
    const struct mallinfo2 m = mallinfo2();
    return std::int64_t(m.uordblks + m.hblkhd);
  };
  const std::int64_t before = in_use();
  ASSERT_TRUE(model.forward(batch, storage->view(), logits.data()).ok());
  const std::int64_t kept = in_use() - before;
  const std::int64_t declared = model.activation_bytes(kTokens);
  EXPECT_GT(declared, 0);
  EXPECT_NEAR(double(kept), double(declared), 0.02 * double(declared) + 64 * 1024)
      << "the forward kept " << kept << " bytes; the model declares " << declared;
#endif
}

}  // namespace
}  // namespace plexus::engine
