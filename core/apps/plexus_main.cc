// plexus — serve large language models from a TOML manifest.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"

namespace plexus::cli {

int fail(const std::string& message, int code) {
  std::fprintf(stderr, "plexus: %s\n", message.c_str());
  return code;
}

namespace {

constexpr const char* kHelp = R"(usage: plexus <command> [arguments]

commands:
  serve [MANIFEST]     start the deployment's front ends (no MANIFEST: the built-in default,
                       SmolLM2-135M-Instruct on CPU, HTTP on 127.0.0.1:8000)
  run [MANIFEST]       answer one prompt, streamed to stdout: --prompt TEXT or the prompt on
                       stdin; --raw skips the chat template; --max-tokens N (default 256).
                       On a terminal without --prompt: the stdin front end
  plugins [MANIFEST]   list every plugin found: kind, name, version, ABI, path, and why any
                       was refused
  validate MANIFEST    check a manifest and its plugins' settings; --print shows the result
  plan [MANIFEST]      parameters, weight bytes per scheme, KV bytes per token and the memory
                       plan (KV capacity, concurrency), from the config alone (no weights read)
  bench [MANIFEST]     offline throughput and TTFT/TPOT percentiles: --num-prompts N (64),
                       --input-len N (128), --output-len N (64), --concurrency N (8),
                       --seed N, --json FILE
  tokenize TEXT        print the token ids of TEXT (--no-special-tokens: no BOS)
  detokenize ID...     print the text of token ids (--skip-special-tokens)
                       Both use --model PATH (GGUF, tokenizer.json or HF folder), else the
                       default manifest's model.

options for serve, run, bench, plan, plugins and validate:
  --set SECTION.KEY=VALUE       override a manifest key (repeatable)
  --model PATH                  use this GGUF file or Hugging Face folder
  --plugin-path DIR             look for plugins in DIR first (repeatable)
  --tensor-parallel-size N, --gpu-memory-utilization X, --max-model-len N,
  --quantization awq|gptq|none, --host H, --port N, --api-key KEY
                                vLLM's flags, mapped onto the same manifest keys

  --version            print the version
  --help               print this help

environment: PLEXUS_LOG=debug|info|warn|error sets the log level; PLEXUS_PLUGIN_PATH adds
plugin folders (colon-separated). Documentation: docs/manifest.md, docs/plugins.md.
)";

}  // namespace
}  // namespace plexus::cli

int main(int argc, char** argv) {
  using namespace plexus::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kHelp, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("plexus %s\n", PLEXUS_VERSION);
    return 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "serve") return command_serve(args, false);
  if (command == "run") return command_run(args);
  if (command == "plugins") return command_plugins(args);
  if (command == "validate") return command_validate(args);
  if (command == "tokenize") return command_tokenize(args);
  if (command == "plan") return command_plan(args);
  if (command == "bench") return command_bench(args);
  if (command == "detokenize") return command_detokenize(args);
  return fail("unknown command '" + command + "' (see plexus --help)", 2);
}
