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
// - With a tokenizer, each request's tokens are detokenized as they come and checked against its
//   stop strings; without one, stop strings are refused at `add`.
// Thread safety: none; one thread calls `add`, `abort` and `step`.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "memory/kv_cache_manager.h"
#include "memory/kv_cache_storage.h"
#include "plexus/engine_client.h"
#include "plexus/model.h"
#include "plexus/sampling_params.h"
#include "plexus/tokenizer.h"
#include "sampling/finish.h"
#include "sampling/sampler.h"
#include "sampling/sampling_rng.h"
#include "sampling/stop_checker.h"
#include "sched/scheduler.h"

namespace plexus::engine {

struct BatchEngineConfig {
  SchedulerConfig scheduler;
  std::int32_t num_blocks = 0;
  std::int32_t block_size = 16;
  bool prefix_caching = true;
  std::vector<std::int32_t> eos_token_ids;
  const Tokenizer* tokenizer = nullptr;  // optional; outlives the engine
};

// One token sampled in a step.
struct SampledOutput {
  RequestId id = 0;
  std::int32_t token = 0;
  std::string text;  // output text now safe to show (empty without a tokenizer)
  std::optional<TokenLogprobs> logprobs;
};

struct FinishedRequest {
  RequestId id = 0;
  std::vector<std::int32_t> output_ids;
  sampling::FinishReason reason = sampling::FinishReason::kLength;
  Status error;             // set when reason is kError
  std::string text_tail;    // text held back until the end (e.g. a partial stop string)
  std::string stop_string;  // the stop string that ended it, if one did
  std::int64_t num_prompt_tokens = 0;
};

struct StepOutput {
  std::vector<SampledOutput> tokens;  // every token sampled, finished requests' included
  std::vector<FinishedRequest> finished;
  // Requests scheduled for the first time, with the prompt tokens found in the prefix cache.
  std::vector<std::pair<RequestId, std::int64_t>> started;
};

class BatchEngine {
 public:
  static Result<BatchEngine> create(Model& model, BatchEngineConfig config);

  // What `add` checks before anything changes: the parameters, the prompt's token ids and
  // admission (max_model_len, pool size). Reads only configuration: any thread may call it.
  Status check(std::span<const std::int32_t> prompt, const SamplingParams& params) const;
  // `index` is the choice of an n > 1 request: it selects the choice's own random stream.
  Status add(RequestId id, std::vector<std::int32_t> prompt, SamplingParams params, int index = 0,
             std::string cache_salt = {});
  void abort(RequestId id);
  // Runs one step: what was sampled, what finished and what started in it.
  Result<StepOutput> step();
  bool idle() const { return scheduler_->num_running() + scheduler_->num_waiting() == 0; }
  const Scheduler& scheduler() const { return *scheduler_; }
  const KvCacheManager& cache() const { return *cache_; }

 private:
  struct Request {
    SamplingParams params;
    sampling::SamplingRng rng;
    std::unique_ptr<IncrementalDetokenizer> detokenizer;
    std::optional<sampling::StopChecker> stops;
    bool started = false;
  };
  // Detokenizes `token` and decides whether the request ends with it.
  std::optional<sampling::FinishReason> finish_check(Request& r, std::int32_t token,
                                                     std::size_t before, SampledOutput& out,
                                                     std::string& tail, std::string& stop);
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
