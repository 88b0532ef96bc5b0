// A/B of two builds of the packed kernels in one process, alternated call by call.
//
// This box's speed drifts 10-30% between runs minutes apart, more than most kernel changes are
// worth, so timing the old and the new build in separate runs cannot tell them apart. Here both
// builds of libplexus_core.so are loaded side by side (dlmopen, each in its own namespace) and
// called in turn on the same inputs, so drift hits both alike: each round times a few calls of
// A, then of B, and the result is the median over rounds of time(A) / time(B) (> 1: B faster).
// Both run on one ThreadPool built here (from the plexus_core this tool links), so no idle
// worker of one build spins while the other runs; the two builds must agree on ThreadPool's
// layout.
//
//   cp build/lib/libplexus_core.so.0 /tmp/a.so       # before the change
//   ... change, rebuild ...
//   cmake --build build --target plexus_quant_ab
//   build/bin/plexus_quant_ab /tmp/a.so build/lib/libplexus_core.so.0 [--n 2048] [--k 5632]
//       [--rows 8] [--rounds 40] [--threads 2] [--f32] [--bits 4] [--group 128]
//
// Random GPTQ-layout codes, as plexus_quant_bench uses; the outputs of A and B are compared too
// (bit for bit: both promise the same float sequence).
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "plexus/dtype.h"
#include "quant_gemm.h"
#include "thread_pool.h"

namespace {

using plexus::kernels::QuantMatrix;
using plexus::kernels::ThreadPool;
using Kernel = plexus::Status (*)(const float*, const QuantMatrix&, const float*, float*,
                                  std::int64_t, ThreadPool*);
// The symbols' mangled names; the asserts fail to compile when a signature changes.
static_assert(std::is_same_v<decltype(&plexus::kernels::quant_gemm), Kernel>);
static_assert(std::is_same_v<decltype(&plexus::kernels::quant_gemm_q8), Kernel>);
constexpr const char* kF32 =
    "_ZN6plexus7kernels10quant_gemmEPKfRKNS0_11QuantMatrixES2_PflPNS0_10ThreadPoolE";
constexpr const char* kInt8 =
    "_ZN6plexus7kernels13quant_gemm_q8EPKfRKNS0_11QuantMatrixES2_PflPNS0_10ThreadPoolE";

Kernel load(const char* path, const char* symbol) {
  void* lib = dlmopen(LM_ID_NEWLM, path, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    std::fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
    std::exit(2);
  }
  auto* fn = reinterpret_cast<Kernel>(dlsym(lib, symbol));
  if (fn == nullptr) {
    std::fprintf(stderr, "%s has no %s\n", path, symbol);
    std::exit(2);
  }
  return fn;
}

double seconds_of(Kernel fn, const std::vector<float>& x, const QuantMatrix& w,
                  std::vector<float>& y, std::int64_t rows, ThreadPool& pool, int calls) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) {
    if (!fn(x.data(), w, nullptr, y.data(), rows, &pool).ok()) {
      std::fprintf(stderr, "the kernel refused the matrix\n");
      std::exit(2);
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / calls;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s A.so B.so [--n N] [--k K] [--rows M] [--rounds R] "
                 "[--threads T] [--bits B] [--group G] [--f32]\n",
                 argv[0]);
    return 2;
  }
  std::int64_t n = 2048, k = 5632, rows = 8, group = 128;
  int rounds = 40, threads = 2, bits = 4;
  bool int8 = true;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::atoll(argv[++i]) : 0; };
    if (a == "--n")
      n = next();
    else if (a == "--k")
      k = next();
    else if (a == "--rows")
      rows = next();
    else if (a == "--rounds")
      rounds = int(next());
    else if (a == "--threads")
      threads = int(next());
    else if (a == "--bits")
      bits = int(next());
    else if (a == "--group")
      group = next();
    else if (a == "--f32")
      int8 = false;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  const char* symbol = int8 ? kInt8 : kF32;
  const Kernel kernel[2] = {load(argv[1], symbol), load(argv[2], symbol)};

  // Random codes, zeros and scales in the GPTQ layout; the values do not change the speed.
  std::mt19937 rng(7);
  const int per = 32 / bits;
  std::vector<std::uint32_t> codes(std::size_t(k / per * n)),
      zeros(std::size_t(k / group * n / per));
  for (auto& c : codes) c = rng();
  for (auto& z : zeros) z = rng();
  std::vector<std::uint16_t> scales(std::size_t(k / group * n));
  std::uniform_real_distribution<float> scale(0.001f, 0.05f), value(-1.0f, 1.0f);
  for (auto& s : scales) s = plexus::f32_to_f16(scale(rng));
  QuantMatrix w;
  w.layout = plexus::kernels::QuantLayout::kGptq;
  w.bits = bits;
  w.n = n;
  w.k = k;
  w.group_size = group;
  w.codes = codes.data();
  w.zeros = zeros.data();
  w.scales = scales.data();
  std::vector<float> x(std::size_t(rows * k));
  for (float& v : x) v = value(rng);

  ThreadPool pool(threads);
  std::vector<float> y[2] = {std::vector<float>(std::size_t(rows * n)),
                             std::vector<float>(std::size_t(rows * n))};
  for (int v = 0; v < 2; ++v) seconds_of(kernel[v], x, w, y[v], rows, pool, 1);  // warm-up
  const bool same = std::memcmp(y[0].data(), y[1].data(), y[0].size() * sizeof(float)) == 0;
  std::vector<double> t[2], ratio;
  for (int r = 0; r < rounds; ++r) {
    for (int v = 0; v < 2; ++v) t[v].push_back(seconds_of(kernel[v], x, w, y[v], rows, pool, 3));
    ratio.push_back(t[0].back() / t[1].back());
  }
  std::sort(ratio.begin(), ratio.end());
  std::printf("%s, %d-bit g%lld, N=%lld K=%lld, %lld rows, %d threads, %d rounds\n",
              int8 ? "quant_gemm_q8" : "quant_gemm", bits, static_cast<long long>(group),
              static_cast<long long>(n), static_cast<long long>(k), static_cast<long long>(rows),
              threads, rounds);
  for (int v = 0; v < 2; ++v) {
    std::sort(t[v].begin(), t[v].end());
    const double median = t[v][t[v].size() / 2];
    std::printf("%c %s: median %.3f ms, %.1f GMAC/s\n", 'A' + v, argv[1 + v], median * 1e3,
                double(rows * n * k) / median / 1e9);
  }
  std::printf("time(A) / time(B) per round: median %.3f (quartiles %.3f-%.3f)\n",
              ratio[ratio.size() / 2], ratio[ratio.size() / 4], ratio[3 * ratio.size() / 4]);
  std::printf("outputs %s\n", same ? "bit-identical" : "DIFFER");
  return same ? 0 : 1;
}
