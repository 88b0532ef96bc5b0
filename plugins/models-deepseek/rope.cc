#include "rope.h"

#include <boost/json.hpp>
#include <cmath>
#include <numbers>

namespace plexus::deepseek {
namespace {

Result<double> number(const boost::json::object& o, const char* key, double fallback) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return double(v->get_int64());
  if (v->is_uint64()) return double(v->get_uint64());
  return Status::invalid_argument(std::string("config.json '") + key + "' must be a number");
}

// Llama 3.1 scaling: long wavelengths are divided by `factor`, short ones kept, and the band
// between blended smoothly (see FORMATS.md).
Status apply_llama3(const boost::json::object& s, std::vector<float>& inv_freq) {
  PLEXUS_ASSIGN_OR_RETURN(double factor, number(s, "factor", 8.0));
  PLEXUS_ASSIGN_OR_RETURN(double low, number(s, "low_freq_factor", 1.0));
  PLEXUS_ASSIGN_OR_RETURN(double high, number(s, "high_freq_factor", 4.0));
  PLEXUS_ASSIGN_OR_RETURN(double original, number(s, "original_max_position_embeddings", 8192));
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

}  // namespace

void Rope::apply(float* x, std::int64_t rows, std::int64_t heads, std::int64_t head_dim,
                 const std::int32_t* positions) const {
  const std::int64_t half = std::int64_t(inv_freq.size());
  std::vector<float> cos_t(half), sin_t(half);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float pos = float(positions[r]);
    for (std::int64_t i = 0; i < half; ++i) {
      const float angle = pos * inv_freq[i];
      cos_t[i] = std::cos(angle);
      sin_t[i] = std::sin(angle);
    }
    for (std::int64_t h = 0; h < heads; ++h) {
      float* v = x + (r * heads + h) * head_dim;
      for (std::int64_t i = 0; i < half; ++i) {
        const float a = v[i], b = v[i + half];
        v[i] = a * cos_t[i] - b * sin_t[i];
        v[i + half] = b * cos_t[i] + a * sin_t[i];
      }
    }
  }
}

Result<Rope> make_rope(const boost::json::object& config, std::int64_t head_dim) {
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
  PLEXUS_ASSIGN_OR_RETURN(double theta, number(*theta_from, "rope_theta", 10000.0));
  if (!(theta > 1)) return Status::invalid_argument("config.json 'rope_theta' must be > 1");
  Rope rope;
  rope.inv_freq.resize(std::size_t(head_dim / 2));
  for (std::int64_t i = 0; i < head_dim / 2; ++i) {
    // As transformers computes it: 1 / theta^(2i / d), in f32.
    rope.inv_freq[i] = float(1.0 / std::pow(theta, double(2 * i) / double(head_dim)));
  }
  if (!scaling) return rope;
  const boost::json::object& s = *scaling;
  const auto* type_value = s.if_contains("rope_type");
  if (!type_value) type_value = s.if_contains("type");
  const std::string type =
      type_value && type_value->is_string() ? std::string(type_value->get_string()) : "";
  if (type == "default" || type.empty()) return rope;
  if (type == "linear") {
    PLEXUS_ASSIGN_OR_RETURN(double factor, number(s, "factor", 1.0));
    if (!(factor > 0))
      return Status::invalid_argument("config.json rope_scaling factor must be > 0");
    for (float& f : rope.inv_freq) f = float(f / factor);  // as transformers: inv_freq / factor
    return rope;
  }
  if (type == "llama3") {
    PLEXUS_RETURN_IF_ERROR(apply_llama3(s, rope.inv_freq));
    return rope;
  }
  return Status::unsupported("config.json rope_scaling type '" + type +
                             "' is not supported by the dense models yet (supported: linear, "
                             "llama3)");
}

}  // namespace plexus::deepseek
