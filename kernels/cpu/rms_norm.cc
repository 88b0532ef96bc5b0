#include "rms_norm.h"

#include <cmath>

namespace plexus::kernels {

void rms_norm_reference(const float* x, const float* weight, float* y, std::int64_t rows,
                        std::int64_t cols, float eps) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * cols;
    float* out = y + r * cols;
    double sum_squares = 0.0;
    for (std::int64_t c = 0; c < cols; ++c) sum_squares += double(in[c]) * double(in[c]);
    const float inv_rms = float(1.0 / std::sqrt(sum_squares / double(cols) + double(eps)));
    for (std::int64_t c = 0; c < cols; ++c) out[c] = in[c] * inv_rms * weight[c];
  }
}

namespace {

// Lane j sums the squares of elements c with c % 8 == j; the lanes are independent, so the
// compiler may vectorise this loop without changing a bit.
double sum_of_squares(const float* in, std::int64_t cols) {
  double lane[8] = {};
  std::int64_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    for (int j = 0; j < 8; ++j) lane[j] += double(in[c + j]) * double(in[c + j]);
  }
  for (int j = 0; c + j < cols; ++j) lane[j] += double(in[c + j]) * double(in[c + j]);
  return ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
}

}  // namespace

void rms_norm(const float* x, const float* weight, float* y, std::int64_t rows, std::int64_t cols,
              float eps, ThreadPool* pool) {
  if (rows <= 0 || cols <= 0) return;
  ThreadPool& p = pool ? *pool : default_thread_pool();
  p.parallel_for(rows, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const float* in = x + r * cols;
      float* out = y + r * cols;
      const float inv_rms =
          float(1.0 / std::sqrt(sum_of_squares(in, cols) / double(cols) + double(eps)));
      for (std::int64_t c = 0; c < cols; ++c) out[c] = in[c] * inv_rms * weight[c];
    }
  });
}

}  // namespace plexus::kernels
