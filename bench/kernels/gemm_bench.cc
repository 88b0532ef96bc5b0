// GEMV/GEMM throughput of plexus::kernels::gemm against OpenBLAS for SmolLM2-135M shapes.
// Not a test and not run in CI: bench/kernels/results.md has the command and the numbers.
//
// Usage: plexus_kernels_bench [--reps N] [--only NAME-SUBSTRING] [--cold 1]
// For each shape (M tokens, K in, N out), weight dtype and thread count (1, 2) it prints the
// median of N timed runs as GFLOP/s (2*M*N*K) and GB/s (weight bytes + activations read once).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu_features.h"
#include "gemm.h"
#include "plexus/dtype.h"
#include "thread_pool.h"

namespace {

using plexus::DType;
namespace k = plexus::kernels;

struct Shape {
  const char* name;
  std::int64_t M, K, N;
};

template <typename Fn>
double median_seconds(int reps, Fn&& fn) {
  fn();  // warm-up (page faults, pool start)
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto a = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void report(const char* impl, const Shape& s, const char* dtype, int threads, double sec,
            double weight_bytes) {
  const double flops = 2.0 * double(s.M) * double(s.N) * double(s.K);
  const double bytes = weight_bytes + 4.0 * double(s.M) * double(s.K + s.N);
  std::printf("| %-22s | %4lld | %5lld | %5lld | %-4s | %d | %-8s | %9.1f | %8.2f | %7.1f |\n",
              s.name, (long long)s.M, (long long)s.K, (long long)s.N, dtype, threads, impl,
              sec * 1e6, flops / sec / 1e9, bytes / sec / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 50;
  const char* only = nullptr;  // --only SUBSTRING: the shapes whose name contains it
  bool cold = false;           // --cold: weights come from memory, not cache, as in a model
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--only") == 0) only = argv[i + 1];
    if (std::strcmp(argv[i], "--cold") == 0) cold = std::atoi(argv[i + 1]) != 0;
  }
  // SmolLM2-135M: hidden 576, intermediate 1536, 9 heads / 3 KV heads of 64, vocab 49152.
  const std::vector<Shape> shapes = {
      {"q_proj/o_proj", 1, 576, 576},      {"k_proj/v_proj", 1, 576, 192},
      {"gate/up_proj", 1, 576, 1536},      {"down_proj", 1, 1536, 576},
      {"lm_head", 1, 576, 49152},          {"q_proj 32 seqs", 32, 576, 576},
      {"gate/up 32 seqs", 32, 576, 1536},  {"down 32 seqs", 32, 1536, 576},
      {"lm_head 32 seqs", 32, 576, 49152}, {"gate/up prefill 64", 64, 576, 1536},
      {"down prefill 64", 64, 1536, 576},  {"gate/up prefill 256", 256, 576, 1536},
  };
  std::printf("isa: %s, blas: %s, median of %d runs\n\n",
              std::string(k::cpu_isa_name(k::active_cpu_isa())).c_str(),
              k::blas_available() ? "openblas" : "none", reps);
  std::printf("| shape | M | K | N | W | thr | impl | us | GFLOP/s | GB/s |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (const Shape& s : shapes) {
    if (only != nullptr && std::strstr(s.name, only) == nullptr) continue;
    std::vector<float> x(std::size_t(s.M * s.K)), w(std::size_t(s.N * s.K)),
        y(std::size_t(s.M * s.N));
    for (auto& v : x) v = dist(rng);
    for (auto& v : w) v = dist(rng);
    std::vector<std::uint16_t> wb(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) wb[i] = plexus::f32_to_bf16(w[i]);
    // --cold: enough copies of the weights (256 MiB) that each run finds its copy out of cache.
    const std::size_t copies =
        cold ? std::max<std::size_t>(1, (std::size_t{256} << 20) / (4 * w.size())) : 1;
    std::vector<std::vector<float>> wc(copies, w);
    std::vector<std::vector<std::uint16_t>> wbc(copies, wb);
    std::size_t turn = 0;
    auto f32_w = [&] { return wc[turn++ % copies].data(); };
    auto bf16_w = [&] { return wbc[turn++ % copies].data(); };
    for (int threads : {1, 2}) {
      k::ThreadPool pool(threads);
      auto run = [&](const void* wp, DType dt) {
        if (!k::gemm(x.data(), wp, dt, nullptr, y.data(), s.M, s.N, s.K, &pool).ok()) std::abort();
      };
      report("plexus", s, "f32", threads, median_seconds(reps, [&] { run(f32_w(), DType::kF32); }),
             4.0 * double(w.size()));
      report("plexus", s, "bf16", threads,
             median_seconds(reps, [&] { run(bf16_w(), DType::kBF16); }), 2.0 * double(w.size()));
      if (k::blas_available()) {
        k::set_blas_num_threads(threads);
        report(
            "openblas", s, "f32", threads,
            median_seconds(
                reps,
                [&] {
                  if (!k::gemm_blas_f32(x.data(), f32_w(), nullptr, y.data(), s.M, s.N, s.K).ok())
                    std::abort();
                }),
            4.0 * double(w.size()));
      }
    }
  }
  return 0;
}
