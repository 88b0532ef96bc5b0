// Engine — the engine thread: runs BatchEngine steps while there is work and serves the
// EngineClient interface (plexus/engine_client.h) to front ends on other threads.
//
// Contract: as EngineClient.
// - `submit` checks the request at once (parameters, prompt ids, admission: these read only
//   configuration) and hands it to the engine thread through an inbox, so it never waits for a
//   step in progress. `abort` queues the id the same way; the engine thread applies both before
//   its next step, so an aborted request's blocks are free before that step runs.
// - A request with n choices is n sequences of the BatchEngine sharing one prompt (and, once its
//   blocks are full, its prefix-cache entries).
// - Every callback runs on the engine thread, in order, so a request's `last` event is always
//   its last. `stats()` is a snapshot taken after each step, before that step's events.
// - Destruction stops the thread, then delivers "abort" final events to every request left.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/batch_engine.h"
#include "plexus/engine_client.h"

namespace plexus::engine {

class Engine final : public EngineClient {
 public:
  // REQUIRES: `model` (and config.tokenizer, when set) outlive the Engine.
  static Result<std::unique_ptr<Engine>> start(Model& model, BatchEngineConfig config);
  ~Engine() override;

  Result<std::int64_t> submit(std::vector<std::int32_t> prompt_ids, SamplingParams params,
                              std::function<void(const TokenEvent&)> on_event) override;
  void abort(std::int64_t request_id) override;
  EngineStats stats() const override;
  std::int64_t max_model_len() const override { return max_model_len_; }

 private:
  using Clock = std::chrono::steady_clock;
  using Callback = std::shared_ptr<const std::function<void(const TokenEvent&)>>;
  using Events = std::vector<std::pair<Callback, TokenEvent>>;

  struct Submission {
    std::int64_t id = 0;
    std::vector<std::int32_t> prompt;
    SamplingParams params;
    Callback callback;
    Clock::time_point submitted{};
  };
  struct Choice {
    std::int64_t request = 0;
    int index = 0;
    bool finished = false;
    Clock::time_point last_token{};
  };
  struct Request {
    Callback callback;
    std::vector<RequestId> choices;  // internal BatchEngine ids, by index
    int unfinished = 0;
    bool failed = false;  // a choice ended with "abort" or "error"
    Clock::time_point submitted{};
    RequestMetrics metrics;
    bool first_token_seen = false;
  };

  Engine(BatchEngine engine, std::int64_t max_model_len);
  void run();
  // The engine thread's side: admit a submission, apply an abort, turn a step into events.
  void admit(Submission s, Events& events);
  void apply_abort(std::int64_t id, Events& events);
  void collect(const StepOutput& out, Events& events);
  // The final event of a choice, and the request's last event after its last choice.
  void end_choice(RequestId choice, TokenEvent final, Events& events);
  void snapshot_stats();

  // Owned by the engine thread (and by the destructor once the thread is gone).
  BatchEngine engine_;
  std::map<std::int64_t, Request> requests_;
  std::map<RequestId, Choice> choices_;
  RequestId next_choice_ = 1;
  EngineStats counters_;  // counters and histograms

  // The inbox, shared with front-end threads.
  std::mutex inbox_mu_;
  std::condition_variable inbox_cv_;
  std::vector<Submission> submissions_;  // guarded by inbox_mu_
  std::vector<std::int64_t> aborts_;     // guarded by inbox_mu_
  bool stopping_ = false;                // guarded by inbox_mu_
  std::atomic<std::int64_t> next_id_{1};

  mutable std::mutex stats_mu_;
  EngineStats stats_;  // guarded by stats_mu_

  const std::int64_t max_model_len_;
  std::thread thread_;
};

}  // namespace plexus::engine
