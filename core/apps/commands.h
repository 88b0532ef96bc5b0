// The plexus subcommands. Each takes the arguments after its name and returns the exit code.
#pragma once

#include <string>
#include <vector>

namespace plexus::cli {

int command_plugins(const std::vector<std::string>& argv);
int command_validate(const std::vector<std::string>& argv);
// `serve` runs the manifest's front ends; `run` replaces them with frontend-stdin.
// `tokenize TEXT...` prints token ids; `detokenize ID...` prints the text back.
int command_tokenize(const std::vector<std::string>& argv);
int command_detokenize(const std::vector<std::string>& argv);
// `run --prompt TEXT` (or a prompt on stdin) streams one greedy answer to stdout.
int command_run(const std::vector<std::string>& argv);
// `plan`: parameters, weight and KV-cache sizes from the config alone.
int command_plan(const std::vector<std::string>& argv);
int command_serve(const std::vector<std::string>& argv, bool stdin_frontend);
// `bench`: offline throughput and latency percentiles of the engine on random prompts.
int command_bench(const std::vector<std::string>& argv);

// Prints "plexus: <message>" to stderr and returns 1 (or 2 for usage errors).
int fail(const std::string& message, int code = 1);

}  // namespace plexus::cli
