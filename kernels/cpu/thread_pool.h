// A small fixed pool of worker threads for the CPU kernels.
//
// Contract:
// - `parallel_for(n, fn, grain)` splits [0, n) into min(size(), ceil(n / grain)) contiguous
//   chunks and calls fn(begin, end) once per chunk, the calling thread taking the first; it
//   returns when every chunk is done. Chunk boundaries depend only on n, grain and size().
//   `grain` (default 1) is the fewest items worth a thread of their own: small work stays on the
//   calling thread instead of paying a wake-up.
// - Kernels built on it never split a reduction across chunks, so their results do not depend on
//   the thread count: the pool decides who computes an output, never how.
// - A parallel_for issued from inside a chunk (nested), or while another thread's parallel_for is
//   running on the same pool, runs serially on the calling thread rather than deadlocking or
//   waiting.
// - fn must not throw (kernels report errors before they fan out).
// Thread safety: parallel_for may be called from any thread; set_num_threads() on the default
// pool must not race with a running parallel_for on it.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace plexus::kernels {

class ThreadPool {
 public:
  // num_threads <= 0 means std::thread::hardware_concurrency() (at least 1). The pool starts
  // num_threads - 1 workers; the caller of parallel_for is the remaining one.
  explicit ThreadPool(int num_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return num_threads_; }

  using RangeFn = std::function<void(std::int64_t begin, std::int64_t end)>;
  void parallel_for(std::int64_t n, const RangeFn& fn, std::int64_t grain = 1);

 private:
  void worker_loop(int index);
  void run_chunk(int index);

  int num_threads_ = 1;
  std::vector<std::thread> workers_;

  std::mutex dispatch_mutex_;  // held by the thread whose parallel_for owns the workers
  // Workers and the caller spin briefly on these atomics before sleeping on the condition
  // variables, so back-to-back small kernels (decode GEMVs) do not pay a wake-up each.
  std::mutex mutex_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::atomic<std::uint64_t> generation_{0};  // bumped for each parallel_for
  std::atomic<int> pending_{0};               // workers not yet done with this generation
  std::atomic<bool> stopping_{false};
  // Written by the dispatching thread before it bumps generation_ (release), read by workers
  // after they see the new generation (acquire).
  const RangeFn* fn_ = nullptr;
  std::int64_t n_ = 0;
  int chunks_ = 0;
};

// The process-wide pool the kernels use when none is given. Created on first use with
// hardware_concurrency() threads, or PLEXUS_NUM_THREADS when that is set to a positive integer.
ThreadPool& default_thread_pool();
// Replaces the default pool with one of num_threads threads (<= 0: hardware threads).
// REQUIRES: no kernel is running on the default pool.
void set_num_threads(int num_threads);

// Chunk c of [0, n) split into `chunks` contiguous parts whose sizes differ by at most one.
inline std::int64_t chunk_begin(std::int64_t n, int chunks, int c) {
  return n / chunks * c + std::min<std::int64_t>(c, n % chunks);
}

}  // namespace plexus::kernels
