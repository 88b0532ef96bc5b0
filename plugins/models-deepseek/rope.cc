#include "rope.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

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

}  // namespace

Result<kernels::RopeConfig> rope_config_from_json(const boost::json::object& config,
                                                  std::int64_t head_dim) {
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
  kernels::RopeConfig c;
  c.rotary_dim = head_dim;
  PLEXUS_ASSIGN_OR_RETURN(c.theta, number(*theta_from, "rope_theta", 10000.0));
  PLEXUS_ASSIGN_OR_RETURN(double max_pos, number(config, "max_position_embeddings", 2048));
  c.max_position_embeddings = std::int64_t(max_pos);
  if (!scaling) return c;
  const boost::json::object& s = *scaling;
  const auto* type = s.if_contains("rope_type");
  if (!type) type = s.if_contains("type");
  PLEXUS_ASSIGN_OR_RETURN(c.type, kernels::parse_rope_scaling_type(
                                      type && type->is_string() ? type->get_string() : ""));
  PLEXUS_ASSIGN_OR_RETURN(
      c.factor, number(s, "factor", c.type == kernels::RopeScalingType::kYarn ? 0.0 : 1.0));
  PLEXUS_ASSIGN_OR_RETURN(double original, number(s, "original_max_position_embeddings", max_pos));
  c.original_max_position_embeddings = std::int64_t(original);
  PLEXUS_ASSIGN_OR_RETURN(c.low_freq_factor, number(s, "low_freq_factor", c.low_freq_factor));
  PLEXUS_ASSIGN_OR_RETURN(c.high_freq_factor, number(s, "high_freq_factor", c.high_freq_factor));
  PLEXUS_ASSIGN_OR_RETURN(c.beta_fast, number(s, "beta_fast", c.beta_fast));
  PLEXUS_ASSIGN_OR_RETURN(c.beta_slow, number(s, "beta_slow", c.beta_slow));
  PLEXUS_ASSIGN_OR_RETURN(c.mscale, number(s, "mscale", 0.0));
  PLEXUS_ASSIGN_OR_RETURN(c.mscale_all_dim, number(s, "mscale_all_dim", 0.0));
  if (const auto* af = s.if_contains("attention_factor"); af && af->is_number()) {
    c.attention_factor = af->to_number<double>();
  }
  if (const auto* t = s.if_contains("truncate"); t && t->is_bool()) c.truncate = t->get_bool();
  return c;
}

Result<Rope> Rope::from_config(const boost::json::object& config, std::int64_t head_dim) {
  Rope rope;
  PLEXUS_ASSIGN_OR_RETURN(rope.config_, rope_config_from_json(config, head_dim));
  PLEXUS_ASSIGN_OR_RETURN(rope.fixed_, kernels::rope_frequencies(rope.config_));
  return rope;
}

Status Rope::apply(float* x, std::int64_t heads, std::span<const std::int32_t> positions,
                   std::span<const std::int32_t> query_starts) {
  const std::int64_t head_dim = config_.rotary_dim;
  for (std::size_t s = 0; s + 1 < query_starts.size(); ++s) {
    const std::int32_t begin = query_starts[s], end = query_starts[s + 1];
    if (begin == end) continue;
    std::vector<std::int64_t> pos(positions.begin() + begin, positions.begin() + end);
    const std::int64_t seq_len = *std::max_element(pos.begin(), pos.end()) + 1;
    float* rows = x + std::int64_t(begin) * heads * head_dim;
    if (config_.type == kernels::RopeScalingType::kDynamic) {
      PLEXUS_ASSIGN_OR_RETURN(kernels::RopeFrequencies f,
                              kernels::rope_frequencies(config_, seq_len));
      kernels::apply_rope_reference(rows, end - begin, heads, heads * head_dim, head_dim,
                                    pos.data(), f, kernels::RopeLayout::kHalfSplit);
      continue;
    }
    if (seq_len > table_.max_positions) {
      table_ = kernels::make_rope_table(fixed_,
                                        std::max<std::int64_t>(seq_len, 2 * table_.max_positions));
    }
    PLEXUS_RETURN_IF_ERROR(kernels::apply_rope(rows, end - begin, heads, heads * head_dim, head_dim,
                                               pos.data(), table_,
                                               kernels::RopeLayout::kHalfSplit));
  }
  return Status();
}

}  // namespace plexus::deepseek
