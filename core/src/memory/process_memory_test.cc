#include "process_memory.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace plexus {
namespace {

TEST(ProcessMemory, TouchingMemoryRaisesTheAnonymousResidentSet) {
  const ProcessMemory before = read_process_memory();
  ASSERT_GT(before.rss, 0) << "no VmRSS in /proc/self/status";
  EXPECT_GE(before.peak_rss, before.rss);
  EXPECT_GT(before.file, 0);  // at least this test's own mapped binary
  constexpr std::size_t kBytes = 64 << 20;
  auto block = std::make_unique<char[]>(kBytes);
  std::memset(block.get(), 1, kBytes);  // resident only once written
  const ProcessMemory after = read_process_memory();
  EXPECT_GE(after.anon - before.anon, std::int64_t(kBytes) * 9 / 10);
  EXPECT_GE(after.rss - before.rss, std::int64_t(kBytes) * 9 / 10);
  EXPECT_GE(after.peak_rss, after.rss);
  volatile char sink = block[kBytes - 1];
  (void)sink;
}

}  // namespace
}  // namespace plexus
