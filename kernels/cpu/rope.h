// Rotary position embeddings: the frequencies for each HF `rope_scaling` type, cos/sin tables,
// and the rotation itself in both pair layouts.
//
// Frequencies follow transformers' ROPE_INIT_FUNCTIONS (modeling_rope_utils.py); the golden test
// (testdata/rope_golden.json, made by tools/kernels/rope_golden.py) checks them against it.
// - kNone:    inv_freq[i] = theta^(-2i/d).
// - kLinear:  inv_freq / factor (positions divided by factor).
// - kDynamic: NTK: theta' = theta * (factor*L/max_pos - (factor-1))^(d/(d-2)) with
//             L = max(seq_len, max_pos). Depends on the sequence length: for batch-invariant
//             answers pass each sequence's own length, never the batch's longest.
// - kLlama3:  per-frequency blend between inv_freq and inv_freq/factor by wavelength.
// - kYarn:    ramp between interpolated and extrapolated frequencies over the correction range
//             given by beta_fast/beta_slow; attention_factor = get_mscale(factor, mscale) /
//             get_mscale(factor, mscale_all_dim) when both are set, else 0.1*ln(factor)+1.
// attention_factor multiplies cos and sin (as transformers does); it is 1 except for yarn.
// Thread safety: pure functions; apply_rope writes only x.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "plexus/status.h"

namespace plexus::kernels {

enum class RopeScalingType { kNone, kLinear, kDynamic, kLlama3, kYarn };

// "default" or "none" (or empty), "linear", "dynamic", "llama3", "yarn" (HF's rope_type /
// the legacy `type` key). Anything else is Unsupported.
Result<RopeScalingType> parse_rope_scaling_type(std::string_view name);

struct RopeConfig {
  std::int64_t rotary_dim = 0;  // dimensions rotated per head (head_dim * partial factor), even
  double theta = 10000.0;       // rope_theta
  std::int64_t max_position_embeddings = 2048;
  RopeScalingType type = RopeScalingType::kNone;
  double factor = 1.0;  // yarn: <= 0 means max_position_embeddings / original (as HF)
  // llama3 and yarn: the pre-training context.
  std::int64_t original_max_position_embeddings = 0;
  double low_freq_factor = 1.0;            // llama3
  double high_freq_factor = 4.0;           // llama3
  double beta_fast = 32.0;                 // yarn
  double beta_slow = 1.0;                  // yarn
  double mscale = 0.0;                     // yarn; 0 = not set
  double mscale_all_dim = 0.0;             // yarn; 0 = not set
  std::optional<double> attention_factor;  // yarn: overrides the mscale formula
  bool truncate = true;                    // yarn: floor/ceil the correction range
};

struct RopeFrequencies {
  std::vector<float> inv_freq;  // [rotary_dim / 2]
  float attention_factor = 1.0f;
};

// seq_len is used by kDynamic only (the sequence's length so far; <= max_position_embeddings
// gives the unscaled frequencies). InvalidArgument names the config key that is wrong.
Result<RopeFrequencies> rope_frequencies(const RopeConfig& config, std::int64_t seq_len = 0);

// cos/sin for positions [0, max_positions), each [max_positions, rotary_dim / 2], times
// attention_factor. angle = float(position) * inv_freq[i] rounded to f32 as transformers does,
// then cos/sin evaluated in double.
struct RopeTable {
  std::int64_t rotary_dim = 0;
  std::int64_t max_positions = 0;
  std::vector<float> cos;
  std::vector<float> sin;
};
RopeTable make_rope_table(const RopeFrequencies& freqs, std::int64_t max_positions);

enum class RopeLayout {
  kHalfSplit,    // pairs (i, i + d/2): HF Llama/Qwen2 safetensors ("NeoX")
  kInterleaved,  // pairs (2i, 2i + 1): DeepSeek MLA rope dims, GGUF-permuted weights
};

// x holds num_tokens x num_heads vectors; head h of token t starts at
// x + t*token_stride + h*head_stride, and its first table.rotary_dim elements are rotated in
// place: (a, b) -> (a cos - b sin, b cos + a sin) for angle position * inv_freq[i].
// InvalidArgument when a position is outside [0, table.max_positions).
Status apply_rope(float* x, std::int64_t num_tokens, std::int64_t num_heads,
                  std::int64_t token_stride, std::int64_t head_stride,
                  const std::int64_t* positions, const RopeTable& table, RopeLayout layout);

// Reference: the same rotation with cos/sin computed on the spot in double from the frequencies.
void apply_rope_reference(float* x, std::int64_t num_tokens, std::int64_t num_heads,
                          std::int64_t token_stride, std::int64_t head_stride,
                          const std::int64_t* positions, const RopeFrequencies& freqs,
                          RopeLayout layout);

}  // namespace plexus::kernels
