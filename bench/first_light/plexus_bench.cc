// First-light throughput of a plexus model on the CPU: prefill tokens/s of a long prompt and
// single-stream greedy decode tokens/s, through the same path `plexus run` uses (the model
// plugin, open_weight_source, the dense quant scheme, engine::generate_greedy). Prints one JSON
// object. bench/first_light/run.sh runs it beside llama.cpp on the same token ids.
//
// Usage:
//   plexus_first_light_bench --model M.gguf --text FILE --ids-out IDS.json --tokenize-only
//       [--prompt-tokens 512]          (tokenizes FILE with the GGUF's tokenizer, keeps the
//                                       first N ids, writes them as a JSON array, exits)
//   plexus_first_light_bench --model M.gguf --ids IDS.json [--threads N] [--repeats R]
//       [--prompt-tokens 512] [--decode-prompt-tokens 16] [--decode-tokens 64] [--plugin SO]
//
// Prefill is timed as llama.cpp's is: one forward over the whole prompt that produces only the
// last position's logits (generate_greedy with max_tokens 1, stopped at the first logits).
// Decode is timed between the logits of the first and the last of decode-tokens + 1 greedy
// steps, so it covers exactly decode-tokens one-token forwards (argmax included, as in the
// llama.cpp loop). Each is repeated; the JSON holds every run and the median.
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/single_sequence.h"
#include "plexus/quant.h"
#include "plexus/tokenizer.h"
#include "plexus/weight_source.h"
#include "plugins/plugin_host.h"

namespace plexus {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string model;
  std::string text;
  std::string ids;
  std::string ids_out;
  std::string plugin;
  bool tokenize_only = false;
  int threads = 1;
  int repeats = 3;
  int prompt_tokens = 512;
  int decode_prompt_tokens = 16;
  int decode_tokens = 64;
};

int usage(const std::string& why) {
  std::cerr << "plexus_first_light_bench: " << why
            << "\nsee the comment at the top of bench/first_light/plexus_bench.cc for usage\n";
  return 2;
}

bool parse(int argc, char** argv, Options& o, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--tokenize-only") {
      o.tokenize_only = true;
      continue;
    }
    if (i + 1 >= argc) {
      error = a + " needs a value";
      return false;
    }
    const std::string v = argv[++i];
    auto number = [&](int& out) {
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || n <= 0 || n > 1000000) {
        error = a + " needs a positive integer, got '" + v + "'";
        return false;
      }
      out = int(n);
      return true;
    };
    if (a == "--model") {
      o.model = v;
    } else if (a == "--text") {
      o.text = v;
    } else if (a == "--ids") {
      o.ids = v;
    } else if (a == "--ids-out") {
      o.ids_out = v;
    } else if (a == "--plugin") {
      o.plugin = v;
    } else if (a == "--threads") {
      if (!number(o.threads)) return false;
    } else if (a == "--repeats") {
      if (!number(o.repeats)) return false;
    } else if (a == "--prompt-tokens") {
      if (!number(o.prompt_tokens)) return false;
    } else if (a == "--decode-prompt-tokens") {
      if (!number(o.decode_prompt_tokens)) return false;
    } else if (a == "--decode-tokens") {
      if (!number(o.decode_tokens)) return false;
    } else {
      error = "unknown option " + a;
      return false;
    }
  }
  if (o.model.empty())
    error = "--model is required";
  else if (o.tokenize_only && (o.text.empty() || o.ids_out.empty()))
    error = "--tokenize-only needs --text and --ids-out";
  else if (!o.tokenize_only && o.ids.empty())
    error = "--ids is required (make it with --tokenize-only)";
  else if (o.decode_prompt_tokens > o.prompt_tokens)
    error = "--decode-prompt-tokens must not exceed --prompt-tokens";
  return error.empty();
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<std::vector<std::int32_t>> read_ids(const std::string& path) {
  PLEXUS_ASSIGN_OR_RETURN(std::string text, read_file(path));
  std::vector<std::int32_t> ids;
  try {
    const boost::json::value parsed = boost::json::parse(text);  // outlives the loop below
    for (const auto& v : parsed.as_array()) ids.push_back(std::int32_t(v.as_int64()));
  } catch (const std::exception& e) {
    return Status::invalid_argument(path + " is not a JSON array of token ids: " + e.what());
  }
  return ids;
}

int tokenize(const Options& o) {
  auto tokenizer = load_tokenizer_gguf(o.model);
  if (!tokenizer.ok()) return usage(tokenizer.status().to_string());
  auto text = read_file(o.text);
  if (!text.ok()) return usage(text.status().to_string());
  std::vector<std::int32_t> ids = (*tokenizer)->encode(*text, false);
  if (ids.size() < std::size_t(o.prompt_tokens)) {
    return usage(o.text + " gives only " + std::to_string(ids.size()) + " tokens; need " +
                 std::to_string(o.prompt_tokens) + ": use a longer text");
  }
  ids.resize(std::size_t(o.prompt_tokens));
  std::ofstream out(o.ids_out);
  out << boost::json::serialize(boost::json::value_from(ids)) << "\n";
  if (!out) return usage("cannot write " + o.ids_out);
  return 0;
}

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Seconds of the prefill forward of `prompt` (logits of its last position only).
Result<double> time_prefill(Model& model, std::span<const std::int32_t> prompt) {
  engine::GreedyOptions options;
  options.max_tokens = 1;
  Clock::time_point done;
  options.observe_logits = [&](std::span<const float>) { done = Clock::now(); };
  const Clock::time_point start = Clock::now();
  PLEXUS_RETURN_IF_ERROR(engine::generate_greedy(model, prompt, options).status());
  return seconds(start, done);
}

