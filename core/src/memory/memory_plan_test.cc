#include "memory/memory_plan.h"

#include <gtest/gtest.h>

namespace plexus {
namespace {

constexpr std::int64_t kMiB = 1 << 20;

MemoryPlanInput cpu_input() {
  MemoryPlanInput in;
  in.budget_bytes = 64 * kMiB;
  in.weight_bytes = 500 * kMiB;
  in.activation_bytes = 10 * kMiB;
  in.logits_bytes = 2 * kMiB;
  in.kv_bytes_per_token = 46080;  // SmolLM2-135M: 30 layers x 2 x 3 heads x 64 x 4 bytes
  in.block_size = 16;
  in.max_model_len = 1024;
  return in;
}

TEST(MemoryPlan, CpuBudgetBuysWholeBlocks) {
  const MemoryPlanInput in = cpu_input();
  auto plan = plan_memory(in);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  const std::int64_t per_block = in.kv_bytes_per_token * in.block_size;
  EXPECT_EQ(plan->num_blocks, in.budget_bytes / per_block);
  EXPECT_EQ(plan->kv_tokens, std::int64_t(plan->num_blocks) * 16);
  EXPECT_DOUBLE_EQ(plan->max_concurrency, double(plan->kv_tokens) / 1024.0);
  EXPECT_EQ(plan->total_bytes, 512 * kMiB + plan->num_blocks * per_block);
  EXPECT_NE(describe(in, *plan).find("sequences of max_model_len 1024"), std::string::npos);
}

TEST(MemoryPlan, TooLongMaxModelLenSaysWhatFits) {
  MemoryPlanInput in = cpu_input();
  in.max_model_len = 8192;  // needs 360 MiB of KV
  auto plan = plan_memory(in);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kResourceExhausted);
  const std::string m = plan.status().message();
  EXPECT_NE(m.find("cpu_kv_cache 64.0 MiB"), std::string::npos) << m;
  EXPECT_NE(m.find("needs 360.0 MiB"), std::string::npos) << m;
  // 64 MiB / (46080 x 16) = 91 blocks = 1456 tokens.
  EXPECT_NE(m.find("max_model_len to at most 1456"), std::string::npos) << m;
}

TEST(MemoryPlan, GpuBudgetIsWhatWeightsAndActivationsLeave) {
  MemoryPlanInput in = cpu_input();
  in.gpu = true;
  in.budget_bytes = 1024 * kMiB;
  auto plan = plan_memory(in);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  EXPECT_EQ(plan->kv_budget_bytes, 512 * kMiB);
  in.budget_bytes = 520 * kMiB;  // 8 MiB left: 11 blocks, 176 tokens
  auto tight = plan_memory(in);
  ASSERT_FALSE(tight.ok());
  EXPECT_NE(tight.status().message().find("max_model_len to at most 176"), std::string::npos)
      << tight.status().message();
}

TEST(MemoryPlan, CpuHostMemoryIsChecked) {
  MemoryPlanInput in = cpu_input();
  in.host_available_bytes = 300 * kMiB;  // less than the weights alone
  auto plan = plan_memory(in);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("300.0 MiB of memory available"), std::string::npos)
      << plan.status().message();
  EXPECT_GT(host_available_bytes(), 0) << "/proc/meminfo should give MemAvailable";
}

}  // namespace
}  // namespace plexus
