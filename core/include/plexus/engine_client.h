// plexus/engine_client.h — how front ends talk to the engine.
//
// Contract:
// - `submit` queues a request (prompt token ids + sampling parameters) and returns its id at
//   once, or an error naming what is wrong with it (validation and admission happen here, so a
//   request that could never run is refused now, not later). `on_event` is then called from
//   the engine thread for each generated token, and once more with `finished` set; it must be
//   quick and must not call back into the client.
// - `abort` ends a request: its KV blocks return to the pool before the next step; its last
//   event has finish_reason "abort". Unknown or finished ids are ignored.
// - Every submitted request gets exactly one finished event (stop, length, abort or error).
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "plexus/sampling_params.h"
#include "plexus/status.h"

namespace plexus {

struct TokenEvent {
  std::int64_t request_id = 0;
  std::vector<std::int32_t> token_ids;  // new since the previous event (empty on some finals)
  bool finished = false;
  std::string finish_reason;  // "stop", "length", "abort", "error" when finished
  Status error;               // set when finish_reason is "error"
};

struct EngineStats {
  std::int64_t running = 0;
  std::int64_t waiting = 0;
  double kv_cache_usage = 0;  // fraction of KV blocks in use
  std::int64_t preemptions = 0;
};

class EngineClient {
 public:
  virtual ~EngineClient() = default;
  virtual Result<std::int64_t> submit(std::vector<std::int32_t> prompt_ids, SamplingParams params,
                                      std::function<void(const TokenEvent&)> on_event) = 0;
  virtual void abort(std::int64_t request_id) = 0;
  virtual EngineStats stats() const = 0;
};

}  // namespace plexus