// Seconds of `steps` one-token decode forwards after prefilling `prompt`; `ids` gets the greedy
// tokens (compared with llama.cpp's as a check that both run the same model).
Result<double> time_decode(Model& model, std::span<const std::int32_t> prompt, int steps,
                           std::vector<std::int32_t>* ids = nullptr) {
  engine::GreedyOptions options;
  options.max_tokens = steps + 1;
  std::vector<Clock::time_point> stamps;
  stamps.reserve(std::size_t(steps) + 1);
  options.observe_logits = [&](std::span<const float>) { stamps.push_back(Clock::now()); };
  PLEXUS_ASSIGN_OR_RETURN(std::vector<std::int32_t> out,
                          engine::generate_greedy(model, prompt, options));
  if (ids) *ids = std::move(out);
  if (stamps.size() != std::size_t(steps) + 1) {
    return Status::internal("decode stopped after " + std::to_string(stamps.size()) + " steps");
  }
  return seconds(stamps.front(), stamps.back());
}

boost::json::object summarize(const std::vector<double>& secs, int tokens) {
  boost::json::array runs;
  std::vector<double> rates;
  for (double s : secs) {
    runs.push_back(s);
    rates.push_back(tokens / s);
  }
  return {{"tokens", tokens},
          {"seconds", runs},
          {"median_seconds", median(secs)},
          {"median_tokens_per_s", median(rates)}};
}

int run(const Options& o) {
  // The CPU kernels' default thread pool (kernels/cpu/thread_pool.cc) is sized from
  // PLEXUS_NUM_THREADS when it is first used, which is after this point.
  setenv("PLEXUS_NUM_THREADS", std::to_string(o.threads).c_str(), 1);
  auto ids = read_ids(o.ids);
  if (!ids.ok()) return usage(ids.status().to_string());
  if (ids->size() < std::size_t(o.prompt_tokens)) {
    return usage(o.ids + " holds " + std::to_string(ids->size()) + " ids; --prompt-tokens is " +
                 std::to_string(o.prompt_tokens));
  }
  std::string plugin = o.plugin;
  if (plugin.empty()) {
    const auto exe = std::filesystem::read_symlink("/proc/self/exe");
    plugin = (exe.parent_path() / "../lib/plexus/plugins/libplexus-models-deepseek.so").string();
  }

  const Clock::time_point load_start = Clock::now();
  auto weights = open_weight_source(o.model);
  if (!weights.ok()) return usage(weights.status().to_string());
  PluginHost host;
  if (Status s = host.load(plugin); !s.ok()) return usage(s.to_string());
  ConfigView manifest;
  ModelContext context{&(*weights)->config(), &manifest};
  context.weights = weights->get();
  context.quant = &dense_quant_scheme();
  auto model = host.create_model("models-deepseek", context);
  if (!model.ok()) return usage(model.status().to_string());
  const double load_seconds = seconds(load_start, Clock::now());

  const std::span<const std::int32_t> prompt(ids->data(), std::size_t(o.prompt_tokens));
  const std::span<const std::int32_t> short_prompt =
      prompt.first(std::size_t(o.decode_prompt_tokens));
  // Warm-up: first touches of the weights and allocator, not counted.
  if (auto w = time_decode(**model, short_prompt, 2); !w.ok()) return usage(w.status().to_string());

  std::vector<double> prefill, decode;
  std::vector<std::int32_t> greedy;
  for (int r = 0; r < o.repeats; ++r) {
    auto p = time_prefill(**model, prompt);
    if (!p.ok()) return usage(p.status().to_string());
    prefill.push_back(*p);
    auto d = time_decode(**model, short_prompt, o.decode_tokens, &greedy);
    if (!d.ok()) return usage(d.status().to_string());
    decode.push_back(*d);
  }
  boost::json::object out{{"engine", "plexus"},
                          {"model", o.model},
                          {"threads", o.threads},
                          {"repeats", o.repeats},
                          {"load_seconds", load_seconds},
                          {"decode_prompt_tokens", o.decode_prompt_tokens},
                          {"prefill", summarize(prefill, o.prompt_tokens)},
                          {"decode", summarize(decode, o.decode_tokens)},
                          {"greedy_ids", boost::json::value_from(greedy)}};
  std::cout << boost::json::serialize(out) << std::endl;
  return 0;
}

}  // namespace
}  // namespace plexus

int main(int argc, char** argv) {
  plexus::Options o;
  std::string error;
  if (!plexus::parse(argc, argv, o, error)) return plexus::usage(error);
  return o.tokenize_only ? plexus::tokenize(o) : plexus::run(o);
}
