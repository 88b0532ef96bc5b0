// BatchEngine — one synchronous engine step over many requests: schedule -> build the
// ForwardBatch from block tables and slots -> forward -> sample -> append / finish.
//
// Contract:
// - Owns the KV storage, the KvCacheManager and the Scheduler; drives one Model. The threaded
//   engine and the EngineClient that front ends use wrap this loop.
// - A request's tokens depend only on its own prompt, parameters and seed: the model is
//   batch-invariant and each request samples with its own RNG, so a request gives the same
//   tokens alone, under load and after preemption.
// - A request whose logits row is NaN/inf ends with an error; the others go on.
// Thread safety: none; one thread calls `add`, `abort` and `step`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "memory/kv_cache_manager.h"
#include "memory/kv_cache_storage.h"
#include "plexus/model.h"
#include "plexus/sampling_params.h"
#include "sampling/finish.h"
#include "sampling/sampler.h"
#include "sampling/sampling_rng.h"
#include "sched/scheduler.h"

namespace plexus::engine {

struct BatchEngineConfig {
  SchedulerConfig scheduler;
  std::int32_t num_blocks = 0;
  std::int32_t block_size = 16;
  bool prefix_caching = true;
  std::vector<std::int32_t> eos_token_ids;
};

struct FinishedRequest {
  RequestId id = 0;
  std::vector<std::int32_t> output_ids;
  sampling::FinishReason reason = sampling::FinishReason::kLength;
  Status error;  // set when reason is kError
};

class BatchEngine {
 public:
  static Result<BatchEngine> create(Model& model, BatchEngineConfig config);

  Status add(RequestId id, std::vector<std::int32_t> prompt, SamplingParams params,
             std::string cache_salt = {});
  void abort(RequestId id);
  // Runs one step; returns the requests that finished in it. `new_tokens`, when given, receives
  // every (request, token) sampled in the step, finished requests included.
  Result<std::vector<FinishedRequest>> step(
      std::vector<std::pair<RequestId, std::int32_t>>* new_tokens = nullptr);
  bool idle() const { return scheduler_->num_running() + scheduler_->num_waiting() == 0; }
  const Scheduler& scheduler() const { return *scheduler_; }
  const KvCacheManager& cache() const { return *cache_; }

 private:
  struct Request {
    SamplingParams params;
    sampling::SamplingRng rng;
  };
  BatchEngine(Model& model, BatchEngineConfig config, KvCacheStorage storage, KvCacheManager cache);

  Model* model_;
  BatchEngineConfig config_;
  std::unique_ptr<KvCacheStorage> storage_;
  std::unique_ptr<KvCacheManager> cache_;
  std::unique_ptr<Scheduler> scheduler_;
  std::map<RequestId, Request> requests_;
  std::vector<float> logits_;
};

}  // namespace plexus::engine
