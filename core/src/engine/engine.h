// Engine — the engine thread: runs BatchEngine steps while there is work and serves the
// EngineClient interface (plexus/engine_client.h) to front ends on other threads.
//
// Contract: as EngineClient. Admission and validation run inside `submit` (under the engine's
// lock, so a submit may wait for the step in progress). Every callback runs on the engine
// thread, in order and never under the lock, so a request's final event is always its last;
// `abort` frees the blocks at once and queues the final event. Destruction stops the thread,
// then delivers what is queued and an "abort" final event to every request left.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/batch_engine.h"
#include "plexus/engine_client.h"

namespace plexus::engine {

class Engine final : public EngineClient {
 public:
  // REQUIRES: `model` outlives the Engine.
  static Result<std::unique_ptr<Engine>> start(Model& model, BatchEngineConfig config);
  ~Engine() override;

  Result<std::int64_t> submit(std::vector<std::int32_t> prompt_ids, SamplingParams params,
                              std::function<void(const TokenEvent&)> on_event) override;
  void abort(std::int64_t request_id) override;
  EngineStats stats() const override;

 private:
  explicit Engine(BatchEngine engine);
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  BatchEngine engine_;                                                        // guarded by mu_
  std::map<std::int64_t, std::function<void(const TokenEvent&)>> callbacks_;  // guarded by mu_
  // Final events of aborted requests, delivered by the engine thread after earlier events.
  std::vector<std::pair<std::function<void(const TokenEvent&)>, TokenEvent>> queued_;  // mu_
  std::int64_t next_id_ = 1;  // guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  std::thread thread_;
};

}  // namespace plexus::engine
