#include "rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace plexus::kernels {

Result<RopeScalingType> parse_rope_scaling_type(std::string_view name) {
  if (name.empty() || name == "default" || name == "none") return RopeScalingType::kNone;
  if (name == "linear") return RopeScalingType::kLinear;
  if (name == "dynamic") return RopeScalingType::kDynamic;
  if (name == "llama3") return RopeScalingType::kLlama3;
  if (name == "yarn") return RopeScalingType::kYarn;
  return Status::unsupported("rope_scaling type '" + std::string(name) +
                             "' is not supported; plexus knows default, linear, dynamic, llama3 "
                             "and yarn");
}

namespace {

// theta^(-2i/d) for i in [0, d/2), in double.
std::vector<double> base_inv_freq(double theta, std::int64_t dim) {
  std::vector<double> inv(std::size_t(dim / 2));
  for (std::int64_t i = 0; i < dim / 2; ++i)
    inv[i] = 1.0 / std::pow(theta, double(2 * i) / double(dim));
  return inv;
}

double yarn_get_mscale(double scale, double mscale) {
  return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

// The dimension index at which a frequency completes num_rotations turns over max_pos positions.
double yarn_correction_dim(double num_rotations, double dim, double theta, double max_pos) {
  return dim * std::log(max_pos / (num_rotations * 2.0 * std::numbers::pi)) /
         (2.0 * std::log(theta));
}

Status check_config(const RopeConfig& c) {
  if (c.rotary_dim <= 0 || c.rotary_dim % 2 != 0) {
    return Status::invalid_argument("rope: rotary dimension " + std::to_string(c.rotary_dim) +
                                    " must be positive and even (check head_dim and "
                                    "partial_rotary_factor)");
  }
  if (!(c.theta > 1.0)) return Status::invalid_argument("rope: rope_theta must be > 1");
  const bool scaled = c.type != RopeScalingType::kNone;
  if (scaled && c.type != RopeScalingType::kYarn && !(c.factor > 0.0)) {
    return Status::invalid_argument("rope_scaling.factor must be > 0");
  }
  if (c.type == RopeScalingType::kDynamic && c.rotary_dim <= 2) {
    return Status::invalid_argument("rope: dynamic scaling needs a rotary dimension > 2");
  }
  if ((c.type == RopeScalingType::kDynamic || c.type == RopeScalingType::kYarn) &&
      c.max_position_embeddings <= 0) {
    return Status::invalid_argument("rope: max_position_embeddings must be > 0");
  }
  if ((c.type == RopeScalingType::kLlama3 || c.type == RopeScalingType::kYarn) &&
      c.original_max_position_embeddings <= 0) {
    return Status::invalid_argument(
        "rope_scaling.original_max_position_embeddings must be > 0 for llama3 and yarn");
  }
  if (c.type == RopeScalingType::kLlama3 &&
      !(c.low_freq_factor > 0.0 && c.high_freq_factor > c.low_freq_factor)) {
    return Status::invalid_argument(
        "rope_scaling: llama3 needs 0 < low_freq_factor < high_freq_factor");
  }
  return Status::ok_status();
}

}  // namespace

Result<RopeFrequencies> rope_frequencies(const RopeConfig& c, std::int64_t seq_len) {
  PLEXUS_RETURN_IF_ERROR(check_config(c));
  const std::int64_t dim = c.rotary_dim;
  const std::int64_t half = dim / 2;
  std::vector<double> inv = base_inv_freq(c.theta, dim);
  double attention_factor = 1.0;

  switch (c.type) {
    case RopeScalingType::kNone:
      break;
    case RopeScalingType::kLinear:
      for (double& f : inv) f /= c.factor;
      break;
    case RopeScalingType::kDynamic: {
      const double len = double(std::max(seq_len, c.max_position_embeddings));
      const double max_pos = double(c.max_position_embeddings);
      const double theta = c.theta * std::pow(c.factor * len / max_pos - (c.factor - 1.0),
                                              double(dim) / double(dim - 2));
      inv = base_inv_freq(theta, dim);
      break;
    }
    case RopeScalingType::kLlama3: {
      const double old_context = double(c.original_max_position_embeddings);
      const double low_freq_wavelen = old_context / c.low_freq_factor;
      const double high_freq_wavelen = old_context / c.high_freq_factor;
      for (double& f : inv) {
        const double wavelen = 2.0 * std::numbers::pi / f;
        if (wavelen < high_freq_wavelen) continue;  // high frequencies: kept
        if (wavelen > low_freq_wavelen) {           // low frequencies: interpolated
          f /= c.factor;
          continue;
        }
        const double smooth =
            (old_context / wavelen - c.low_freq_factor) / (c.high_freq_factor - c.low_freq_factor);
        f = (1.0 - smooth) * f / c.factor + smooth * f;
      }
      break;
    }
    case RopeScalingType::kYarn: {
      const double factor = c.factor > 0.0 ? c.factor
                                           : double(c.max_position_embeddings) /
                                                 double(c.original_max_position_embeddings);
      if (c.attention_factor) {
        attention_factor = *c.attention_factor;
      } else if (c.mscale != 0.0 && c.mscale_all_dim != 0.0) {
        attention_factor =
            yarn_get_mscale(factor, c.mscale) / yarn_get_mscale(factor, c.mscale_all_dim);
      } else {
        attention_factor = yarn_get_mscale(factor, 1.0);
      }
      const double original = double(c.original_max_position_embeddings);
      double low = yarn_correction_dim(c.beta_fast, double(dim), c.theta, original);
      double high = yarn_correction_dim(c.beta_slow, double(dim), c.theta, original);
      if (c.truncate) {
        low = std::floor(low);
        high = std::ceil(high);
      }
      low = std::max(low, 0.0);
      high = std::min(high, double(dim - 1));
      if (low == high) high += 0.001;  // avoid a zero-width ramp
      for (std::int64_t i = 0; i < half; ++i) {
        const double ramp = std::clamp((double(i) - low) / (high - low), 0.0, 1.0);
        const double extrapolation_weight = 1.0 - ramp;
        inv[i] = inv[i] / factor * (1.0 - extrapolation_weight) + inv[i] * extrapolation_weight;
      }
      break;
    }
  }

  RopeFrequencies out;
  out.inv_freq.assign(inv.begin(), inv.end());
  out.attention_factor = float(attention_factor);
  return out;
}

RopeTable make_rope_table(const RopeFrequencies& freqs, std::int64_t max_positions) {
  RopeTable t;
  const std::int64_t half = std::int64_t(freqs.inv_freq.size());
  t.rotary_dim = 2 * half;
  t.max_positions = std::max<std::int64_t>(max_positions, 0);
  t.cos.resize(std::size_t(t.max_positions * half));
  t.sin.resize(t.cos.size());
  const double scale = freqs.attention_factor;
  for (std::int64_t p = 0; p < t.max_positions; ++p) {
    for (std::int64_t i = 0; i < half; ++i) {
      const float angle = float(p) * freqs.inv_freq[i];
      t.cos[p * half + i] = float(std::cos(double(angle)) * scale);
      t.sin[p * half + i] = float(std::sin(double(angle)) * scale);
    }
  }
  return t;
}

namespace {

// Index of the two elements of pair i in a head of rotary dimension d.
inline void pair_index(RopeLayout layout, std::int64_t i, std::int64_t d, std::int64_t& a,
                       std::int64_t& b) {
  if (layout == RopeLayout::kHalfSplit) {
    a = i;
    b = i + d / 2;
  } else {
    a = 2 * i;
    b = 2 * i + 1;
  }
}

}  // namespace

Status apply_rope(float* x, std::int64_t num_tokens, std::int64_t num_heads,
                  std::int64_t token_stride, std::int64_t head_stride,
                  const std::int64_t* positions, const RopeTable& table, RopeLayout layout) {
  for (std::int64_t t = 0; t < num_tokens; ++t) {
    if (positions[t] < 0 || positions[t] >= table.max_positions) {
      return Status::invalid_argument("rope: token " + std::to_string(t) + " has position " +
                                      std::to_string(positions[t]) + ", outside the table of " +
                                      std::to_string(table.max_positions) + " positions");
    }
  }
  const std::int64_t d = table.rotary_dim;
  const std::int64_t half = d / 2;
  for (std::int64_t t = 0; t < num_tokens; ++t) {
    const float* cos = table.cos.data() + positions[t] * half;
    const float* sin = table.sin.data() + positions[t] * half;
    for (std::int64_t h = 0; h < num_heads; ++h) {
      float* v = x + t * token_stride + h * head_stride;
      for (std::int64_t i = 0; i < half; ++i) {
        std::int64_t ia, ib;
        pair_index(layout, i, d, ia, ib);
        const float a = v[ia], b = v[ib];
        v[ia] = a * cos[i] - b * sin[i];
        v[ib] = b * cos[i] + a * sin[i];
      }
    }
  }
  return Status::ok_status();
}

void apply_rope_reference(float* x, std::int64_t num_tokens, std::int64_t num_heads,
                          std::int64_t token_stride, std::int64_t head_stride,
                          const std::int64_t* positions, const RopeFrequencies& freqs,
                          RopeLayout layout) {
  const std::int64_t half = std::int64_t(freqs.inv_freq.size());
  const std::int64_t d = 2 * half;
  for (std::int64_t t = 0; t < num_tokens; ++t) {
    for (std::int64_t h = 0; h < num_heads; ++h) {
      float* v = x + t * token_stride + h * head_stride;
      for (std::int64_t i = 0; i < half; ++i) {
        // The angle is rounded to f32 as transformers computes it (position_ids.float() @
        // inv_freq); at position 1e5 that rounding alone moves it by ~1e-3 rad.
        const double angle = float(positions[t]) * freqs.inv_freq[i];
        const double c = std::cos(angle) * freqs.attention_factor;
        const double s = std::sin(angle) * freqs.attention_factor;
        std::int64_t ia, ib;
        pair_index(layout, i, d, ia, ib);
        const double a = v[ia], b = v[ib];
        v[ia] = float(a * c - b * s);
        v[ib] = float(b * c + a * s);
      }
    }
  }
}

}  // namespace plexus::kernels
