// Rotary position embedding for the dense models: inverse frequencies from rope_theta and
// rope_scaling, and the half-split ("NeoX", Hugging Face Llama) rotation of q and k.
#pragma once

#include <cstdint>
#include <vector>

#include <boost/json/object.hpp>

#include "plexus/status.h"

namespace plexus::deepseek {

struct Rope {
  std::vector<float> inv_freq;  // [rotary_dim / 2]

  // Rotates each head of `x` ([rows, heads, head_dim], row r at position positions[r]) in place;
  // pairs (i, i + head_dim/2).
  void apply(float* x, std::int64_t rows, std::int64_t heads, std::int64_t head_dim,
             const std::int32_t* positions) const;
};

// From config.json's rope_theta (default 10000), head_dim and rope_scaling: none, "linear" and
// "llama3" are supported; other types are an Unsupported error naming the type.
Result<Rope> make_rope(const boost::json::object& config, std::int64_t head_dim);

}  // namespace plexus::deepseek
