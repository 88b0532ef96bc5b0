// plexus/engine_client.h — how front ends talk to the engine.
//
// Contract:
// - `submit` queues a request (prompt token ids + sampling parameters) and returns its id at
//   once, or an error naming what is wrong with it (validation and admission happen here, so a
//   request that could never run is refused now, not later). A request with `params.n` = N runs
//   N independent choices (index 0..N-1) of the same prompt.
// - `on_event` is then called from the engine thread for each generated token of each choice,
//   and once more per choice with `finished` set; the request's very last event has `last`
//   set and carries its metrics. Callbacks for one request come in order; they must be quick
//   and must not call back into the client.
// - Text: when the engine has a tokenizer, `text` is the new output text that is safe to show
//   (whole UTF-8 characters, no part of a stop string that may still complete); the
//   concatenation of a choice's `text` is its final output. Stop strings end a choice with
//   finish_reason "stop" and are not part of the text; nor is a stopping EOS / stop token.
// - `abort` ends a request: its KV blocks return to the pool before the next step; each
//   unfinished choice gets a final event with finish_reason "abort". Unknown or finished ids
//   are ignored.
// - Every submitted request gets exactly one event with `last` set (after its N finals).
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "plexus/histogram.h"
#include "plexus/sampling_params.h"
#include "plexus/status.h"

namespace plexus {

// One generated token's log-probabilities (raw log_softmax of the model's logits).
struct TokenLogprobs {
  std::int32_t token = 0;
  float logprob = 0;
  std::vector<std::pair<std::int32_t, float>> top;  // params.logprobs entries, most likely first
};

// Timings and counts of one finished request, in seconds since its submit.
struct RequestMetrics {
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;         // over all choices
  std::int64_t cached_prompt_tokens = 0;  // found in the prefix cache on first scheduling
  double queue_seconds = 0;               // submit -> first scheduled
  double first_token_seconds = 0;         // submit -> first token (TTFT)
  double e2e_seconds = 0;                 // submit -> last event
};

struct TokenEvent {
  std::int64_t request_id = 0;
  int index = 0;                        // the choice, 0..n-1
  std::vector<std::int32_t> token_ids;  // new since the previous event (empty on some finals)
  std::string text;                     // new output text (see the contract)
  std::vector<TokenLogprobs> logprobs;  // one per token id, when params.logprobs is set
  bool finished = false;                // this choice has ended
  std::string finish_reason;            // "stop", "length", "abort", "error" when finished
  std::string stop_string;              // the stop string that ended the choice, if any
  Status error;                         // set when finish_reason is "error"
  bool last = false;                    // the request's final event (all choices finished)
  RequestMetrics metrics;               // set on the last event
};

// Engine-wide gauges and counters, a consistent snapshot.
struct EngineStats {
  std::int64_t running = 0;
  std::int64_t waiting = 0;
  double kv_cache_usage = 0;  // fraction of KV blocks in use
  std::int64_t kv_cache_blocks = 0;
  std::int64_t block_size = 0;
  std::int64_t preemptions = 0;
  std::int64_t prefix_cache_queries = 0;  // prompt tokens looked up in the prefix cache
  std::int64_t prefix_cache_hits = 0;     // of those, tokens found
  std::int64_t prompt_tokens = 0;         // prompt tokens of finished requests
  std::int64_t generation_tokens = 0;     // tokens generated
  std::int64_t requests_finished = 0;     // by any reason
  std::int64_t requests_succeeded = 0;    // finished with "stop" or "length"
  Histogram time_to_first_token;          // seconds
  Histogram inter_token_latency;          // seconds between a choice's tokens
  Histogram e2e_request_latency;          // seconds
  Histogram request_queue_time;           // seconds
};

class EngineClient {
 public:
  virtual ~EngineClient() = default;
  virtual Result<std::int64_t> submit(std::vector<std::int32_t> prompt_ids, SamplingParams params,
                                      std::function<void(const TokenEvent&)> on_event) = 0;
  virtual void abort(std::int64_t request_id) = 0;
  virtual EngineStats stats() const = 0;
  // The longest prompt + max_tokens a request may have.
  virtual std::int64_t max_model_len() const = 0;
};

}  // namespace plexus
