// WeightLoader: how the DeepSeek layers get their weights. Linear layers come only from the
// checkpoint's QuantScheme (or the dense scheme for modules it leaves unquantised), so an AWQ or
// GPTQ checkpoint needs no change here; small vectors (norms, router, bias) are read as f32 and
// whole. With tensor parallelism a Linear keeps this rank's shard (plexus/linear.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "plexus/linear.h"
#include "plexus/quant.h"
#include "plexus/weight_source.h"

namespace plexus::deepseek {

// Whether the checkpoint stores an lm_head of its own, dense (`lm_head.weight`) or packed
// (`lm_head.qweight`: GPTQ with lm_head=True); else the embedding table doubles as the lm_head.
inline bool has_own_lm_head(const WeightSource& w) {
  return w.has("lm_head.weight") || w.has("lm_head.qweight");
}

class WeightLoader {
 public:
  // `dense` builds the modules `quant` leaves dense (ModelContext::dense; null: f32).
  WeightLoader(const WeightSource& weights, const QuantScheme& quant, int rank = 0, int world = 1,
               const QuantScheme* dense = nullptr)
      : weights_(weights),
        quant_(quant),
        dense_(dense ? *dense : dense_quant_scheme()),
        rank_(rank),
        world_(world) {}

  const WeightSource& weights() const { return weights_; }
  int world() const { return world_; }

  // `<prefix>.weight` [out, in] (no bias; in/out unsharded), this rank's `shard` of it; whole
  // when the world is 1.
  Result<std::unique_ptr<Linear>> linear(const std::string& prefix, std::int64_t in,
                                         std::int64_t out,
                                         ShardKind shard = ShardKind::kNone) const;
  // A tensor of exactly `n` values, converted to f32.
  Result<OwnedTensor> vector(const std::string& name, std::int64_t n) const;
  // A [rows, cols] matrix, converted to `dtype`.
  Result<OwnedTensor> matrix(const std::string& name, std::int64_t rows, std::int64_t cols,
                             DType dtype = DType::kF32) const;

 private:
  const WeightSource& weights_;
  const QuantScheme& quant_;
  const QuantScheme& dense_;
  int rank_ = 0, world_ = 1;
};

// W^T of a Linear ([in_features, out_features], f32), read back by running it on the identity:
// row i of the result is forward(e_i). This works for every weight format the QuantScheme can
// build (dense, AWQ, GPTQ), which is what MLA's weight absorption needs from kv_b_proj.
Result<std::vector<float>> transposed_weight(const Linear& linear);

}  // namespace plexus::deepseek
