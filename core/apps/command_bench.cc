// `plexus bench [MANIFEST] [--num-prompts N] [--input-len N] [--output-len N]
// [--concurrency N] [--seed N] [--json FILE]`: offline throughput and latency of the engine.
//
// N prompts of random token ids (seeded) are run greedily with ignore_eos, so every request
// produces exactly output_len tokens; at most `concurrency` are in flight, a new one submitted
// as each finishes. Reports requests/s, output and total tokens/s, and TTFT / TPOT / end-to-end
// latency percentiles, and memory: what loading the weights added to the resident set, and the
// process's resident set when the run is over (anonymous and file-backed parts, the KV cache's
// share, the peak); --json writes the same as a JSON object.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>

#include "commands.h"
#include "deployment.h"
#include "plexus/logging.h"

namespace plexus::cli {
namespace {

struct Sample {
  double ttft = 0, tpot = 0, e2e = 0;
  std::int64_t output_tokens = 0;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double rank = p / 100.0 * double(v.size() - 1);
  const std::size_t lo = std::size_t(rank);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - double(lo));
}

boost::json::object summarize(const char* name, const std::vector<double>& v) {
  double mean = 0;
  for (double x : v) mean += x;
  mean = v.empty() ? 0 : mean / double(v.size());
  boost::json::object o{{"mean", mean},
                        {"p50", percentile(v, 50)},
                        {"p90", percentile(v, 90)},
                        {"p99", percentile(v, 99)}};
  std::printf("%-10s mean %8.2f ms   p50 %8.2f ms   p90 %8.2f ms   p99 %8.2f ms\n", name,
              mean * 1e3, percentile(v, 50) * 1e3, percentile(v, 90) * 1e3,
              percentile(v, 99) * 1e3);
  return o;
}

}  // namespace

