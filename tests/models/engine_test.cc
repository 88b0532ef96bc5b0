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
#include "plexus/tokenizer.h"
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
      for (auto& f : finished->finished) solo.push_back(f.output_ids);
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

// Every event of one request, and a wait for its last.
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<TokenEvent> events;
  bool last = false;
  std::function<void(const TokenEvent&)> callback() {
    return [this](const TokenEvent& e) {
      std::lock_guard lock(mu);
      events.push_back(e);
      if (e.last) {
        last = true;
        cv.notify_all();
      }
    };
  }
  bool wait() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(120), [&] { return last; });
  }
  std::string text(int index = 0) {
    std::string t;
    for (const TokenEvent& e : events) {
      if (e.index == index) t += e.text;
    }
    return t;
  }
  std::vector<std::int32_t> tokens(int index = 0) {
    std::vector<std::int32_t> t;
    for (const TokenEvent& e : events) {
      if (e.index == index) t.insert(t.end(), e.token_ids.begin(), e.token_ids.end());
    }
    return t;
  }
  const TokenEvent* final_of(int index) {
    for (const TokenEvent& e : events) {
      if (e.index == index && e.finished) return &e;
    }
    return nullptr;
  }
};

class EngineText : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kGguf)) << kGguf << " is missing: run scripts/fetch-model";
    loaded_ = load();
    ASSERT_NE(loaded_, nullptr);
    auto tokenizer = load_tokenizer_for_model(kGguf);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
    tokenizer_ = std::move(*tokenizer);
    BatchEngineConfig c = config();
    c.tokenizer = tokenizer_.get();
    auto engine = Engine::start(*loaded_->model, c);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    engine_ = std::move(*engine);
    prompt_ = tokenizer_->encode("The capital of France is Paris. The capital of Germany is", true);
  }
  void run(const SamplingParams& params, Recorder& r) {
    auto id = engine_->submit(prompt_, params, r.callback());
    ASSERT_TRUE(id.ok()) << id.status().to_string();
    ASSERT_TRUE(r.wait()) << "the request never finished";
  }

  std::unique_ptr<Loaded> loaded_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Engine> engine_;
  std::vector<std::int32_t> prompt_;
};

TEST_F(EngineText, TextIsTheDetokenizedOutput) {
  Recorder r;
  run(greedy(24), r);
  EXPECT_EQ(r.text(), tokenizer_->decode(r.tokens(), true));
  EXPECT_EQ(r.final_of(0)->finish_reason, "length");
}

TEST_F(EngineText, AStopStringAcrossTokensEndsTheText) {
  Recorder full;
  run(greedy(24), full);
  // A stop string that straddles the boundary between two tokens in the middle of the text.
  const std::vector<std::int32_t> tokens = full.tokens();
  std::string stop;
  std::size_t cut = 0;
  for (std::size_t k = 4; k < tokens.size() - 4 && stop.empty(); ++k) {
    const std::string before = tokenizer_->decode({tokens.begin(), tokens.begin() + long(k)}, true);
    const std::string text = full.text();
    if (before.size() < 2 || text.size() < before.size() + 2 || text.rfind(before, 0) != 0)
      continue;
    const std::string candidate = text.substr(before.size() - 2, 4);
    if (candidate.find_first_not_of(" ") == std::string::npos) continue;
    stop = candidate;
    cut = text.find(stop);
  }
  ASSERT_FALSE(stop.empty()) << "no token boundary to test in: " << full.text();
  SamplingParams p = greedy(24);
  p.stop = {stop};
  Recorder stopped;
  run(p, stopped);
  EXPECT_EQ(stopped.text(), full.text().substr(0, cut)) << "stop string '" << stop << "'";
  ASSERT_NE(stopped.final_of(0), nullptr);
  EXPECT_EQ(stopped.final_of(0)->finish_reason, "stop");
  EXPECT_EQ(stopped.final_of(0)->stop_string, stop);
  EXPECT_LT(stopped.tokens().size(), tokens.size());
}

