#include <gtest/gtest.h>

#include "manifest/manifest.h"

namespace plexus {
namespace {

TEST(CliFlags, VllmFlagsBecomeOverridesAndLeaveTheRest) {
  std::vector<std::string> args = {"serve",
                                   "m.toml",
                                   "--tensor-parallel-size",
                                   "4",
                                   "--gpu-memory-utilization=0.85",
                                   "--max-model-len",
                                   "8192",
                                   "--quantization",
                                   "awq",
                                   "--port",
                                   "9000",
                                   "--host=0.0.0.0",
                                   "--api-key",
                                   "12345",
                                   "--set",
                                   "logging.level=debug",
                                   "--unknown-flag",
                                   "x"};
  Result<std::vector<std::string>> r = translate_cli_flags(args);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const std::vector<std::string> expected = {
      "devices.tensor_parallel=4",  "devices.gpu_memory_utilization=0.85",
      "model.max_model_len=8192",   "quant.scheme=\"awq\"",
      "frontend.port=9000",         "frontend.host=\"0.0.0.0\"",
      "frontend.api_key=\"12345\"", "logging.level=debug"};
  EXPECT_EQ(*r, expected);
  EXPECT_EQ(args, (std::vector<std::string>{"serve", "m.toml", "--unknown-flag", "x"}));
}

TEST(CliFlags, ShortTensorParallelAndDoubleDash) {
  std::vector<std::string> args = {"-tp", "2", "--", "--port", "1"};
  Result<std::vector<std::string>> r = translate_cli_flags(args);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, std::vector<std::string>{"devices.tensor_parallel=2"});
  EXPECT_EQ(args, (std::vector<std::string>{"--", "--port", "1"}));
}

TEST(CliFlags, SchedulerDtypeAndSwitches) {
  std::vector<std::string> args = {"--dtype",
                                   "bfloat16",
                                   "--served-model-name=coder",
                                   "--max-num-seqs",
                                   "8",
                                   "--max-num-batched-tokens",
                                   "1024",
                                   "--block-size=32",
                                   "--no-enable-prefix-caching"};
  Result<std::vector<std::string>> r = translate_cli_flags(args);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(*r, (std::vector<std::string>{
                    "model.dtype=\"bf16\"", "model.served_name=\"coder\"",
                    "scheduler.max_num_seqs=8", "scheduler.max_num_batched_tokens=1024",
                    "scheduler.block_size=32", "scheduler.prefix_caching=false"}));
  EXPECT_TRUE(args.empty());
  Result<Manifest> m = parse_manifest(default_manifest_text(), "<default>", *r);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->model.dtype, DType::kBF16);
  EXPECT_EQ(m->model.served_name, "coder");
  EXPECT_EQ(m->scheduler.block_size, 32);
  EXPECT_FALSE(m->scheduler.prefix_caching);

  args = {"--enable-prefix-caching=yes"};
  r = translate_cli_flags(args);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "--enable-prefix-caching takes no value");
}

TEST(CliFlags, FlagWithoutValueIsAnError) {
  std::vector<std::string> args = {"--port"};
  Result<std::vector<std::string>> r = translate_cli_flags(args);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "--port needs a value: --port VALUE");
  args = {"--set", "--host", "h"};
  r = translate_cli_flags(args);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "--set needs a value: --set section.key=value");
}

TEST(CliFlags, TranslatedFlagsApplyToTheManifest) {
  std::vector<std::string> args = {"--tensor-parallel-size",
                                   "2",
                                   "--quantization",
                                   "gptq",
                                   "--port",
                                   "9001",
                                   "--api-key",
                                   "12345",
                                   "--gpu-memory-utilization",
                                   "0.5",
                                   "--max-model-len",
                                   "2048"};
  Result<std::vector<std::string>> overrides = translate_cli_flags(args);
  ASSERT_TRUE(overrides.ok());
  Result<Manifest> m = parse_manifest(default_manifest_text(), "<default>", *overrides);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->devices.tensor_parallel, 2);
  EXPECT_EQ(m->devices.gpu_memory_utilization, 0.5);
  EXPECT_EQ(m->model.max_model_len, 2048);
  EXPECT_EQ(m->quant.scheme, QuantMethod::kGptq);
  EXPECT_EQ(m->quant.plugin, "quant-gptq");
  ASSERT_EQ(m->frontends.size(), 1u);
  EXPECT_EQ(*m->frontends[0].settings.get_int("port", 0), 9001);
  // Quoted by the translation, so a numeric key stays a string.
  EXPECT_EQ(*m->frontends[0].settings.get_string("api_key", ""), "12345");
  EXPECT_EQ(m->frontends[0].settings.where("api_key"), "--set");
}

TEST(CliFlags, BadFlagValueIsReportedLikeAnyOverride) {
  std::vector<std::string> args = {"--quantization", "fp8"};
  Result<std::vector<std::string>> overrides = translate_cli_flags(args);
  ASSERT_TRUE(overrides.ok());
  Result<Manifest> m = parse_manifest(default_manifest_text(), "<default>", *overrides);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "--set: [quant] scheme must be one of \"auto\", \"none\", \"awq\", \"gptq\", got "
            "\"fp8\"");
}

}  // namespace
}  // namespace plexus