int command_bench(const std::vector<std::string>& argv) {
  Result<Args> args = parse_args(argv);
  if (!args.ok()) return fail(args.status().message(), 2);
  auto deployment = load_offline_engine(*args);
  if (!deployment.ok()) return fail(deployment.status().message());
  Deployment& d = **deployment;
  EngineClient& engine = *d.engine;
  if (args->input_len + args->output_len > engine.max_model_len()) {
    return fail("--input-len + --output-len (" +
                std::to_string(args->input_len + args->output_len) + ") is over max_model_len " +
                std::to_string(engine.max_model_len()));
  }

  // Random prompts away from the vocabulary's ends, where special tokens usually sit.
  const std::int32_t vocab = std::int32_t(d.model->summary().vocab_size);
  std::mt19937_64 rng(std::uint64_t(args->seed));
  std::uniform_int_distribution<std::int32_t> pick(std::min(vocab - 1, 256),
                                                   std::max(vocab - 257, std::min(vocab - 1, 256)));
  std::vector<std::vector<std::int32_t>> prompts(std::size_t(args->num_prompts));
  for (auto& p : prompts) {
    p.resize(std::size_t(args->input_len));
    for (auto& t : p) t = pick(rng);
  }
  SamplingParams params;
  params.temperature = 0;
  params.ignore_eos = true;
  params.max_tokens = args->output_len;

  std::mutex mu;
  std::condition_variable cv;
  std::vector<Sample> samples;
  std::size_t next = 0, in_flight = 0;
  Status error;
  const auto start = std::chrono::steady_clock::now();
  std::function<void()> submit_next;
  auto on_event = [&](const TokenEvent& e) {
    if (!e.last) return;
    std::lock_guard lock(mu);
    if (e.finish_reason == "error") error = e.error;
    Sample s;
    s.ttft = e.metrics.first_token_seconds;
    s.e2e = e.metrics.e2e_seconds;
    s.output_tokens = e.metrics.output_tokens;
    s.tpot = s.output_tokens > 1 ? (s.e2e - s.ttft) / double(s.output_tokens - 1) : 0;
    samples.push_back(s);
    --in_flight;
    cv.notify_all();
  };
  {
    std::unique_lock lock(mu);
    while (samples.size() < prompts.size() && error.ok()) {
      while (next < prompts.size() && in_flight < std::size_t(args->concurrency)) {
        ++in_flight;
        const std::size_t i = next++;
        lock.unlock();
        auto id = engine.submit(prompts[i], params, on_event);
        lock.lock();
        if (!id.ok()) return fail(id.status().message());
      }
      cv.wait(lock, [&] {
        return !error.ok() || samples.size() == prompts.size() ||
               (in_flight < std::size_t(args->concurrency) && next < prompts.size());
      });
    }
  }
  if (!error.ok()) return fail(error.message());
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::int64_t output_tokens = 0;
  std::vector<double> ttft, tpot, e2e;
  for (const Sample& s : samples) {
    output_tokens += s.output_tokens;
    ttft.push_back(s.ttft);
    tpot.push_back(s.tpot);
    e2e.push_back(s.e2e);
  }
  const std::int64_t input_tokens = std::int64_t(prompts.size()) * args->input_len;
  std::printf("plexus bench: %d prompts x %d input tokens, %d output tokens each, concurrency %d\n",
              args->num_prompts, args->input_len, args->output_len, args->concurrency);
  std::printf("elapsed    %.3f s\nrequests/s %.3f\noutput tok/s %.2f\ntotal tok/s %.2f\n", elapsed,
              double(samples.size()) / elapsed, double(output_tokens) / elapsed,
              double(output_tokens + input_tokens) / elapsed);
  boost::json::object result{{"num_prompts", args->num_prompts},
                             {"input_len", args->input_len},
                             {"output_len", args->output_len},
                             {"concurrency", args->concurrency},
                             {"elapsed_s", elapsed},
                             {"requests_per_s", double(samples.size()) / elapsed},
                             {"output_tokens_per_s", double(output_tokens) / elapsed},
                             {"total_tokens_per_s", double(output_tokens + input_tokens) / elapsed},
                             {"output_tokens", output_tokens}};
  result["ttft_s"] = summarize("TTFT", ttft);
  result["tpot_s"] = summarize("TPOT", tpot);
  result["e2e_s"] = summarize("E2E", e2e);
  // Read before anything is freed: what serving this load held. The KV cache is allocated and
  // zeroed whole at start-up; weights_bytes is the growth of the resident set while the model
  // loaded (the checkpoint's mapped pages released), so it counts what the weights really hold,
  // e.g. none of an embedding table read in place.
  const ProcessMemory now = read_process_memory();
  const std::int64_t kv = d.plan.kv_tokens * d.plan_input.kv_bytes_per_token;
  const std::int64_t weights = d.after_weights.rss - d.before_weights.rss;
  result["memory"] = boost::json::object{
      {"rss_bytes", now.rss},           {"rss_anon_bytes", now.anon}, {"rss_file_bytes", now.file},
      {"peak_rss_bytes", now.peak_rss}, {"kv_cache_bytes", kv},       {"weights_bytes", weights}};
  std::printf("memory     weights %s, resident %s (anonymous %s, file %s, KV cache %s), peak %s\n",
              human_bytes(weights).c_str(), human_bytes(now.rss).c_str(),
              human_bytes(now.anon).c_str(), human_bytes(now.file).c_str(), human_bytes(kv).c_str(),
              human_bytes(now.peak_rss).c_str());
  const EngineStats stats = engine.stats();
  result["preemptions"] = stats.preemptions;
  result["prefix_cache_hit_tokens"] = stats.prefix_cache_hits;
  if (!args->json_path.empty()) {
    std::ofstream out(args->json_path);
    out << boost::json::serialize(result) << "\n";
    if (!out) return fail("cannot write " + args->json_path);
  }
  return 0;
}

}  // namespace plexus::cli
