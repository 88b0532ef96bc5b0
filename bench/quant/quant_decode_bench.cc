// Decode-step throughput of the linear layers of a ~1B Llama (TinyLlama-1.1B shape: hidden 2048,
// intermediate 5632, 22 layers, 4 KV heads of 64, vocab 32000) on the CPU: dense f32 and bf16
// through kernels::gemm against packed AWQ / GPTQ weights through kernels::quant_gemm (or, for
// formats named "...+int8", kernels::quant_gemm_q8: int8 activations), one token (M = 1) and
// eight concurrent sequences (M = 8) per step.
//
// AWQ runs as quant-awq runs it: repacked at load into GPTQ's word order (same codes, same
// results). The packed codes are random (the fused kernel's speed does not depend on their values);
// the lm_head stays dense bf16 in every quantized run, as AWQ/GPTQ checkpoints keep it. Reports the
// resident bytes of all weights and the median tokens/s over --steps steps (linear layers only:
// at batch 1 they are >95% of a decode step's work at this size).
//
// Build: cmake --build build --target plexus_quant_bench; run: build/bin/plexus_quant_bench
// [--steps N] [--threads T] [--only FORMAT,...] [--rows 1|8] (0 in a column it did not run).
// bench/quant/RESULTS.md has the numbers and the machine.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cpu_features.h"
#include "gemm.h"
#include "plexus/dtype.h"
#include "quant_gemm.h"
#include "thread_pool.h"

namespace {

using plexus::DType;
using namespace plexus::kernels;

struct Shape {
  std::int64_t n, k;
};

constexpr int kLayers = 22;
constexpr std::int64_t kHidden = 2048, kInter = 5632, kKv = 256, kVocab = 32000;
const Shape kLayerShapes[] = {{kHidden, kHidden}, {kKv, kHidden},    {kKv, kHidden},
                              {kHidden, kHidden}, {kInter, kHidden}, {kInter, kHidden},
                              {kHidden, kInter}};

// One layer's weights in some format, and how to run it.
struct Layer {
  Shape s;
  DType dense = DType::kF32;
  std::vector<std::uint8_t> dense_bytes;
  std::vector<std::uint32_t> codes, zeros;
  std::vector<std::uint16_t> scales;
  QuantMatrix q;
  bool quantized = false;
  bool int8 = false;  // quant_gemm_q8
  std::size_t bytes() const {
    return dense_bytes.size() + codes.size() * 4 + zeros.size() * 4 + scales.size() * 2;
  }
  void run(const float* x, float* y, std::int64_t m) const {
    plexus::Status st = !quantized ? gemm(x, dense_bytes.data(), dense, nullptr, y, m, s.n, s.k)
                        : int8     ? quant_gemm_q8(x, q, nullptr, y, m)
                                   : quant_gemm(x, q, nullptr, y, m);
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.to_string().c_str());
      std::exit(1);
    }
  }
};

