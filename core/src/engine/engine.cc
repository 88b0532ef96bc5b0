#include "engine/engine.h"

namespace plexus::engine {
namespace {

TokenEvent final_event(std::int64_t id, std::string reason, Status error = {}) {
  TokenEvent e;
  e.request_id = id;
  e.finished = true;
  e.finish_reason = std::move(reason);
  e.error = std::move(error);
  return e;
}

}  // namespace

Engine::Engine(BatchEngine engine) : engine_(std::move(engine)) {}

Result<std::unique_ptr<Engine>> Engine::start(Model& model, BatchEngineConfig config) {
  PLEXUS_ASSIGN_OR_RETURN(BatchEngine batch, BatchEngine::create(model, std::move(config)));
  std::unique_ptr<Engine> engine(new Engine(std::move(batch)));
  engine->thread_ = std::thread([e = engine.get()] { e->run(); });
  return engine;
}

Engine::~Engine() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The engine thread is gone: deliver what it left, then end everything still running.
  for (auto& [cb, event] : queued_) cb(event);
  for (const auto& [id, cb] : callbacks_) {
    engine_.abort(id);
    cb(final_event(id, "abort"));
  }
}

Result<std::int64_t> Engine::submit(std::vector<std::int32_t> prompt_ids, SamplingParams params,
                                    std::function<void(const TokenEvent&)> on_event) {
  std::int64_t id;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Status::unavailable("the engine is shutting down");
    id = next_id_++;
    PLEXUS_RETURN_IF_ERROR(engine_.add(id, std::move(prompt_ids), params));
    callbacks_.emplace(id, std::move(on_event));
  }
  cv_.notify_all();
  return id;
}

void Engine::abort(std::int64_t request_id) {
  {
    std::lock_guard lock(mu_);
    auto it = callbacks_.find(request_id);
    if (it == callbacks_.end()) return;
    engine_.abort(request_id);  // its blocks are free before the next step
    queued_.emplace_back(std::move(it->second), final_event(request_id, "abort"));
    callbacks_.erase(it);
  }
  cv_.notify_all();
}

EngineStats Engine::stats() const {
  std::lock_guard lock(mu_);
  EngineStats s;
  s.running = std::int64_t(engine_.scheduler().num_running());
  s.waiting = std::int64_t(engine_.scheduler().num_waiting());
  s.kv_cache_usage = engine_.cache().usage();
  s.preemptions = engine_.scheduler().num_preemptions();
  return s;
}

void Engine::run() {
  while (true) {
    // Events are gathered under the lock and delivered after it is released.
    std::vector<std::pair<std::function<void(const TokenEvent&)>, TokenEvent>> events;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !engine_.idle() || !queued_.empty(); });
      if (stopping_) return;
      events.swap(queued_);
      if (engine_.idle()) {
        lock.unlock();
        for (auto& [cb, event] : events) cb(event);
        continue;
      }
      std::vector<std::pair<RequestId, std::int32_t>> tokens;
      auto finished = engine_.step(&tokens);
      if (!finished.ok()) {
        // The step itself failed (not one request's row): every request ends with the error.
        for (auto& [id, cb] : callbacks_) {
          engine_.abort(id);
          events.emplace_back(std::move(cb), final_event(id, "error", finished.status()));
        }
        callbacks_.clear();
      } else {
        for (const auto& [id, token] : tokens) {
          auto it = callbacks_.find(id);
          if (it == callbacks_.end()) continue;
          TokenEvent e;
          e.request_id = id;
          e.token_ids = {token};
          events.emplace_back(it->second, std::move(e));
        }
        for (FinishedRequest& f : *finished) {
          auto it = callbacks_.find(f.id);
          if (it == callbacks_.end()) continue;
          events.emplace_back(
              std::move(it->second),
              final_event(f.id, std::string(sampling::finish_reason_name(f.reason)), f.error));
          callbacks_.erase(it);
        }
      }
    }
    for (auto& [cb, event] : events) cb(event);
  }
}

}  // namespace plexus::engine
