// Rotary position embedding for the dense models: the config's rope settings (transformers'
// rope_theta + rope_scaling, or transformers 5's rope_parameters) turned into the kernels'
// RopeConfig, and the half-split ("NeoX", Hugging Face Llama) rotation of q and k.
#pragma once

#include <cstdint>
#include <span>

#include <boost/json/object.hpp>

#include "kernels/cpu/rope.h"
#include "plexus/status.h"

namespace plexus::deepseek {

// Reads rope_theta and the scaling of `config` for heads of `head_dim` (all of it rotated).
Result<kernels::RopeConfig> rope_config_from_json(const boost::json::object& config,
                                                  std::int64_t head_dim);

class Rope {
 public:
  static Result<Rope> from_config(const boost::json::object& config, std::int64_t head_dim);

  // Rotates each head of `x` ([rows, heads, head_dim]; row r at positions[r]) in place.
  // `query_starts` splits the rows into sequences: dynamic scaling picks its frequencies per
  // sequence from the largest position it has reached, as transformers does.
  Status apply(float* x, std::int64_t heads, std::span<const std::int32_t> positions,
               std::span<const std::int32_t> query_starts);

 private:
  kernels::RopeConfig config_;
  kernels::RopeFrequencies fixed_;  // every type but dynamic
  kernels::RopeTable table_;        // cos/sin of `fixed_`, grown on demand
};

}  // namespace plexus::deepseek
