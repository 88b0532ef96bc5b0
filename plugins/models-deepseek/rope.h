// Rotary position embedding for the dense models, as transformers defines it: inverse
// frequencies from rope_theta and the scaling type (none, linear, dynamic NTK, llama3, yarn),
// and the half-split ("NeoX", Hugging Face Llama) rotation of q and k.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <boost/json/object.hpp>

#include "plexus/status.h"

namespace plexus::deepseek {

class Rope {
 public:
  // From config.json: rope_theta + rope_scaling, or transformers 5's rope_parameters.
  static Result<Rope> from_config(const boost::json::object& config, std::int64_t head_dim);

  // Rotates each head of `x` ([rows, heads, head_dim]; row r at positions[r]) in place, pairing
  // dims (i, i + head_dim/2). `query_starts` splits the rows into sequences: dynamic scaling
  // picks its frequencies per sequence from the largest position it has reached.
  void apply(float* x, std::int64_t heads, std::span<const std::int32_t> positions,
             std::span<const std::int32_t> query_starts) const;

  // The inverse frequencies used for a sequence of `seq_len` tokens (all but dynamic: fixed).
  std::vector<float> inv_freq(std::int64_t seq_len) const;
  // Multiplies cos and sin (yarn's attention factor; 1 otherwise).
  float attention_factor() const { return attention_factor_; }

 private:
  enum class Type { kDefault, kLinear, kDynamic, kLlama3, kYarn };
  std::vector<float> base_frequencies(double theta) const;

  Type type_ = Type::kDefault;
  std::int64_t head_dim_ = 0;
  double theta_ = 10000;
  double factor_ = 1;
  std::int64_t max_position_embeddings_ = 0;
  std::vector<float> fixed_inv_freq_;  // every type but dynamic
  float attention_factor_ = 1.0f;
};

}  // namespace plexus::deepseek
