#include <gtest/gtest.h>

#include <thread>

#include "plexus/communicator.h"

namespace plexus {
namespace {

TEST(InProcessCommunicator, AllRanksGetTheSameSumInRankOrder) {
  constexpr int kRanks = 3;
  auto group = make_in_process_group(kRanks);
  std::vector<std::vector<float>> data(kRanks);
  std::vector<std::thread> threads;
  for (int r = 0; r < kRanks; ++r) {
    // Values chosen so the order of addition shows: (1e8 + 1) - 1e8 == 0 in f32, not 1.
    data[r] = {float(r + 1), r == 0 ? 1e8f : (r == 1 ? 1.0f : -1e8f)};
    threads.emplace_back([&, r] {
      for (int repeat = 0; repeat < 100; ++repeat) {
        std::vector<float> v = data[r];
        ASSERT_TRUE(group[r]->all_reduce_sum(v.data(), 2).ok());
        EXPECT_EQ(v[0], 6.0f);
        EXPECT_EQ(v[1], (1e8f + 1.0f) - 1e8f);  // rank 0 + rank 1, then rank 2
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(group[2]->rank(), 2);
  EXPECT_EQ(group[2]->size(), 3);
}

TEST(InProcessCommunicator, MismatchedSizesAreAnErrorOnEveryRank) {
  auto group = make_in_process_group(2);
  std::vector<float> a(4), b(3);
  Status sa, sb;
  std::thread t([&] { sb = group[1]->all_reduce_sum(b.data(), 3); });
  sa = group[0]->all_reduce_sum(a.data(), 4);
  t.join();
  EXPECT_FALSE(sa.ok());
  EXPECT_FALSE(sb.ok());
}

}  // namespace
}  // namespace plexus
