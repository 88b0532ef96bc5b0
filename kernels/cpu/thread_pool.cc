#include "thread_pool.h"

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace plexus::kernels {
namespace {

// Set while a thread runs a chunk, so that nested parallel_for calls run serially.
thread_local bool t_inside_chunk = false;

int resolve_thread_count(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : int(hw);
}

}  // namespace

ThreadPool::ThreadPool(int num_threads) : num_threads_(resolve_thread_count(num_threads)) {
  workers_.reserve(num_threads_ - 1);
  for (int i = 1; i < num_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

namespace {

// About a hundred microseconds of polling before a thread blocks: enough to bridge the small
// serial kernels between two GEMVs of a decode step (256 let the workers fall asleep and cost
// 2-thread decode a sixth of its speed), short enough to leave a busy machine alone.
constexpr int kSpinIterations = 4096;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

void ThreadPool::run_chunk(int index) {
  const std::int64_t begin = chunk_begin(n_, chunks_, index);
  const std::int64_t end = chunk_begin(n_, chunks_, index + 1);
  if (begin < end) {
    t_inside_chunk = true;
    (*fn_)(begin, end);
    t_inside_chunk = false;
  }
}

void ThreadPool::worker_loop(int index) {
  std::uint64_t seen = 0;
  for (;;) {
    auto has_work = [&] {
      return stopping_.load(std::memory_order_acquire) ||
             generation_.load(std::memory_order_acquire) != seen;
    };
    for (int spin = 0; spin < kSpinIterations && !has_work(); ++spin) cpu_relax();
    if (!has_work()) {
      std::unique_lock lock(mutex_);
      work_cv_.wait(lock, has_work);
    }
    if (stopping_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    if (index < chunks_) run_chunk(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // Taking the mutex orders this notify after the caller's predicate check (no lost wake-up).
      std::lock_guard lock(mutex_);
      done_cv_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(std::int64_t n, const RangeFn& fn, std::int64_t grain) {
  if (n <= 0) return;
  grain = std::max<std::int64_t>(grain, 1);
  const int chunks = int(std::min<std::int64_t>((n + grain - 1) / grain, num_threads_));
  // Serial paths: a single chunk, a nested call, or the workers busy with another caller.
  std::unique_lock dispatch(dispatch_mutex_, std::defer_lock);
  if (chunks <= 1 || t_inside_chunk || !dispatch.try_lock()) {
    const bool was_inside = t_inside_chunk;
    t_inside_chunk = true;
    fn(0, n);
    t_inside_chunk = was_inside;
    return;
  }
  fn_ = &fn;
  n_ = n;
  chunks_ = chunks;
  pending_.store(num_threads_ - 1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  work_cv_.notify_all();
  run_chunk(0);
  auto done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  for (int spin = 0; spin < kSpinIterations && !done(); ++spin) cpu_relax();
  if (!done()) {
    std::unique_lock lock(mutex_);
    done_cv_.wait(lock, done);
  }
  fn_ = nullptr;
}

namespace {

std::unique_ptr<ThreadPool>& default_pool_slot() {
  static std::unique_ptr<ThreadPool> pool;
  return pool;
}

int threads_from_environment() {
  const char* env = std::getenv("PLEXUS_NUM_THREADS");
  if (env == nullptr) return 0;
  char* end = nullptr;
  const long value = std::strtol(env, &end, 10);
  if (end == env || *end != '\0' || value <= 0 || value > 4096) return 0;
  return int(value);
}

std::mutex& default_pool_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

ThreadPool& default_thread_pool() {
  std::lock_guard lock(default_pool_mutex());
  auto& slot = default_pool_slot();
  if (!slot) slot = std::make_unique<ThreadPool>(threads_from_environment());
  return *slot;
}

void set_num_threads(int num_threads) {
  std::lock_guard lock(default_pool_mutex());
  auto& slot = default_pool_slot();
  slot.reset();
  slot = std::make_unique<ThreadPool>(num_threads);
}

}  // namespace plexus::kernels
