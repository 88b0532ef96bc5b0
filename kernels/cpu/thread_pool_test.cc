#include "thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

namespace plexus::kernels {
namespace {

TEST(ThreadPool, EveryIndexIsVisitedExactlyOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (std::int64_t n : {0, 1, 2, 7, 100, 1001}) {
      std::vector<std::atomic<int>> hits(n);
      pool.parallel_for(n, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) hits[i].fetch_add(1);
      });
      for (std::int64_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
    }
  }
}

TEST(ThreadPool, ChunksAreContiguousAndBalanced) {
  ThreadPool pool(3);
  std::mutex m;
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  pool.parallel_for(10, [&](std::int64_t b, std::int64_t e) {
    std::lock_guard lock(m);
    ranges.emplace_back(b, e);
  });
  std::sort(ranges.begin(), ranges.end());
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0], std::make_pair(std::int64_t{0}, std::int64_t{4}));
  EXPECT_EQ(ranges[1], std::make_pair(std::int64_t{4}, std::int64_t{7}));
  EXPECT_EQ(ranges[2], std::make_pair(std::int64_t{7}, std::int64_t{10}));
}

TEST(ThreadPool, GrainLimitsTheNumberOfChunks) {
  ThreadPool pool(3);
  std::mutex m;
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  auto record = [&](std::int64_t b, std::int64_t e) {
    std::lock_guard lock(m);
    ranges.emplace_back(b, e);
  };
  pool.parallel_for(10, record, 6);  // ceil(10 / 6) = 2 chunks
  std::sort(ranges.begin(), ranges.end());
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], std::make_pair(std::int64_t{0}, std::int64_t{5}));
  EXPECT_EQ(ranges[1], std::make_pair(std::int64_t{5}, std::int64_t{10}));
  ranges.clear();
  pool.parallel_for(10, record, 100);  // one chunk, on the caller
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0], std::make_pair(std::int64_t{0}, std::int64_t{10}));
}

TEST(ThreadPool, NestedCallsRunSeriallyWithoutDeadlock) {
  ThreadPool pool(2);
  std::atomic<std::int64_t> total{0};
  pool.parallel_for(4, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) {
      pool.parallel_for(10, [&](std::int64_t ib, std::int64_t ie) { total += ie - ib; });
    }
  });
  EXPECT_EQ(total.load(), 40);
}

TEST(ThreadPool, ManyCallsInARow) {
  ThreadPool pool(2);
  std::int64_t sum = 0;
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::int64_t> part(2, 0);
    pool.parallel_for(2, [&](std::int64_t b, std::int64_t e) { part[b] = e - b; });
    sum += part[0] + part[1];
  }
  EXPECT_EQ(sum, 4000);
}

TEST(ThreadPool, DefaultPoolCanBeResized) {
  set_num_threads(2);
  EXPECT_EQ(default_thread_pool().size(), 2);
  set_num_threads(1);
  EXPECT_EQ(default_thread_pool().size(), 1);
  set_num_threads(0);
  EXPECT_GE(default_thread_pool().size(), 1);
}

}  // namespace
}  // namespace plexus::kernels
