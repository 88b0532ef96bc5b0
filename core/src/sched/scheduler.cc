#include "sched/scheduler.h"

#include <algorithm>

namespace plexus {

Scheduler::Scheduler(SchedulerConfig config, KvCacheManager& cache)
    : config_(config), cache_(cache) {}

Status Scheduler::add(RequestId id, std::vector<std::int32_t> prompt, std::int64_t max_tokens,
                      std::string salt) {
  if (sequences_.contains(id)) {
    return Status::invalid_argument("request " + std::to_string(id) + " already exists");
  }
  PLEXUS_RETURN_IF_ERROR(check_admission(std::int64_t(prompt.size()), max_tokens));
  SequenceState s;
  s.id = id;
  s.num_prompt_tokens = std::int64_t(prompt.size());
  s.tokens = std::move(prompt);
  s.max_tokens = max_tokens;
  s.salt = std::move(salt);
  s.arrival = next_arrival_++;
  sequences_.emplace(id, std::move(s));
  waiting_.push_back(id);
  return Status();
}

Status Scheduler::check_admission(std::int64_t prompt_tokens, std::int64_t max_tokens) const {
  if (prompt_tokens < 1) return Status::invalid_argument("the prompt has no tokens");
  if (max_tokens < 1) return Status::invalid_argument("max_tokens must be at least 1");
  const std::int64_t total = prompt_tokens + max_tokens;
  if (total > config_.max_model_len) {
    return Status::invalid_argument(
        "the prompt (" + std::to_string(prompt_tokens) + " tokens) plus max_tokens (" +
        std::to_string(max_tokens) + ") is " + std::to_string(total) +
        " tokens, over max_model_len (" + std::to_string(config_.max_model_len) +
        "): shorten the prompt or lower max_tokens");
  }
  if (!cache_.can_ever_fit(total)) {
    return Status::resource_exhausted(
        "the request needs " + std::to_string(total) + " tokens of KV cache, more than the " +
        std::to_string(std::int64_t(cache_.num_blocks()) * cache_.block_size()) +
        " the whole pool holds: raise the KV cache budget or lower max_tokens");
  }
  return Status();
}

void Scheduler::abort(RequestId id) {
  auto it = sequences_.find(id);
  if (it == sequences_.end()) return;
  (void)cache_.free(id);  // unknown to the cache while waiting: a no-op
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), id), waiting_.end());
  sequences_.erase(it);
}

const SequenceState* Scheduler::find(RequestId id) const {
  auto it = sequences_.find(id);
  return it == sequences_.end() ? nullptr : &it->second;
}

std::size_t Scheduler::num_running() const {
  return std::size_t(std::count_if(sequences_.begin(), sequences_.end(),
                                   [](const auto& kv) { return kv.second.running; }));
}

Status Scheduler::preempt(RequestId id, StepPlan& plan) {
  SequenceState& s = sequences_.at(id);
  PLEXUS_RETURN_IF_ERROR(cache_.free(id));
  s.running = false;
  s.num_computed = 0;
  ++s.times_preempted;
  ++preemptions_;
  waiting_.push_front(id);
  plan.preempted.push_back(id);
  return Status();
}

Result<StepPlan> Scheduler::schedule() {
  StepPlan plan;
  std::int64_t budget = config_.max_num_batched_tokens;

  // Running requests first, oldest first.
  std::vector<SequenceState*> running;
  for (auto& [id, s] : sequences_) {
    if (s.running) running.push_back(&s);
  }
  std::sort(running.begin(), running.end(),
            [](const SequenceState* a, const SequenceState* b) { return a->arrival < b->arrival; });
  for (std::size_t i = 0; i < running.size() && budget > 0; ++i) {
    SequenceState& s = *running[i];
    if (!s.running) continue;  // preempted earlier in this loop
    const std::int64_t n = std::min(std::int64_t(s.tokens.size()) - s.num_computed, budget);
    if (n <= 0) continue;
    bool scheduled = false;
    while (!scheduled) {
      PLEXUS_ASSIGN_OR_RETURN(auto blocks, cache_.allocate_slots(s.id, n));
      if (blocks) {
        scheduled = true;
        break;
      }
      // No room: preempt the latest-arrived running request that is not yet in this plan.
      SequenceState* victim = nullptr;
      for (std::size_t j = running.size(); j-- > i;) {
        if (running[j]->running) {
          victim = running[j];
          break;
        }
      }
      PLEXUS_RETURN_IF_ERROR(preempt(victim->id, plan));
      if (victim == &s) break;
    }
    if (!scheduled) continue;
    plan.chunks.push_back(
        {s.id, s.num_computed, n, s.num_computed + n == std::int64_t(s.tokens.size())});
    budget -= n;
  }

  // Then waiting requests in arrival order, while budget, sequence slots and memory last.
  std::size_t running_count = num_running();
  while (!waiting_.empty() && budget > 0 && running_count < std::size_t(config_.max_num_seqs)) {
    SequenceState& s = sequences_.at(waiting_.front());
    PLEXUS_ASSIGN_OR_RETURN(PrefixMatch match, cache_.find_prefix(s.tokens, s.salt));
    const std::int64_t n = std::min(std::int64_t(s.tokens.size()) - match.num_tokens, budget);
    PLEXUS_ASSIGN_OR_RETURN(auto blocks, cache_.allocate_slots(s.id, n, match));
    if (!blocks) break;  // FCFS: nobody overtakes the head of the queue
    waiting_.pop_front();
    s.running = true;
    s.num_computed = match.num_tokens;
    plan.chunks.push_back(
        {s.id, s.num_computed, n, s.num_computed + n == std::int64_t(s.tokens.size())});
    budget -= n;
    ++running_count;
  }
  plan.num_tokens = config_.max_num_batched_tokens - budget;
  return plan;
}

Status Scheduler::complete(const StepPlan& plan) {
  for (const ScheduledChunk& c : plan.chunks) {
    auto it = sequences_.find(c.id);
    if (it == sequences_.end()) continue;  // aborted while its step ran
    SequenceState& s = it->second;
    s.num_computed = c.first_position + c.num_tokens;
    PLEXUS_RETURN_IF_ERROR(cache_.cache_full_blocks(
        s.id, std::span<const std::int32_t>(s.tokens.data(), std::size_t(s.num_computed))));
  }
  return Status();
}

Status Scheduler::append_token(RequestId id, std::int32_t token) {
  auto it = sequences_.find(id);
  if (it == sequences_.end()) {
    return Status::invalid_argument("append_token: unknown request " + std::to_string(id));
  }
  it->second.tokens.push_back(token);
  return Status();
}

}  // namespace plexus
