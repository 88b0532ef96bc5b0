// The threaded engine behind EngineClient, on SmolLM2: requests submitted from several threads
// stream the tokens each gets alone; an abort ends a request at once and returns its blocks.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "plexus/quant.h"
#include "plexus/weight_source.h"
#include "plugins/plugin_host.h"

namespace plexus::engine {
namespace {

const std::string kGguf =
    std::string(PLEXUS_SOURCE_DIR) + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";

struct Loaded {
  std::unique_ptr<WeightSource> weights;
  PluginHost host;
  ConfigView manifest;
  std::shared_ptr<Model> model;
};

std::unique_ptr<Loaded> load() {
  auto l = std::make_unique<Loaded>();
  auto weights = open_weight_source(kGguf);
  if (!weights.ok()) return nullptr;
  l->weights = std::move(*weights);
  if (!l->host
           .load(std::string(PLEXUS_BINARY_DIR) +
                 "/lib/plexus/plugins/libplexus-models-deepseek.so")
           .ok()) {
    return nullptr;
  }
  ModelContext context{&l->weights->config(), &l->manifest};
  context.weights = l->weights.get();
  context.quant = &dense_quant_scheme();
  auto model = l->host.create_model("models-deepseek", context);
  if (!model.ok()) return nullptr;
  l->model = *model;
  return l;
}

BatchEngineConfig config() {
  BatchEngineConfig c;
  c.scheduler = {.max_num_seqs = 16, .max_num_batched_tokens = 256, .max_model_len = 512};
  c.num_blocks = 128;
  return c;
}

SamplingParams greedy(int max_tokens) {
  SamplingParams p;
  p.temperature = 0;
  p.max_tokens = max_tokens;
  p.ignore_eos = true;
  return p;
}

// Collects one request's events and waits for its final one.
struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::int32_t> tokens;
  std::string reason;
  int finals = 0;
  std::function<void(const TokenEvent&)> callback() {
    return [this](const TokenEvent& e) {
      std::lock_guard lock(mu);
      tokens.insert(tokens.end(), e.token_ids.begin(), e.token_ids.end());
      if (e.finished) {
        reason = e.finish_reason;
        ++finals;
        cv.notify_all();
      }
    };
  }
  bool wait() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(120), [&] { return finals > 0; });
  }
};

TEST(Engine, ConcurrentSubmittersStreamTheirSoloTokens) {
  ASSERT_TRUE(std::filesystem::exists(kGguf)) << kGguf << " is missing: run scripts/fetch-model";
  auto loaded = load();
  ASSERT_NE(loaded, nullptr);
  std::vector<std::vector<std::int32_t>> prompts;
  for (int i = 0; i < 8; ++i) {
    std::vector<std::int32_t> p;
    for (int t = 0; t < 4 + 3 * i; ++t) p.push_back(200 + 97 * t + 13 * i);
    prompts.push_back(p);
  }
  // Alone: one request at a time on the synchronous engine.
  std::vector<std::vector<std::int32_t>> solo;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    auto e = BatchEngine::create(*loaded->model, config());
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE(e->add(0, prompts[i], greedy(10)).ok());
    while (!e->idle()) {
      auto finished = e->step();
      ASSERT_TRUE(finished.ok());
      for (auto& f : *finished) solo.push_back(f.output_ids);
    }
  }
  auto engine = Engine::start(*loaded->model, config());
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  std::vector<Collector> collectors(prompts.size());
  std::vector<std::thread> submitters;
  for (int t = 0; t < 4; ++t) {
    submitters.emplace_back([&, t] {
      for (std::size_t i = std::size_t(t); i < prompts.size(); i += 4) {
        auto id = (*engine)->submit(prompts[i], greedy(10), collectors[i].callback());
        ASSERT_TRUE(id.ok()) << id.status().to_string();
      }
    });
  }
  for (auto& s : submitters) s.join();
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    ASSERT_TRUE(collectors[i].wait()) << "request " << i << " never finished";
    EXPECT_EQ(collectors[i].reason, "length");
    EXPECT_EQ(collectors[i].finals, 1);
    EXPECT_EQ(collectors[i].tokens, solo[i]) << "request " << i;
  }
  EXPECT_EQ((*engine)->stats().kv_cache_usage, 0.0);
  // Bad requests are refused at submit, with the reason.
  auto bad = (*engine)->submit({1, 2, 3}, greedy(1000), [](const TokenEvent&) {});
  ASSERT_FALSE(bad.ok());
}

TEST(Engine, AbortEndsTheRequestAndFreesItsBlocks) {
  ASSERT_TRUE(std::filesystem::exists(kGguf)) << kGguf << " is missing: run scripts/fetch-model";
  auto loaded = load();
  ASSERT_NE(loaded, nullptr);
  auto engine = Engine::start(*loaded->model, config());
  ASSERT_TRUE(engine.ok());
  Collector c;
  std::mutex mu;
  std::condition_variable first_token;
  bool started = false;
  auto inner = c.callback();
  auto id =
      (*engine)->submit(std::vector<std::int32_t>(40, 300), greedy(400), [&](const TokenEvent& e) {
        inner(e);
        std::lock_guard lock(mu);
        started = true;
        first_token.notify_all();
      });
  ASSERT_TRUE(id.ok());
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(first_token.wait_for(lock, std::chrono::seconds(60), [&] { return started; }));
  }
  EXPECT_GT((*engine)->stats().kv_cache_usage, 0.0);
  (*engine)->abort(*id);
  ASSERT_TRUE(c.wait());
  EXPECT_EQ(c.reason, "abort");
  EXPECT_EQ(c.finals, 1);
  EXPECT_LT(c.tokens.size(), 400u);
  EXPECT_EQ((*engine)->stats().kv_cache_usage, 0.0);  // back to baseline at once
  (*engine)->abort(*id);                              // a second abort is ignored
  EXPECT_EQ(c.finals, 1);
}

}  // namespace
}  // namespace plexus::engine