TEST_F(EngineText, SeededChoicesAreReproducibleAndIndependent) {
  SamplingParams p;
  p.n = 3;
  p.temperature = 1.0f;
  p.seed = 1234;
  p.max_tokens = 12;
  p.ignore_eos = true;
  Recorder a, b;
  run(p, a);
  run(p, b);
  int finals = 0, lasts = 0;
  for (const TokenEvent& e : a.events) {
    finals += e.finished;
    lasts += e.last;
  }
  EXPECT_EQ(finals, 3);
  EXPECT_EQ(lasts, 1);
  EXPECT_TRUE(a.events.back().last);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a.tokens(i).size(), 12u);
    EXPECT_EQ(a.tokens(i), b.tokens(i)) << "choice " << i << " is not reproducible";
  }
  EXPECT_FALSE(a.tokens(0) == a.tokens(1) && a.tokens(1) == a.tokens(2))
      << "three sampled choices should not all be equal";
  EXPECT_EQ(a.events.back().metrics.output_tokens, 36);
}

TEST_F(EngineText, LogprobsComeWithEachToken) {
  SamplingParams p = greedy(6);
  p.logprobs = 3;
  Recorder r;
  run(p, r);
  int tokens = 0;
  for (const TokenEvent& e : r.events) {
    ASSERT_EQ(e.logprobs.size(), e.token_ids.size());
    for (std::size_t i = 0; i < e.logprobs.size(); ++i) {
      ++tokens;
      const TokenLogprobs& lp = e.logprobs[i];
      EXPECT_EQ(lp.token, e.token_ids[i]);
      ASSERT_EQ(lp.top.size(), 3u);
      EXPECT_EQ(lp.top[0].first, lp.token) << "greedy picks the most likely token";
      EXPECT_FLOAT_EQ(lp.top[0].second, lp.logprob);
      EXPECT_LE(lp.logprob, 0.0f);
      EXPECT_GE(lp.top[0].second, lp.top[1].second);
    }
  }
  EXPECT_EQ(tokens, 6);
}

TEST_F(EngineText, MetricsAndStatsCountWhatHappened) {
  Recorder r;
  run(greedy(5), r);
  const RequestMetrics& m = r.events.back().metrics;
  EXPECT_EQ(m.prompt_tokens, std::int64_t(prompt_.size()));
  EXPECT_EQ(m.output_tokens, 5);
  EXPECT_GT(m.first_token_seconds, 0.0);
  EXPECT_LE(m.queue_seconds, m.first_token_seconds);
  EXPECT_LE(m.first_token_seconds, m.e2e_seconds);
  Recorder again;
  run(greedy(5), again);
  // The same prompt again: its full blocks come from the prefix cache.
  const std::int64_t full_blocks = (std::int64_t(prompt_.size()) - 1) / 16 * 16;
  EXPECT_EQ(again.events.back().metrics.cached_prompt_tokens, full_blocks);
  const EngineStats s = engine_->stats();
  EXPECT_EQ(s.requests_finished, 2);
  EXPECT_EQ(s.requests_succeeded, 2);
  EXPECT_EQ(s.generation_tokens, 10);
  EXPECT_EQ(s.prompt_tokens, 2 * std::int64_t(prompt_.size()));
  EXPECT_EQ(s.time_to_first_token.count, 2u);
  EXPECT_EQ(s.inter_token_latency.count, 8u);
  EXPECT_EQ(s.e2e_request_latency.count, 2u);
  EXPECT_EQ(s.prefix_cache_hits, full_blocks);
  EXPECT_EQ(s.kv_cache_usage, 0.0);
}

TEST_F(EngineText, BadRequestsAreRefusedAtSubmit) {
  SamplingParams p = greedy(4);
  EXPECT_EQ(engine_->submit({1, 2, 999999}, p, [](const TokenEvent&) {}).status().code(),
            StatusCode::kInvalidArgument)
      << "an out-of-vocabulary prompt id";
  p.top_p = 0;
  EXPECT_EQ(engine_->submit(prompt_, p, [](const TokenEvent&) {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->submit({}, greedy(4), [](const TokenEvent&) {}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace plexus::engine
