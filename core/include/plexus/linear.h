// plexus/linear.h — the linear layers models are built from, whatever the weight format.
//
// Contract:
// - A model never reads a weight matrix itself: it describes each linear layer with a
//   LinearSpec and asks its QuantScheme (a quant plugin's, or `dense_quant_scheme()` for
//   f32/bf16/f16 checkpoints) to build it from the WeightSource.
// - Weights follow Hugging Face: `<prefix>.weight` is [out_features, in_features] and
//   `<prefix>.bias` is [out_features]. `forward` computes y = x W^T + b for `rows` rows.
// - Tensor parallelism: a column-parallel layer keeps out_features / world rows of W (rank r
//   the r-th block) and its slice of the bias; a row-parallel layer keeps in_features / world
//   columns, expects the matching slice of x, produces partial sums to be all-reduced, and adds
//   the bias on rank 0 only. `in_features()`/`out_features()` are the local sizes.
// - Batch invariance: row i of y depends only on row i of x — not on `rows`, not on the thread
//   count — bit for bit. The engine's "same answer alone or under load" rests on this.
// Thread safety: a Linear is immutable after creation; `forward` may run concurrently on
// different inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "plexus/status.h"

namespace plexus {

class WeightSource;

enum class ShardKind { kNone, kColumn, kRow };

struct LinearSpec {
  std::string prefix;             // e.g. "model.layers.0.self_attn.q_proj"
  std::int64_t in_features = 0;   // unsharded
  std::int64_t out_features = 0;  // unsharded
  bool bias = false;
  ShardKind shard = ShardKind::kNone;
  int rank = 0;
  int world = 1;
};

class Linear {
 public:
  virtual ~Linear() = default;
  // x: [rows, in_features()] f32, y: [rows, out_features()] f32 (no aliasing).
  virtual Status forward(const float* x, std::int64_t rows, float* y) const = 0;
  virtual std::int64_t in_features() const = 0;
  virtual std::int64_t out_features() const = 0;
  // Bytes the layer keeps resident (weights, scales, zeros, bias).
  virtual std::size_t resident_bytes() const = 0;
};

}  // namespace plexus
