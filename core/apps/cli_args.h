// Command-line arguments shared by the plexus subcommands: positional arguments, --set
// overrides and the vLLM-style flags (translated by the manifest component), --plugin-path.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plexus/status.h"

namespace plexus::cli {

struct Args {
  std::vector<std::string> positional;
  std::vector<std::string> overrides;     // "section.key=value", in command-line order
  std::vector<std::string> plugin_paths;  // --plugin-path DIR (repeatable)
  std::string model;                      // --model PATH (a model without a manifest)
  bool print = false;                     // --print (validate: show the effective manifest)
  bool no_special_tokens = false;         // --no-special-tokens (tokenize: no BOS etc.)
  bool skip_special_tokens = false;       // --skip-special-tokens (detokenize)
  std::optional<std::string> prompt;      // --prompt TEXT (run)
  bool raw = false;                       // --raw (run: no chat template)
  int max_tokens = 256;                   // --max-tokens N (run)
  // bench: N prompts of input_len random tokens, output_len tokens each, concurrency in flight.
  int num_prompts = 64;   // --num-prompts N
  int input_len = 128;    // --input-len N
  int output_len = 64;    // --output-len N
  int concurrency = 8;    // --concurrency N
  std::string json_path;  // --json FILE
  int seed = 0;           // --seed N
};

// Parses everything after the subcommand. Unknown flags are an error naming the flag.
Result<Args> parse_args(std::vector<std::string> argv);

}  // namespace plexus::cli
