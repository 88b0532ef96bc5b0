// Scheduler — decides, each engine step, which tokens of which requests run.
//
// Contract:
// - One token budget per step (max_num_batched_tokens) and at most max_num_seqs running
//   requests. There are no separate prefill and decode phases: a request is given
//   `tokens - computed` tokens, up to what is left of the budget, so long prompts are prefilled
//   in chunks beside running decodes. Running requests are served first, then waiting ones in
//   arrival order (FCFS; a waiting request that does not fit stops admission for the step).
// - Memory comes only from the KvCacheManager. When a running request cannot get room, the
//   latest-arrived running request is preempted: its blocks are freed and it goes back to the
//   front of the queue to be recomputed later (its cached full blocks may still be found).
// - Admission refuses what could never run: prompt + max_tokens over max_model_len, or more
//   blocks than the whole pool. Nothing that was admitted waits forever.
// - The caller runs the forward pass for the plan, then calls `complete(plan)`, then
//   `append_token` for each chunk that wanted logits, and `finish` when a request is done.
// Thread safety: none; the engine thread owns the scheduler.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "memory/kv_cache_manager.h"
#include "plexus/status.h"

namespace plexus {

struct SchedulerConfig {
  int max_num_seqs = 64;
  std::int64_t max_num_batched_tokens = 2048;
  std::int64_t max_model_len = 4096;
};

struct SequenceState {
  RequestId id = 0;
  std::vector<std::int32_t> tokens;  // prompt, then generated tokens
  std::int64_t num_prompt_tokens = 0;
  std::int64_t max_tokens = 0;
  std::string salt;
  std::int64_t num_computed = 0;  // tokens whose K/V are in the cache
  std::int64_t arrival = 0;
  bool running = false;
  int times_preempted = 0;

  std::int64_t num_output_tokens() const { return std::int64_t(tokens.size()) - num_prompt_tokens; }
};

struct ScheduledChunk {
  RequestId id = 0;
  std::int64_t first_position = 0;
  std::int64_t num_tokens = 0;
  bool wants_logits = false;  // the chunk reaches the request's last token: sample after it
};

struct StepPlan {
  std::vector<ScheduledChunk> chunks;
  std::vector<RequestId> preempted;
  std::int64_t num_tokens = 0;
};

class Scheduler {
 public:
  Scheduler(SchedulerConfig config, KvCacheManager& cache);

  // InvalidArgument (empty prompt, over max_model_len, duplicate id) or ResourceExhausted (can
  // never fit the pool), with the numbers and what to change.
  Status add(RequestId id, std::vector<std::int32_t> prompt, std::int64_t max_tokens,
             std::string salt = {});
  // The admission checks of `add` alone (prompt + max_tokens against max_model_len and the
  // whole pool). Reads only what never changes after construction: any thread may call it.
  Status check_admission(std::int64_t prompt_tokens, std::int64_t max_tokens) const;
  // Frees the request's blocks now; unknown ids are ignored.
  void abort(RequestId id);

  Result<StepPlan> schedule();
  // Marks the plan's tokens computed (and their full blocks cacheable).
  Status complete(const StepPlan& plan);
  // Appends the token sampled after a chunk that wanted logits.
  Status append_token(RequestId id, std::int32_t token);
  // The request is done (finished or aborted): frees its blocks and forgets it.
  void finish(RequestId id) { abort(id); }

  const SequenceState* find(RequestId id) const;
  std::size_t num_running() const;
  std::size_t num_waiting() const { return waiting_.size(); }
  std::int64_t num_preemptions() const { return preemptions_; }

 private:
  Status preempt(RequestId id, StepPlan& plan);

  SchedulerConfig config_;
  KvCacheManager& cache_;
  std::map<RequestId, SequenceState> sequences_;
  std::deque<RequestId> waiting_;
  std::int64_t next_arrival_ = 0;
  std::int64_t preemptions_ = 0;
};

}  // namespace plexus
