// The engine with a fake model whose logits row turns NaN for one sequence: that request alone
// ends with an error (no token out of range is ever emitted), the others finish normally, and
// the counters stay consistent; shutting the engine down ends every open request.
#include <gtest/gtest.h>

#include <condition_variable>
#include <limits>
#include <mutex>

#include "engine/engine.h"

namespace plexus::engine {
namespace {

constexpr std::int32_t kVocab = 32;
constexpr std::int32_t kPoison = 13;  // a sequence whose current token is this gets NaN logits

// Predicts (last token + 1) mod vocab; NaN after kPoison.
class CountingModel final : public Model {
 public:
  CountingModel() {
    summary_.architecture = "Counting";
    summary_.num_layers = 1;
    summary_.vocab_size = kVocab;
    summary_.max_position_embeddings = 256;
  }
  const ModelSummary& summary() const override { return summary_; }
  KvLayout kv_layout() const override { return {1, 2}; }
  Status forward(const ForwardBatch& b, const KvCacheView&, float* logits) override {
    for (std::size_t r = 0; r < b.logits_rows.size(); ++r) {
      const std::int32_t token = b.tokens[std::size_t(b.logits_rows[r])];
      float* row = logits + r * kVocab;
      for (std::int32_t v = 0; v < kVocab; ++v) row[v] = v == (token + 1) % kVocab ? 10.0f : 0.0f;
      if (token == kPoison) row[3] = std::numeric_limits<float>::quiet_NaN();
    }
    return Status();
  }

 private:
  ModelSummary summary_;
};

struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::int32_t> tokens;
  std::string reason;
  Status error;
  bool last = false;
  std::function<void(const TokenEvent&)> callback() {
    return [this](const TokenEvent& e) {
      std::lock_guard lock(mu);
      tokens.insert(tokens.end(), e.token_ids.begin(), e.token_ids.end());
      if (e.finished) {
        reason = e.finish_reason;
        error = e.error;
      }
      if (e.last) {
        last = true;
        cv.notify_all();
      }
    };
  }
  bool wait() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(30), [&] { return last; });
  }
};

TEST(EngineFaults, ANanRowEndsOnlyItsRequest) {
  CountingModel model;
  BatchEngineConfig config;
  config.scheduler = {.max_num_seqs = 8, .max_num_batched_tokens = 64, .max_model_len = 64};
  config.num_blocks = 16;
  config.block_size = 4;
  auto engine = Engine::start(model, config);
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  SamplingParams p;
  p.temperature = 0;
  p.max_tokens = 6;
  Recorder good, poisoned, later;
  ASSERT_TRUE((*engine)->submit({1, 2}, p, good.callback()).ok());
  // 10 -> 11, 12, 13, then NaN: three tokens come out, then the error.
  ASSERT_TRUE((*engine)->submit({9, 10}, p, poisoned.callback()).ok());
  ASSERT_TRUE((*engine)->submit({20}, p, later.callback()).ok());
  ASSERT_TRUE(good.wait() && poisoned.wait() && later.wait());
  EXPECT_EQ(good.reason, "length");
  EXPECT_EQ(good.tokens, (std::vector<std::int32_t>{3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(later.tokens, (std::vector<std::int32_t>{21, 22, 23, 24, 25, 26}));
  EXPECT_EQ(poisoned.reason, "error");
  EXPECT_EQ(poisoned.tokens, (std::vector<std::int32_t>{11, 12, 13}));
  EXPECT_FALSE(poisoned.error.ok());
  EXPECT_NE(poisoned.error.message().find("non-finite logit (nan)"), std::string::npos)
      << poisoned.error.message();
  const EngineStats s = (*engine)->stats();
  EXPECT_EQ(s.requests_finished, 3);
  EXPECT_EQ(s.requests_succeeded, 2);
  EXPECT_EQ(s.generation_tokens, 15);
  EXPECT_EQ(s.kv_cache_usage, 0.0);
}

TEST(EngineFaults, ShutdownEndsEveryOpenRequest) {
  CountingModel model;
  BatchEngineConfig config;
  config.scheduler = {.max_num_seqs = 2, .max_num_batched_tokens = 64, .max_model_len = 250};
  config.num_blocks = 128;
  config.block_size = 4;
  auto engine = Engine::start(model, config);
  ASSERT_TRUE(engine.ok());
  SamplingParams p;
  p.temperature = 0;
  p.max_tokens = 200;
  p.ignore_eos = true;
  std::vector<Recorder> recorders(5);
  for (auto& r : recorders) ASSERT_TRUE((*engine)->submit({1}, p, r.callback()).ok());
  engine->reset();  // stops the thread; every request still open gets its final event
  for (auto& r : recorders) {
    ASSERT_TRUE(r.wait());
    EXPECT_TRUE(r.reason == "abort" || r.reason == "length") << r.reason;
  }
}

}  // namespace
}  // namespace plexus::engine
