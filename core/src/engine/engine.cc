#include "engine/engine.h"

namespace plexus::engine {
namespace {

// Bucket bounds in seconds, close to vLLM's so dashboards carry over.
Histogram latency_histogram() {
  return Histogram::with_bounds({0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
                                 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0});
}
Histogram request_histogram() {
  return Histogram::with_bounds({0.3,  0.5,   0.8,   1.0,   1.5,   2.0,    2.5,
                                 5.0,  10.0,  15.0,  20.0,  30.0,  40.0,   50.0,
                                 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0});
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

Engine::Engine(BatchEngine engine, std::int64_t max_model_len)
    : engine_(std::move(engine)), max_model_len_(max_model_len) {
  counters_.time_to_first_token = latency_histogram();
  counters_.inter_token_latency = latency_histogram();
  counters_.e2e_request_latency = request_histogram();
  counters_.request_queue_time = request_histogram();
  snapshot_stats();
}

Result<std::unique_ptr<Engine>> Engine::start(Model& model, BatchEngineConfig config) {
  const std::int64_t max_len = config.scheduler.max_model_len;
  PLEXUS_ASSIGN_OR_RETURN(BatchEngine batch, BatchEngine::create(model, std::move(config)));
  std::unique_ptr<Engine> engine(new Engine(std::move(batch), max_len));
  engine->thread_ = std::thread([e = engine.get()] { e->run(); });
  return engine;
}

Engine::~Engine() {
  {
    std::lock_guard lock(inbox_mu_);
    stopping_ = true;
  }
  inbox_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The engine thread is gone: end everything it left, in the same order it would have.
  Events events;
  for (Submission& s : submissions_) {
    TokenEvent e;
    e.request_id = s.id;
    e.finished = true;
    e.finish_reason = "abort";
    e.last = true;
    e.metrics.prompt_tokens = std::int64_t(s.prompt.size());
    events.emplace_back(s.callback, std::move(e));
  }
  std::vector<std::int64_t> open;
  for (const auto& [id, r] : requests_) open.push_back(id);
  for (std::int64_t id : open) apply_abort(id, events);
  for (auto& [cb, event] : events) (*cb)(event);
}

Result<std::int64_t> Engine::submit(std::vector<std::int32_t> prompt_ids, SamplingParams params,
                                    std::function<void(const TokenEvent&)> on_event) {
  PLEXUS_RETURN_IF_ERROR(engine_.check(prompt_ids, params));
  Submission s;
  s.id = next_id_++;
  s.prompt = std::move(prompt_ids);
  s.params = std::move(params);
  s.callback = std::make_shared<const std::function<void(const TokenEvent&)>>(std::move(on_event));
  s.submitted = Clock::now();
  const std::int64_t id = s.id;
  {
    std::lock_guard lock(inbox_mu_);
    if (stopping_) return Status::unavailable("the engine is shutting down");
    submissions_.push_back(std::move(s));
  }
  inbox_cv_.notify_all();
  return id;
}

void Engine::abort(std::int64_t request_id) {
  {
    std::lock_guard lock(inbox_mu_);
    aborts_.push_back(request_id);
  }
  inbox_cv_.notify_all();
}

EngineStats Engine::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

void Engine::snapshot_stats() {
  EngineStats s = counters_;
  s.running = std::int64_t(engine_.scheduler().num_running());
  s.waiting = std::int64_t(engine_.scheduler().num_waiting());
  s.kv_cache_usage = engine_.cache().usage();
  s.kv_cache_blocks = engine_.cache().num_blocks();
  s.block_size = engine_.cache().block_size();
  s.preemptions = engine_.scheduler().num_preemptions();
  s.prefix_cache_queries = engine_.cache().prefix_cache_stats().query_tokens;
  s.prefix_cache_hits = engine_.cache().prefix_cache_stats().hit_tokens;
  std::lock_guard lock(stats_mu_);
  stats_ = std::move(s);
}

void Engine::admit(Submission s, Events& events) {
  Request r;
  r.callback = s.callback;
  r.submitted = s.submitted;
  r.metrics.prompt_tokens = std::int64_t(s.prompt.size());
  const int n = std::max(s.params.n, 1);
  Status error;
  for (int i = 0; i < n && error.ok(); ++i) {
    const RequestId choice = next_choice_++;
    error = engine_.add(choice, s.prompt, s.params, i);
    if (error.ok()) {
      r.choices.push_back(choice);
      choices_.emplace(choice, Choice{s.id, i, false, {}});
    }
  }
  r.unfinished = int(r.choices.size());
  if (error.ok()) {
    requests_.emplace(s.id, std::move(r));
    return;
  }
  // Checked at submit, so this is a bug; the request still gets its final event.
  for (RequestId choice : r.choices) {
    engine_.abort(choice);
    choices_.erase(choice);
  }
  TokenEvent e;
  e.request_id = s.id;
  e.finished = true;
  e.finish_reason = "error";
  e.error = error;
  e.last = true;
  e.metrics = r.metrics;
  events.emplace_back(s.callback, std::move(e));
}

void Engine::apply_abort(std::int64_t request_id, Events& events) {
  auto it = requests_.find(request_id);
  if (it == requests_.end()) return;
  const std::vector<RequestId> choices = it->second.choices;
  for (RequestId choice : choices) {
    auto c = choices_.find(choice);
    if (c == choices_.end() || c->second.finished) continue;
    engine_.abort(choice);  // its blocks are free before the next step
    TokenEvent e;
    e.finish_reason = "abort";
    end_choice(choice, std::move(e), events);
  }
}

void Engine::end_choice(RequestId id, TokenEvent final, Events& events) {
  Choice& c = choices_.at(id);
  Request& r = requests_.at(c.request);
  c.finished = true;
  final.request_id = c.request;
  final.index = c.index;
  final.finished = true;
  if (final.finish_reason == "abort" || final.finish_reason == "error") r.failed = true;
  if (--r.unfinished > 0) {
    events.emplace_back(r.callback, std::move(final));
    return;
  }
  r.metrics.e2e_seconds = seconds(Clock::now() - r.submitted);
  final.last = true;
  final.metrics = r.metrics;
  counters_.prompt_tokens += r.metrics.prompt_tokens;
  ++counters_.requests_finished;
  if (!r.failed) ++counters_.requests_succeeded;
  counters_.e2e_request_latency.observe(r.metrics.e2e_seconds);
  events.emplace_back(r.callback, std::move(final));
  const std::int64_t request = c.request;
  for (RequestId choice : r.choices) choices_.erase(choice);
  requests_.erase(request);  // `c` and `r` are gone from here on
}

void Engine::collect(const StepOutput& out, Events& events) {
  const Clock::time_point now = Clock::now();
  for (const auto& [id, cached] : out.started) {
    auto c = choices_.find(id);
    if (c == choices_.end() || c->second.index != 0) continue;  // timing follows choice 0
    Request& r = requests_.at(c->second.request);
    r.metrics.queue_seconds = seconds(now - r.submitted);
    r.metrics.cached_prompt_tokens = cached;
    counters_.request_queue_time.observe(r.metrics.queue_seconds);
  }
  for (const SampledOutput& s : out.tokens) {
    auto c = choices_.find(s.id);
    if (c == choices_.end()) continue;
    Request& r = requests_.at(c->second.request);
    ++r.metrics.output_tokens;
    ++counters_.generation_tokens;
    if (!r.first_token_seen) {
      r.first_token_seen = true;
      r.metrics.first_token_seconds = seconds(now - r.submitted);
      counters_.time_to_first_token.observe(r.metrics.first_token_seconds);
    } else if (c->second.last_token != Clock::time_point{}) {
      counters_.inter_token_latency.observe(seconds(now - c->second.last_token));
    }
    c->second.last_token = now;
    TokenEvent e;
    e.request_id = c->second.request;
    e.index = c->second.index;
    e.token_ids = {s.token};
    e.text = s.text;
    if (s.logprobs) e.logprobs.push_back(*s.logprobs);
    events.emplace_back(r.callback, std::move(e));
  }
  for (const FinishedRequest& f : out.finished) {
    if (!choices_.contains(f.id)) continue;
    TokenEvent e;
    e.text = f.text_tail;
    e.finish_reason = std::string(sampling::finish_reason_name(f.reason));
    e.stop_string = f.stop_string;
    e.error = f.error;
    end_choice(f.id, std::move(e), events);
  }
}

void Engine::run() {
  while (true) {
    std::vector<Submission> submissions;
    std::vector<std::int64_t> aborts;
    {
      std::unique_lock lock(inbox_mu_);
      inbox_cv_.wait(lock, [&] {
        return stopping_ || !submissions_.empty() || !aborts_.empty() || !engine_.idle();
      });
      if (stopping_) return;
      submissions.swap(submissions_);
      aborts.swap(aborts_);
    }
    Events events;
    for (Submission& s : submissions) admit(std::move(s), events);
    for (std::int64_t id : aborts) apply_abort(id, events);
    if (!engine_.idle()) {
      auto out = engine_.step();
      if (out.ok()) {
        collect(*out, events);
      } else {
        // The step itself failed (not one request's row): every request ends with the error.
        std::vector<RequestId> open;
        for (const auto& [id, c] : choices_) {
          if (!c.finished) open.push_back(id);
        }
        for (RequestId id : open) {
          engine_.abort(id);
          TokenEvent e;
          e.finish_reason = "error";
          e.error = out.status();
          end_choice(id, std::move(e), events);
        }
      }
    }
    snapshot_stats();
    for (auto& [cb, event] : events) (*cb)(event);
  }
}

}  // namespace plexus::engine
