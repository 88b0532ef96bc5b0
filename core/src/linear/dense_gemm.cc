#include "dense_gemm.h"

#include <cstring>

namespace plexus::linear {
namespace {

inline float load(const float* w, std::int64_t i) { return w[i]; }
inline float load_bf16(const std::uint16_t* w, std::int64_t i) { return bf16_to_f32(w[i]); }
inline float load_f16(const std::uint16_t* w, std::int64_t i) { return f16_to_f32(w[i]); }

// One dot product in a fixed summation order: lane j accumulates elements j, j+8, ...; the
// lanes are combined pairwise; the tail is added last in index order.
template <typename W, typename Load>
float dot(const float* x, const W* w, std::int64_t k, Load load_w) {
  float acc[8] = {};
  std::int64_t i = 0;
  for (; i + 8 <= k; i += 8) {
    for (int j = 0; j < 8; ++j) acc[j] += x[i + j] * load_w(w, i + j);
  }
  float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; i < k; ++i) sum += x[i] * load_w(w, i);
  return sum;
}

template <typename W, typename Load>
void gemm(const float* x, std::int64_t rows, std::int64_t k, const W* w, std::int64_t n,
          const float* bias, float* y, Load load_w) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * k;
    float* yr = y + r * n;
    for (std::int64_t c = 0; c < n; ++c) {
      yr[c] = dot(xr, w + c * k, k, load_w) + (bias ? bias[c] : 0.0f);
    }
  }
}

}  // namespace

void dense_gemm(const float* x, std::int64_t rows, std::int64_t k, const void* w, DType w_dtype,
                std::int64_t n, const float* bias, float* y) {
  switch (w_dtype) {
    case DType::kBF16:
      return gemm(x, rows, k, static_cast<const std::uint16_t*>(w), n, bias, y, load_bf16);
    case DType::kF16:
      return gemm(x, rows, k, static_cast<const std::uint16_t*>(w), n, bias, y, load_f16);
    default:
      return gemm(x, rows, k, static_cast<const float*>(w), n, bias, y,
                  [](const float* p, std::int64_t i) { return load(p, i); });
  }
}

}  // namespace plexus::linear
