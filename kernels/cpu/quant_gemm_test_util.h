// Test helpers for quant_gemm: random matrices packed here straight from the AWQ / GPTQ layout
// descriptions (shared FORMATS.md), with their codes and zeros kept for checking.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu_features.h"
#include "plexus/dtype.h"
#include "quant_gemm.h"
#include "quant_gemm_blocks.h"
#include "thread_pool.h"

namespace plexus::kernels::quant_test {

// A random packed matrix with its unpacked codes/zeros kept for checking.
struct Packed {
  QuantMatrix m;
  std::vector<std::uint32_t> codes, zeros;
  std::vector<std::uint16_t> scales;
  std::vector<int> q;  // [K][N]
  std::vector<int> z;  // [groups][N]
};

inline Packed make(QuantLayout layout, int bits, std::int64_t n, std::int64_t k, std::int64_t group,
                   std::uint32_t seed) {
  Packed p;
  p.m.layout = layout;
  p.m.bits = bits;
  p.m.n = n;
  p.m.k = k;
  p.m.group_size = group;
  const std::int64_t groups = p.m.groups();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> code(0, (1 << bits) - 1);
  std::uniform_real_distribution<float> scale(0.001f, 0.05f);
  p.q.resize(std::size_t(k * n));
  p.z.resize(std::size_t(groups * n));
  for (int& v : p.q) v = code(rng);
  for (int& v : p.z) v = code(rng);
  for (std::int64_t i = 0; i < groups * n; ++i) p.scales.push_back(f32_to_f16(scale(rng)));
  const int per = 32 / bits;
  if (layout == QuantLayout::kAwqGemm) {
    // Word c of a row: bits 4i.. hold column 8c + order[i].
    const int order[8] = {0, 2, 4, 6, 1, 3, 5, 7};
    auto pack_rows = [&](const std::vector<int>& v, std::int64_t rows) {
      std::vector<std::uint32_t> out(std::size_t(rows * n / 8), 0);
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < n / 8; ++c)
          for (int i = 0; i < 8; ++i)
            out[r * (n / 8) + c] |= std::uint32_t(v[r * n + 8 * c + order[i]]) << (4 * i);
      return out;
    };
    p.codes = pack_rows(p.q, k);
    p.zeros = pack_rows(p.z, groups);
  } else {
    // Codes: word r of column c holds rows r*per + j at bits*j. Zeros: consecutive columns.
    p.codes.assign(std::size_t(k / per * n), 0);
    for (std::int64_t r = 0; r < k; ++r)
      for (std::int64_t c = 0; c < n; ++c)
        p.codes[(r / per) * n + c] |= std::uint32_t(p.q[r * n + c]) << (bits * (r % per));
    p.zeros.assign(std::size_t(groups * n / per), 0);
    for (std::int64_t g = 0; g < groups; ++g)
      for (std::int64_t c = 0; c < n; ++c)
        p.zeros[g * (n / per) + c / per] |= std::uint32_t(p.z[g * n + c]) << (bits * (c % per));
  }
  p.m.codes = p.codes.data();
  p.m.zeros = p.zeros.data();
  p.m.scales = p.scales.data();
  return p;
}

inline std::vector<float> random_x(std::int64_t rows, std::int64_t k, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> x(std::size_t(rows * k));
  for (float& v : x) v = d(rng);
  return x;
}

using Oracle = Status (*)(const float*, const QuantMatrix&, const float*, float*, std::int64_t);
using IsaKernel = Status (*)(CpuIsa, const float*, const QuantMatrix&, const float*, float*,
                             std::int64_t, ThreadPool&);

// `kernel` on M random rows of `w` (with a bias) for every variant this CPU has: each within
// 1e-5 of each row's largest |y| from `oracle`, and all bit-identical, since every variant
// follows the same float sequence.
inline void expect_every_isa_matches(const QuantMatrix& w, std::int64_t M, Oracle oracle,
                                     IsaKernel kernel, ThreadPool& pool) {
  const std::int64_t N = w.n;
  const std::vector<float> x = random_x(M, w.k, 3);
  std::vector<float> bias(static_cast<std::size_t>(N));
  for (std::int64_t i = 0; i < N; ++i) bias[std::size_t(i)] = 0.01f * float(i % 7);
  std::vector<float> want(std::size_t(M * N));
  ASSERT_TRUE(oracle(x.data(), w, bias.data(), want.data(), M).ok());
  std::vector<float> first;
  for (CpuIsa isa : {CpuIsa::kGeneric, CpuIsa::kAvx2, CpuIsa::kAvx512}) {
    if (!cpu_supports(isa)) continue;
    SCOPED_TRACE(std::string(cpu_isa_name(isa)));
    std::vector<float> got(std::size_t(M * N), -1.0f);
    ASSERT_TRUE(kernel(isa, x.data(), w, bias.data(), got.data(), M, pool).ok());
    for (std::int64_t m = 0; m < M; ++m) {
      float scale = 0;
      for (std::int64_t n = 0; n < N; ++n) scale = std::max(scale, std::fabs(want[m * N + n]));
      for (std::int64_t n = 0; n < N; ++n) {
        ASSERT_NEAR(got[m * N + n], want[m * N + n], 1e-5f * scale) << m << "," << n;
      }
    }
    if (first.empty()) {
      first = got;
    } else {
      ASSERT_EQ(0, std::memcmp(first.data(), got.data(), got.size() * sizeof(float)));
    }
  }
}

}  // namespace plexus::kernels::quant_test