// splitmix64: fast enough that building a 1B-weight model takes a second, not a minute.
struct Rng {
  std::uint64_t state;
  std::uint64_t operator()() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

Layer make_dense(Shape s, DType dtype, Rng& rng) {
  Layer l;
  l.s = s;
  l.dense = dtype;
  l.dense_bytes.resize(std::size_t(s.n * s.k) * plexus::dtype_size(dtype));
  // Random bytes: values do not change the speed, but keep them finite for f32/bf16.
  for (auto& b : l.dense_bytes) b = std::uint8_t(rng() % 0x3f);
  return l;
}

Layer make_packed(Shape s, QuantLayout layout, int bits, std::int64_t group, Rng& rng) {
  Layer l;
  l.s = s;
  l.quantized = true;
  const std::int64_t groups = (s.k + group - 1) / group;
  if (layout == QuantLayout::kAwqGemm) {
    l.codes.resize(std::size_t(s.k * s.n / 8));
    l.zeros.resize(std::size_t(groups * s.n / 8));
  } else {
    l.codes.resize(std::size_t(s.k * bits / 32 * s.n));
    l.zeros.resize(std::size_t(groups * s.n * bits / 32));
  }
  for (auto& w : l.codes) w = std::uint32_t(rng());
  for (auto& w : l.zeros) w = std::uint32_t(rng());
  l.scales.assign(std::size_t(groups * s.n), plexus::f32_to_f16(0.01f));
  l.q = QuantMatrix{layout, bits, s.n, s.k, group, l.codes.data(), l.zeros.data(), l.scales.data()};
  if (layout == QuantLayout::kAwqGemm) {
    // As quant-awq runs it: repacked at load into GPTQ's word order (same codes and results).
    std::vector<std::uint32_t> codes(l.codes.size()), zeros(l.zeros.size());
    if (!repack_awq_as_gptq(l.q, codes.data(), zeros.data()).ok()) std::exit(1);
    l.codes = std::move(codes);
    l.zeros = std::move(zeros);
    l.q.layout = QuantLayout::kGptq;
    l.q.codes = l.codes.data();
    l.q.zeros = l.zeros.data();
  }
  return l;
}

struct Model {
  std::string name;
  std::vector<Layer> layers;  // kLayers * 7 + lm_head
  std::size_t bytes() const {
    std::size_t b = 0;
    for (const Layer& l : layers) b += l.bytes();
    return b;
  }
  // The decoder layers alone (what AWQ/GPTQ pack), without the dense lm_head.
  std::size_t layer_bytes() const { return bytes() - layers.back().bytes(); }
};

Model build(const std::string& format, Rng& rng) {
  Model m{format, {}};
  const bool int8 = format.ends_with("+int8");
  const std::string name = int8 ? format.substr(0, format.size() - 5) : format;
  for (int i = 0; i < kLayers; ++i) {
    for (Shape s : kLayerShapes) {
      if (name == "f32") m.layers.push_back(make_dense(s, DType::kF32, rng));
      if (name == "bf16") m.layers.push_back(make_dense(s, DType::kBF16, rng));
      if (name == "awq-g128")
        m.layers.push_back(make_packed(s, QuantLayout::kAwqGemm, 4, 128, rng));
      if (name == "gptq-4bit-g128")
        m.layers.push_back(make_packed(s, QuantLayout::kGptq, 4, 128, rng));
      if (name == "gptq-8bit-g128")
        m.layers.push_back(make_packed(s, QuantLayout::kGptq, 8, 128, rng));
      if (name == "gptq-2bit-g128")
        m.layers.push_back(make_packed(s, QuantLayout::kGptq, 2, 128, rng));
      m.layers.back().int8 = int8 && m.layers.back().quantized;
    }
  }
  m.layers.push_back(
      make_dense({kVocab, kHidden}, name == "f32" ? DType::kF32 : DType::kBF16, rng));
  return m;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Seconds for one decode step of `rows` sequences through every layer.
double step_seconds(const Model& m, std::int64_t rows) {
  static std::vector<float> x(std::size_t(8 * kVocab), 0.01f), y(std::size_t(8 * kVocab));
  const auto t0 = std::chrono::steady_clock::now();
  for (const Layer& l : m.layers) l.run(x.data(), y.data(), rows);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 5, threads = 0, rows = 0;  // rows 0: both M = 1 and M = 8
  std::vector<std::string> formats = {
      "bf16",           "awq-g128",      "gptq-4bit-g128",      "gptq-8bit-g128",
      "gptq-2bit-g128", "awq-g128+int8", "gptq-4bit-g128+int8", "f32"};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--only")) {  // a comma-separated list
      formats.clear();
      std::string list = argv[i + 1];
      for (std::size_t b = 0, e; b <= list.size(); b = e + 1) {
        e = std::min(list.find(',', b), list.size());
        formats.push_back(list.substr(b, e - b));
      }
    }
    if (!std::strcmp(argv[i], "--rows")) rows = std::atoi(argv[i + 1]);
  }
  if (threads > 0) set_num_threads(threads);
  std::printf("isa %s, %d threads, %d steps (median)\n",
              std::string(cpu_isa_name(active_cpu_isa())).c_str(), default_thread_pool().size(),
              steps);
  // All formats are built first, then measured in interleaved rounds (one step of each per
  // round, after a warm-up round), so load from other processes hits them alike.
  Rng rng{1};
  std::vector<Model> models;
  for (const std::string& f : formats) models.push_back(build(f, rng));
  std::vector<std::vector<double>> one(models.size()), eight(models.size());
  for (int s = 0; s <= steps; ++s) {
    for (std::size_t i = 0; i < models.size(); ++i) {
      const double t1 = rows == 8 ? 0.0 : step_seconds(models[i], 1);
      const double t8 = rows == 1 ? 0.0 : step_seconds(models[i], 8);
      if (s > 0) {
        one[i].push_back(t1 > 0 ? 1.0 / t1 : 0.0);
        eight[i].push_back(t8 > 0 ? 8.0 / t8 : 0.0);
      }
    }
  }
  std::printf("%-16s %8s %8s %14s %11s %11s\n", "weights", "GiB", "x bf16", "layers x bf16",
              "tok/s M=1", "tok/s M=8");
  const Model* bf16 = nullptr;
  for (const Model& m : models)
    if (m.name == "bf16") bf16 = &m;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const Model& m = models[i];
    std::printf("%-16s %8.3f %8.3f %14.3f %11.2f %11.2f\n", m.name.c_str(),
                double(m.bytes()) / (1 << 30),
                bf16 ? double(m.bytes()) / double(bf16->bytes()) : 0.0,
                bf16 ? double(m.layer_bytes()) / double(bf16->layer_bytes()) : 0.0, median(one[i]),
                median(eight[i]));
  }
  return 0;
}
