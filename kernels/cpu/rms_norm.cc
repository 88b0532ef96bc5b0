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

}  // namespace plexus::kernels
