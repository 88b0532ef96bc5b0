#include "activation.h"

#include <cmath>
#include <limits>

namespace plexus::kernels {
namespace {

ThreadPool& pick(ThreadPool* pool) { return pool ? *pool : default_thread_pool(); }

float silu(float g) { return g / (1.0f + std::exp(-g)); }

}  // namespace

void silu_mul(const float* gate, const float* up, float* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = silu(gate[i]) * up[i];
}

void silu_and_mul(const float* gate_up, float* out, std::int64_t rows, std::int64_t d,
                  ThreadPool* pool) {
  if (rows <= 0 || d <= 0) return;
  pick(pool).parallel_for(rows, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const float* row = gate_up + r * 2 * d;
      silu_mul(row, row + d, out + r * d, d);
    }
  });
}

void softmax(float* x, std::int64_t rows, std::int64_t cols, ThreadPool* pool) {
  if (rows <= 0 || cols <= 0) return;
  pick(pool).parallel_for(rows, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      float* row = x + r * cols;
      float max = -std::numeric_limits<float>::infinity();
      for (std::int64_t c = 0; c < cols; ++c) max = std::fmax(max, row[c]);
      if (max == -std::numeric_limits<float>::infinity()) {
        for (std::int64_t c = 0; c < cols; ++c) row[c] = 0.0f;
        continue;
      }
      double sum = 0.0;
      for (std::int64_t c = 0; c < cols; ++c) {
        row[c] = std::exp(row[c] - max);
        sum += row[c];
      }
      const float inv = float(1.0 / sum);
      for (std::int64_t c = 0; c < cols; ++c) row[c] *= inv;
    }
  });
}

std::int64_t argmax(const float* x, std::int64_t n) {
  std::int64_t best = -1;
  for (std::int64_t i = 0; i < n; ++i) {
    if (std::isnan(x[i])) continue;
    if (best < 0 || x[i] > x[best]) best = i;
  }
  return best;
}

void argmax_rows(const float* x, std::int64_t rows, std::int64_t cols, std::int64_t* out,
                 ThreadPool* pool) {
  if (rows <= 0) return;
  pick(pool).parallel_for(rows, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) out[r] = argmax(x + r * cols, cols);
  });
}

}  // namespace plexus::kernels
