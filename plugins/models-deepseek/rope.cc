#include "rope.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <numbers>
#include <string>

namespace plexus::deepseek {
namespace {

Result<double> number(const boost::json::object& o, const char* key, double fallback) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return double(v->get_int64());
  if (v->is_uint64()) return double(v->get_uint64());
  return Status::invalid_argument(std::string("config.json rope '") + key + "' must be a number");
}

// Llama 3.1 scaling: long wavelengths are divided by `factor`, short ones kept, and the band
// between blended smoothly (see FORMATS.md).
Status apply_llama3(const boost::json::object& s, double original, std::vector<float>& inv_freq) {
  PLEXUS_ASSIGN_OR_RETURN(double factor, number(s, "factor", 8.0));
  PLEXUS_ASSIGN_OR_RETURN(double low, number(s, "low_freq_factor", 1.0));
  PLEXUS_ASSIGN_OR_RETURN(double high, number(s, "high_freq_factor", 4.0));
  if (!(factor > 0) || !(high > low) || !(original > 0)) {
    return Status::invalid_argument(
        "config.json rope_scaling (llama3) needs factor > 0, high_freq_factor > "
        "low_freq_factor and original_max_position_embeddings > 0");
  }
  const double low_wavelen = original / low, high_wavelen = original / high;
  for (float& f : inv_freq) {
    const double wavelen = 2 * std::numbers::pi / f;
    if (wavelen < high_wavelen) continue;
    if (wavelen > low_wavelen) {
      f = float(f / factor);
      continue;
    }
    const double smooth = (original / wavelen - low) / (high - low);
    f = float((1 - smooth) * f / factor + smooth * f);
  }
  return Status();
}

double yarn_mscale(double scale, double mscale) {
  return scale <= 1 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

}  // namespace

std::vector<float> Rope::base_frequencies(double theta) const {
  std::vector<float> f(std::size_t(head_dim_ / 2));
  for (std::int64_t i = 0; i < head_dim_ / 2; ++i) {
    // As transformers: 1 / theta^(2i / d), the power taken in f32.
    f[i] = 1.0f / std::pow(float(theta), float(2 * i) / float(head_dim_));
  }
  return f;
}

Result<Rope> Rope::from_config(const boost::json::object& config, std::int64_t head_dim) {
  // transformers 5 writes {"rope_parameters": {"rope_theta", "rope_type", "factor", ...}};
  // earlier versions write "rope_theta" at the top and the scaling in "rope_scaling".
  const boost::json::object* theta_from = &config;
  const boost::json::object* scaling = nullptr;
  if (const auto* p = config.if_contains("rope_parameters"); p && !p->is_null()) {
    if (!p->is_object()) {
      return Status::invalid_argument("config.json 'rope_parameters' must be an object");
    }
    theta_from = scaling = &p->get_object();
  } else if (const auto* r = config.if_contains("rope_scaling"); r && !r->is_null()) {
    if (!r->is_object()) {
      return Status::invalid_argument("config.json 'rope_scaling' must be an object or null");
    }
    scaling = &r->get_object();
  }
  Rope rope;
  rope.head_dim_ = head_dim;
  PLEXUS_ASSIGN_OR_RETURN(rope.theta_, number(*theta_from, "rope_theta", 10000.0));
  if (!(rope.theta_ > 1)) return Status::invalid_argument("config.json 'rope_theta' must be > 1");
  PLEXUS_ASSIGN_OR_RETURN(double max_pos, number(config, "max_position_embeddings", 2048));
  rope.max_position_embeddings_ = std::int64_t(max_pos);
  rope.fixed_inv_freq_ = rope.base_frequencies(rope.theta_);
  if (!scaling) return rope;

  const boost::json::object& s = *scaling;
  const auto* type_value = s.if_contains("rope_type");
  if (!type_value) type_value = s.if_contains("type");
  const std::string type =
      type_value && type_value->is_string() ? std::string(type_value->get_string()) : "";
  if (type == "default" || type.empty()) return rope;
  PLEXUS_ASSIGN_OR_RETURN(rope.factor_, number(s, "factor", 1.0));
  if (!(rope.factor_ > 0)) {
    return Status::invalid_argument("config.json rope_scaling factor must be > 0");
  }
  PLEXUS_ASSIGN_OR_RETURN(double original, number(s, "original_max_position_embeddings", max_pos));
  if (type == "linear") {
    rope.type_ = Type::kLinear;
    for (float& f : rope.fixed_inv_freq_) f = float(f / rope.factor_);
    return rope;
  }
  if (type == "dynamic") {
    rope.type_ = Type::kDynamic;
    return rope;
  }
  if (type == "llama3") {
    rope.type_ = Type::kLlama3;
    PLEXUS_RETURN_IF_ERROR(apply_llama3(s, original, rope.fixed_inv_freq_));
    return rope;
  }
  if (type == "yarn") {
    rope.type_ = Type::kYarn;
    PLEXUS_ASSIGN_OR_RETURN(double beta_fast, number(s, "beta_fast", 32));
    PLEXUS_ASSIGN_OR_RETURN(double beta_slow, number(s, "beta_slow", 1));
    PLEXUS_ASSIGN_OR_RETURN(double mscale, number(s, "mscale", 0));
    PLEXUS_ASSIGN_OR_RETURN(double mscale_all_dim, number(s, "mscale_all_dim", 0));
    const bool truncate =
        !s.contains("truncate") || !s.at("truncate").is_bool() || s.at("truncate").get_bool();
    const double factor = rope.factor_, dim = double(head_dim), theta = rope.theta_;
    if (const auto* af = s.if_contains("attention_factor"); af && af->is_number()) {
      rope.attention_factor_ = float(af->to_number<double>());
    } else if (mscale != 0 && mscale_all_dim != 0) {
      rope.attention_factor_ =
          float(yarn_mscale(factor, mscale) / yarn_mscale(factor, mscale_all_dim));
    } else {
      rope.attention_factor_ = float(yarn_mscale(factor, 1.0));
    }
    // The band of dimensions between `beta_fast` and `beta_slow` rotations over the original
    // context blends interpolated (divided by factor) and original frequencies linearly.
    auto correction_dim = [&](double rotations) {
      return dim * std::log(original / (rotations * 2 * std::numbers::pi)) / (2 * std::log(theta));
    };
    double low = correction_dim(beta_fast), high = correction_dim(beta_slow);
    if (truncate) low = std::floor(low), high = std::ceil(high);
    low = std::max(low, 0.0);
    high = std::min(high, dim - 1);
    if (low == high) high += 0.001;
    for (std::size_t i = 0; i < rope.fixed_inv_freq_.size(); ++i) {
      const float ramp = std::clamp(float((double(i) - low) / (high - low)), 0.0f, 1.0f);
      const float extrapolation_weight = 1.0f - ramp;
      const float extrapolated = rope.fixed_inv_freq_[i];
      const float interpolated = 1.0f / (float(factor) * (1.0f / extrapolated));
      rope.fixed_inv_freq_[i] =
          interpolated * (1 - extrapolation_weight) + extrapolated * extrapolation_weight;
    }
    return rope;
  }
  return Status::unsupported("config.json rope scaling type '" + type +
                             "' is not supported (supported: linear, dynamic, llama3, yarn)");
}

std::vector<float> Rope::inv_freq(std::int64_t seq_len) const {
  if (type_ != Type::kDynamic || seq_len <= max_position_embeddings_) return fixed_inv_freq_;
  // Dynamic NTK: the base grows with the sequence once it passes max_position_embeddings.
  const double dim = double(head_dim_);
  const double base =
      theta_ *
      std::pow(factor_ * double(seq_len) / double(max_position_embeddings_) - (factor_ - 1),
               dim / (dim - 2));
  return base_frequencies(base);
}

void Rope::apply(float* x, std::int64_t heads, std::span<const std::int32_t> positions,
                 std::span<const std::int32_t> query_starts) const {
  const std::int64_t half = head_dim_ / 2;
  std::vector<float> cos_t(static_cast<std::size_t>(half)), sin_t(cos_t.size());
  for (std::size_t s = 0; s + 1 < query_starts.size(); ++s) {
    const std::int32_t begin = query_starts[s], end = query_starts[s + 1];
    std::int64_t seq_len = 0;
    for (std::int32_t r = begin; r < end; ++r)
      seq_len = std::max<std::int64_t>(seq_len, positions[r] + 1);
    const std::vector<float> freq = inv_freq(seq_len);
    for (std::int32_t r = begin; r < end; ++r) {
      const float pos = float(positions[r]);
      for (std::int64_t i = 0; i < half; ++i) {
        const float angle = pos * freq[i];
        cos_t[i] = std::cos(angle) * attention_factor_;
        sin_t[i] = std::sin(angle) * attention_factor_;
      }
      for (std::int64_t h = 0; h < heads; ++h) {
        float* v = x + (std::int64_t(r) * heads + h) * head_dim_;
        for (std::int64_t i = 0; i < half; ++i) {
          const float a = v[i], b = v[i + half];
          v[i] = a * cos_t[i] - b * sin_t[i];
          v[i + half] = b * cos_t[i] + a * sin_t[i];
        }
      }
    }
  }
}

}  // namespace plexus::deepseek
