#include "awq_config.h"

#include <boost/json.hpp>

namespace plexus::awq {
namespace {

// The first of `names` present in `o` (AWQ configs use two spellings for most keys).
const boost::json::value* find_any(const boost::json::object& o,
                                   std::initializer_list<const char*> names, const char** used) {
  for (const char* n : names) {
    if (const auto* v = o.if_contains(n); v && !v->is_null()) {
      *used = n;
      return v;
    }
  }
  return nullptr;
}

Status bad(const char* key, const std::string& why) {
  return Status::invalid_argument(std::string("AWQ quantization config: '") + key + "' " + why);
}

}  // namespace

double AwqConfig::bytes_per_weight() const {
  const double code = bits / 8.0;
  if (group_size <= 0) return code;
  return code + (2.0 + (zero_point ? bits / 8.0 : 0.0)) / group_size;
}

bool AwqConfig::is_quantized(std::string_view module) const {
  for (const std::string& m : modules_to_not_convert) {
    // A listed name matches the module itself or any module below it ("mlp.gate" also covers
    // "model.layers.0.mlp.gate"): AutoAWQ matches by substring.
    if (!m.empty() && module.find(m) != std::string_view::npos) return false;
  }
  return true;
}

Result<AwqConfig> parse_awq_config(const boost::json::object& o) {
  AwqConfig c;
  const char* key = "";
  if (const auto* m = o.if_contains("quant_method");
      m && m->is_string() && m->get_string() != "awq") {
    return bad("quant_method", "is \"" + std::string(m->get_string()) +
                                   "\"; this plugin reads \"awq\" checkpoints");
  }
  if (const auto* v = find_any(o, {"bits", "w_bit"}, &key)) {
    if (!v->is_int64() || v->get_int64() != 4) {
      return bad(key, "must be 4 (AWQ checkpoints are 4-bit), got " + boost::json::serialize(*v));
    }
  }
  if (const auto* v = find_any(o, {"group_size", "q_group_size"}, &key)) {
    const std::int64_t g = v->is_int64() ? v->get_int64() : 0;
    if (!v->is_int64() || !(g == -1 || g == 32 || g == 64 || g == 128)) {
      return bad(key, "must be 32, 64, 128 or -1, got " + boost::json::serialize(*v));
    }
    c.group_size = int(g);
  }
  if (const auto* v = find_any(o, {"zero_point"}, &key)) {
    if (!v->is_bool()) return bad(key, "must be true or false");
    c.zero_point = v->get_bool();
  }
  if (const auto* v = find_any(o, {"version"}, &key)) {
    if (!v->is_string()) return bad(key, "must be a string");
    std::string version(v->get_string());
    for (char& ch : version) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    if (version != "gemm") {
      return bad(key, "is \"" + std::string(v->get_string()) +
                          "\"; plexus reads the GEMM layout (\"gemm\") only: re-export the "
                          "checkpoint with version=\"gemm\"");
    }
    c.version = version;
  }
  if (const auto* v = find_any(o, {"modules_to_not_convert"}, &key)) {
    if (!v->is_array()) return bad(key, "must be a list of module names or null");
    for (const auto& item : v->get_array()) {
      if (!item.is_string()) return bad(key, "must hold only strings");
      c.modules_to_not_convert.emplace_back(item.get_string());
    }
  }
  // GPTQModel's per-module overrides ("-:" patterns skip modules): not read yet, and loading
  // without them would fail later on a skipped module's missing qweight.
  if (const auto* v = o.if_contains("dynamic");
      v && !v->is_null() && !(v->is_object() && v->get_object().empty())) {
    return bad("dynamic",
               "(GPTQModel's per-module overrides and skips) is not supported yet; list modules "
               "left dense in 'modules_to_not_convert' instead");
  }
  return c;
}

}  // namespace plexus::awq
