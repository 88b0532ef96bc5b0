// The manifest's happy paths: defaults, the built-in manifest, overrides, paths, the examples.
#include "manifest/manifest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

namespace plexus {
namespace {

Manifest parse_ok(std::string_view text, const std::vector<std::string>& overrides = {}) {
  Result<Manifest> r = parse_manifest(text, "m.toml", overrides);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : Manifest{};
}

TEST(Manifest, EveryKeyButPathHasADefault) {
  const Manifest m = parse_ok("[model]\npath = \"models/tiny.gguf\"\n");
  EXPECT_EQ(m.model.path, "models/tiny.gguf");
  EXPECT_EQ(m.model.resolved_path, "models/tiny.gguf");
  EXPECT_EQ(m.model.served_name, "tiny");
  EXPECT_FALSE(m.model.dtype.has_value());
  EXPECT_EQ(m.model.max_model_len, 0);
  EXPECT_EQ(m.model.chat_template, "");
  EXPECT_EQ(m.model.tokenizer, "");
  EXPECT_EQ(m.model.plugin, "models-deepseek");
  EXPECT_EQ(m.quant.scheme, QuantMethod::kAuto);
  EXPECT_EQ(m.quant.plugin, "");
  EXPECT_EQ(m.devices.backend, DeviceKind::kCpu);
  EXPECT_EQ(m.devices.tensor_parallel, 1);
  EXPECT_EQ(m.devices.gpu_memory_utilization, 0.9);
  EXPECT_EQ(m.devices.cpu_kv_cache_bytes, 2ull << 30);
  EXPECT_EQ(m.devices.threads, 0);
  EXPECT_EQ(m.scheduler.max_num_seqs, 64);
  EXPECT_EQ(m.scheduler.max_num_batched_tokens, 2048);
  EXPECT_TRUE(m.scheduler.prefix_caching);
  EXPECT_EQ(m.scheduler.block_size, 16);
  EXPECT_TRUE(m.frontends.empty());
  EXPECT_TRUE(m.plugins.search_paths.empty());
  EXPECT_EQ(m.logging.level, "info");
  EXPECT_EQ(m.where("model.path"), "m.toml:2:1");
  EXPECT_EQ(m.where("devices.backend"), "default");
}

TEST(Manifest, ServedNameDefaultsToTheStemOfThePath) {
  EXPECT_EQ(parse_ok("[model]\npath = \"/m/deepseek-coder-33b-instruct/\"\n").model.served_name,
            "deepseek-coder-33b-instruct");
  EXPECT_EQ(parse_ok("[model]\npath = \"Qwen2.5-7B\"\n").model.served_name, "Qwen2.5-7B");
  EXPECT_EQ(parse_ok("[model]\npath = \"a/b.gguf\"\nserved_name = \"x\"\n").model.served_name, "x");
}

TEST(Manifest, EveryKeyIsRead) {
  const Manifest m = parse_ok(R"(
[model]
path = "m.gguf"
dtype = "bf16"
max_model_len = 16384
chat_template = "{{ messages }}"
plugin = "models-other"
[quant]
scheme = "awq"
plugin = "quant-awq-fast"
[devices]
backend = "cuda"
tensor_parallel = 4
gpu_memory_utilization = 1
cpu_kv_cache = 1048576
threads = 8
[scheduler]
max_num_seqs = 128
max_num_batched_tokens = 8192
prefix_caching = false
block_size = 32
[logging]
level = "debug"
)");
  EXPECT_EQ(m.model.dtype, DType::kBF16);
  EXPECT_EQ(m.model.max_model_len, 16384);
  EXPECT_TRUE(m.model.chat_template_is_inline());
  EXPECT_EQ(m.model.resolved_chat_template, "{{ messages }}");
  EXPECT_EQ(m.model.plugin, "models-other");
  EXPECT_EQ(m.quant.scheme, QuantMethod::kAwq);
  EXPECT_EQ(m.quant.plugin, "quant-awq-fast");
  EXPECT_EQ(m.devices.backend, DeviceKind::kCuda);
  EXPECT_EQ(m.devices.tensor_parallel, 4);
  EXPECT_EQ(m.devices.gpu_memory_utilization, 1.0);
  EXPECT_EQ(m.devices.cpu_kv_cache_bytes, 1048576u);
  EXPECT_EQ(m.devices.threads, 8);
  EXPECT_EQ(m.scheduler.max_num_seqs, 128);
  EXPECT_EQ(m.scheduler.max_num_batched_tokens, 8192);
  EXPECT_FALSE(m.scheduler.prefix_caching);
  EXPECT_EQ(m.scheduler.block_size, 32);
  EXPECT_EQ(m.logging.level, "debug");
}

TEST(Manifest, QuantPluginDefaultsByScheme) {
  EXPECT_EQ(parse_ok("[model]\npath = \"m\"\n[quant]\nscheme = \"awq\"\n").quant.plugin,
            "quant-awq");
  EXPECT_EQ(parse_ok("[model]\npath = \"m\"\n[quant]\nscheme = \"gptq\"\n").quant.plugin,
            "quant-gptq");
  EXPECT_EQ(parse_ok("[model]\npath = \"m\"\n[quant]\nscheme = \"none\"\n").quant.plugin, "");
}

TEST(Manifest, BuiltInDefaultParses) {
  Result<Manifest> r = parse_manifest(default_manifest_text(), "<default>", {});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const Manifest& m = *r;
  EXPECT_EQ(m.model.path, "models/SmolLM2-135M-Instruct.Q4_1.gguf");
  EXPECT_EQ(m.model.served_name, "smollm2");
  EXPECT_EQ(m.devices.backend, DeviceKind::kCpu);
  ASSERT_EQ(m.frontends.size(), 1u);
  const FrontendSection& f = m.frontends[0];
  EXPECT_EQ(f.plugin, "frontend-http");
  EXPECT_EQ(f.settings.section(), "[[frontend]] #0 (frontend-http)");
  EXPECT_EQ(*f.settings.get_string("host", ""), "127.0.0.1");
  EXPECT_EQ(*f.settings.get_int("port", 0), 8000);
  EXPECT_EQ(*f.settings.get_string("api_key_env", ""), "PLEXUS_API_KEY");
  EXPECT_EQ(f.settings.where("port"), "<default>:26:1");
}

TEST(Manifest, FrontendSettingsKeepTypesAndLocationsForThePlugin) {
  const Manifest m = parse_ok(R"([model]
path = "m"
[[frontend]]
plugin = "frontend-http"
prot = 8000
tls = false
timeout_s = 2.5
origins = ["a", "b"]
)");
  ASSERT_EQ(m.frontends.size(), 1u);
  const ConfigView& v = m.frontends[0].settings;
  EXPECT_FALSE(*v.get_bool("tls", true));
  EXPECT_EQ(*v.get_double("timeout_s", 0), 2.5);
  EXPECT_EQ(*v.get_string_list("origins", {}), (std::vector<std::string>{"a", "b"}));
  // The plugin refuses its own unknown keys, pointing at the manifest line.
  const Status s = v.check_keys({"plugin", "host", "port", "tls", "timeout_s", "origins"});
  EXPECT_EQ(s.message(),
            "m.toml:5:1: unknown key 'prot' in [[frontend]] #0 (frontend-http); "
            "did you mean 'port'?");
  EXPECT_EQ(m.where("frontend.0.prot"), "m.toml:5:1");
}

TEST(Manifest, OverridesChangeValuesAndRecordTheirOrigin) {
  const Manifest m =
      parse_ok(default_manifest_text(),
               {"devices.tensor_parallel=2", "devices.gpu_memory_utilization=0.8",
                "scheduler.prefix_caching=false", "plugins.search_paths=[\"a\",\"b\"]",
                "model.path=other/x.gguf", "frontend.host=0.0.0.0", "frontend.0.port=9000",
                "devices.cpu_kv_cache=\"512MiB\""});
  EXPECT_EQ(m.devices.tensor_parallel, 2);
  EXPECT_EQ(m.devices.gpu_memory_utilization, 0.8);
  EXPECT_FALSE(m.scheduler.prefix_caching);
  EXPECT_EQ(m.plugins.search_paths, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(m.model.path, "other/x.gguf");
  EXPECT_EQ(m.devices.cpu_kv_cache_bytes, 512ull << 20);
  EXPECT_EQ(*m.frontends[0].settings.get_string("host", ""), "0.0.0.0");
  EXPECT_EQ(*m.frontends[0].settings.get_int("port", 0), 9000);
  EXPECT_EQ(m.where("devices.tensor_parallel"), "--set");
  EXPECT_EQ(m.where("frontend.0.port"), "--set");
  EXPECT_EQ(m.where("devices.backend"), "m.toml:12:1");
}

TEST(Manifest, OverridesReachTheNthFrontendAndCreateMissingSections) {
  const Manifest m = parse_ok(R"([model]
path = "m"
[[frontend]]
plugin = "frontend-http"
[[frontend]]
plugin = "frontend-stdin"
)",
                              {"frontend.1.mode=\"jsonl\"", "quant.scheme=gptq"});
  ASSERT_EQ(m.frontends.size(), 2u);
  EXPECT_FALSE(m.frontends[0].settings.has("mode"));
  EXPECT_EQ(*m.frontends[1].settings.get_string("mode", ""), "jsonl");
  EXPECT_EQ(m.quant.scheme, QuantMethod::kGptq);
  EXPECT_EQ(m.where("quant.scheme"), "--set");
}

TEST(Manifest, OverrideValueThatLooksLikeTomlButSmugglesAKeyIsAString) {
  const Manifest m = parse_ok("[model]\npath = \"m\"\n", {"model.served_name=a\nb = 1"});
  EXPECT_EQ(m.model.served_name, "a\nb = 1");
}

TEST(Manifest, RelativePathsResolveAgainstTheManifestsFolder) {
  Result<Manifest> r = load_manifest_file("core/src/manifest/testdata/relative-paths.toml",
                                          {"model.tokenizer=t.json"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->model.path, "models/tiny.gguf");
  EXPECT_EQ(r->model.resolved_path, "core/src/manifest/testdata/models/tiny.gguf");
  EXPECT_EQ(r->model.resolved_chat_template, "core/src/manifest/testdata/templates/chat.jinja");
  // A path given on the command line is relative to the working directory.
  EXPECT_EQ(r->model.resolved_tokenizer, "t.json");
  EXPECT_EQ(
      r->plugins.resolved_search_paths,
      (std::vector<std::string>{"core/src/manifest/testdata/plugins", "/opt/plexus/plugins"}));
  EXPECT_EQ(r->where("model.path"), "core/src/manifest/testdata/relative-paths.toml:3:1");
  const ConfigView v = r->model_view();
  EXPECT_EQ(*v.get_string("path", ""), "core/src/manifest/testdata/models/tiny.gguf");
  EXPECT_EQ(v.where("path"), "core/src/manifest/testdata/relative-paths.toml:3:1");
  EXPECT_EQ(v.where("dtype"), "default");
  EXPECT_EQ(*r->quant_view().get_string("scheme", ""), "auto");
  EXPECT_EQ(*r->quant_view().get_string("activations", ""), "f32");
}

TEST(Manifest, ToTomlParsesBackToTheSameManifest) {
  const Manifest a =
      parse_ok(default_manifest_text(),
               {"quant.scheme=awq", "quant.activations=\"int8\"",
                "devices.cpu_kv_cache=\"1536MiB\"", "devices.gpu_memory_utilization=0.87",
                "frontend.origins=[\"x\"]", "model.chat_template=\"{% x %}\""});
  const std::string text = a.to_toml();
  const Manifest b = parse_ok(text);
  EXPECT_EQ(b.to_toml(), text);
  EXPECT_EQ(b.quant.plugin, "quant-awq");
  EXPECT_EQ(b.quant.activations, "int8");
  EXPECT_EQ(b.devices.cpu_kv_cache_bytes, 1536ull << 20);
  EXPECT_EQ(b.devices.gpu_memory_utilization, 0.87);
  EXPECT_EQ(*b.frontends[0].settings.get_string_list("origins", {}), std::vector<std::string>{"x"});
  EXPECT_NE(text.find("cpu_kv_cache = \"1536MiB\"\n"), std::string::npos) << text;
}

TEST(Manifest, ToTomlQuotesFrontendKeysThatNeedIt) {
  const Manifest a =
      parse_ok("[model]\npath = \"m\"\n[[frontend]]\nplugin = \"p\"\n\"odd key\" = 1.5\n");
  const std::string text = a.to_toml();
  EXPECT_NE(text.find("\"odd key\" = 1.5\n"), std::string::npos) << text;
  EXPECT_EQ(*parse_ok(text).frontends[0].settings.get_double("odd key", 0), 1.5);
}

TEST(Manifest, ExampleManifestsAllValidate) {
  const std::filesystem::path dir = "examples/manifests";
  ASSERT_TRUE(std::filesystem::is_directory(dir));
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_GE(files.size(), 4u);
  for (const std::string& file : files) {
    Result<Manifest> r = load_manifest_file(file, {});
    EXPECT_TRUE(r.ok()) << file << ": " << r.status().to_string();
  }
}

TEST(Manifest, SmolLm2ExampleIsTheBuiltInDefault) {
  Result<Manifest> example = load_manifest_file("examples/manifests/smollm2-cpu.toml", {});
  Result<Manifest> builtin = parse_manifest(default_manifest_text(), "<default>", {});
  ASSERT_TRUE(example.ok() && builtin.ok()) << example.status().to_string();
  // The example names the model relative to its own folder; everything else is identical.
  EXPECT_EQ(example->model.resolved_path, builtin->model.path);
  example->model.path = builtin->model.path;
  EXPECT_EQ(example->to_toml(), builtin->to_toml());
}

// Truncations and byte flips of a valid manifest: every outcome is a Manifest or an error
// message, never a crash or an exception.
TEST(Manifest, DamagedInputGivesErrorsNotCrashes) {
  const std::string text(default_manifest_text());
  for (std::size_t n = 0; n <= text.size(); ++n) {
    Result<Manifest> r = parse_manifest(text.substr(0, n), "cut.toml", {});
    if (!r.ok()) {
      EXPECT_FALSE(r.status().message().empty());
    }
  }
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string damaged = text;
    for (int k = 0; k < 3; ++k) {
      damaged[rng() % damaged.size()] = static_cast<char>(rng() % 256);
    }
    Result<Manifest> r = parse_manifest(damaged, "flip.toml", {"frontend.port=1"});
    if (!r.ok()) {
      EXPECT_FALSE(r.status().message().empty());
    }
  }
}

}  // namespace
}  // namespace plexus
