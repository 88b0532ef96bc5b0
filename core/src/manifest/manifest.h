// manifest.h — the deployment manifest: one TOML file that says which model to serve, on which
// devices, with which plugins (docs/manifest.md is the user's reference).
//
// Contract:
// - `parse_manifest` / `load_manifest_file` return a fully validated Manifest or one
//   InvalidArgument Status listing every mistake, one per line, in file order, each as
//   "<source>:<line>:<column>: <what is wrong>[; did you mean '<key>'?]". Overrides are applied
//   to the TOML tree before validation, so they are checked exactly like file content; their
//   location is "--set".
// - Every key has a default; only [model] path is required. [[frontend]] tables are checked
//   for `plugin` and for value types only: the frontend plugin checks its own keys through the
//   ConfigView it is handed, which keeps each value's location.
// - Relative paths ([model] path, tokenizer, chat_template files, [plugins] search_paths) are
//   kept as written and also resolved against the manifest's folder (against the working
//   directory for values given with --set or when there is no folder).
// - Malformed input of any size gives an error, never an exception or a crash.
// Thread safety: a Manifest is a value; the functions keep no state.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/config_view.h"
#include "plexus/device.h"
#include "plexus/dtype.h"
#include "plexus/status.h"

namespace plexus {

enum class QuantMethod { kAuto, kNone, kAwq, kGptq };

// "auto", "none", "awq", "gptq".
std::string_view quant_method_name(QuantMethod scheme);
// The plugin that implements `scheme` when the manifest names none: "quant-awq", "quant-gptq";
// "" for kNone (built in) and kAuto (decided once the checkpoint's quantization is known).
std::string_view default_quant_plugin(QuantMethod scheme);

struct ModelSection {
  std::string path;                // as written: a GGUF file or a Hugging Face directory
  std::string resolved_path;       // relative to the manifest's folder
  std::string served_name;         // default: the stem of `path` ("SmolLM2-135M-Instruct.Q4_1")
  std::optional<DType> dtype;      // compute dtype; nullopt = "auto" (f32 on CPU, bf16 on GPU)
  std::int64_t max_model_len = 0;  // 0 = from the model's config
  // "" = the model's own template. Text containing "{{" or "{%" is the template itself,
  // anything else is a file path (resolved like `path`).
  std::string chat_template;
  std::string resolved_chat_template;
  std::string tokenizer;  // "" = the model's own; else a tokenizer.json or GGUF path
  std::string resolved_tokenizer;
  std::string plugin = "models-deepseek";

  bool chat_template_is_inline() const;
};

struct QuantSection {
  QuantMethod scheme = QuantMethod::kAuto;
  // As written, else default_quant_plugin(scheme) ("" while the scheme is auto or none).
  std::string plugin;
  // "f32" or "int8": the activations packed layers multiply by (plugins/quant-gptq/
  // packed_kernel.h); passed to the quant plugin.
  std::string activations = "f32";
};

struct DevicesSection {
  DeviceKind backend = DeviceKind::kCpu;
  int tensor_parallel = 1;              // 1..64
  double gpu_memory_utilization = 0.9;  // (0, 1]
  std::uint64_t cpu_kv_cache_bytes = 2ull << 30;
  int threads = 0;  // 0 = every core
};

struct SchedulerSection {
  int max_num_seqs = 64;
  std::int64_t max_num_batched_tokens = 2048;
  bool prefix_caching = true;
  int block_size = 16;  // tokens per KV block; a power of two, 1..256
};

struct FrontendSection {
  std::string plugin;   // "frontend-http", "frontend-stdin", ...
  ConfigView settings;  // every key of the table, `plugin` included, with its location
};

struct PluginsSection {
  std::vector<std::string> search_paths;           // as written
  std::vector<std::string> resolved_search_paths;  // relative to the manifest's folder
};

struct LoggingSection {
  std::string level = "info";  // trace | debug | info | warn | error | off
};

struct Manifest {
  std::string source;    // the file path, or the name given to parse_manifest
  std::string base_dir;  // folder that relative paths are resolved against ("" = working dir)

  ModelSection model;
  QuantSection quant;
  DevicesSection devices;
  SchedulerSection scheduler;
  std::vector<FrontendSection> frontends;
  PluginsSection plugins;
  LoggingSection logging;

  // Where each key that was set came from: "model.path" -> "m.toml:2:1" or "--set"; frontend
  // keys are "frontend.N.key". Keys left at their default are absent.
  std::map<std::string, std::string, std::less<>> locations;

  // locations' entry for `dotted_key`, or "default".
  std::string where(std::string_view dotted_key) const;

  // What a plugin is handed: every key of the section with its effective value (defaults
  // included, written "default" as their location).
  ConfigView model_view() const;
  ConfigView quant_view() const;

  // A complete manifest in canonical form (every key, schema order) that parses back to an
  // equal Manifest; what `plexus validate --print` shows.
  std::string to_toml() const;
};

// The manifest used when none is given: SmolLM2-135M-Instruct (Q4_1 GGUF) on the CPU, served
// by frontend-http on 127.0.0.1:8000 with the API key read from PLEXUS_API_KEY.
std::string_view default_manifest_text();

// Parses and validates manifest text. `source_name` prefixes locations in messages; relative
// paths are resolved against `base_dir` ("" = leave them relative to the working directory).
// `overrides` are "section.key=value" strings (see apply order in the contract above):
//   devices.tensor_parallel=2   quant.scheme=awq   plugins.search_paths=["a","b"]
//   frontend.port=9000 (the first [[frontend]])   frontend.1.host=0.0.0.0 (0-based)
// The value is read as a TOML value when it is one (2, 0.8, true, "x", ["a"]), else as a bare
// string (models/x.gguf, 0.0.0.0).
Result<Manifest> parse_manifest(std::string_view toml_text, std::string_view source_name,
                                const std::vector<std::string>& overrides,
                                std::string_view base_dir = {});

// Reads `path` (NotFound / IoError when it cannot) and parses it with base_dir = its folder.
Result<Manifest> load_manifest_file(const std::string& path,
                                    const std::vector<std::string>& overrides);

// Recognises the vLLM-style flags and turns them into overrides, removing them from `args`
// (anything else, including unknown flags, stays for the caller):
//   --tensor-parallel-size N, -tp N   -> devices.tensor_parallel
//   --gpu-memory-utilization X       -> devices.gpu_memory_utilization
//   --max-model-len N                -> model.max_model_len
//   --quantization awq|gptq|none     -> quant.scheme
//   --port N, --host H, --api-key K  -> frontend.port, frontend.host, frontend.api_key
//   --served-model-name S            -> model.served_name
//   --dtype auto|half|float16|bfloat16|float|float32 -> model.dtype (as f16, bf16, f32)
//   --max-num-seqs N, --max-num-batched-tokens N, --block-size N -> [scheduler]
//   --enable-prefix-caching, --no-enable-prefix-caching -> scheduler.prefix_caching
//   --set section.key=value          -> itself
// Both "--flag value" and "--flag=value" work. InvalidArgument when a flag lacks its value.
Result<std::vector<std::string>> translate_cli_flags(std::vector<std::string>& args);

}  // namespace plexus
