#include "gptq_config.h"

#include <boost/json.hpp>

namespace plexus::gptq {
namespace {

Status bad(std::string_view key, const std::string& why) {
  return Status::invalid_argument("GPTQ quantization config: '" + std::string(key) + "' " + why);
}

Result<bool> read_bool(const boost::json::object& o, const char* key, bool fallback) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_bool()) return bad(key, "must be true or false, got " + boost::json::serialize(*v));
  return v->get_bool();
}

}  // namespace

double GptqConfig::bytes_per_weight() const {
  const double code = bits / 8.0;
  if (group_size <= 0) return code;
  return code + (2.0 + bits / 8.0) / group_size;
}

bool GptqConfig::is_quantized(std::string_view module) const {
  return module != "lm_head" || lm_head;
}

Result<GptqConfig> parse_gptq_config(const boost::json::object& o) {
  GptqConfig c;
  if (const auto* m = o.if_contains("quant_method");
      m && m->is_string() && m->get_string() != "gptq") {
    return bad("quant_method", "is \"" + std::string(m->get_string()) +
                                   "\"; this plugin reads \"gptq\" checkpoints");
  }
  if (const auto* v = o.if_contains("bits")) {
    const std::int64_t b = v->is_int64() ? v->get_int64() : 0;
    if (!(b == 2 || b == 3 || b == 4 || b == 8)) {
      return bad("bits", "must be 2, 3, 4 or 8, got " + boost::json::serialize(*v));
    }
    c.bits = int(b);
  }
  if (const auto* v = o.if_contains("group_size")) {
    const std::int64_t g = v->is_int64() ? v->get_int64() : 0;
    if (!v->is_int64() || !(g == -1 || (g >= 16 && g <= 4096 && (g & (g - 1)) == 0))) {
      return bad("group_size",
                 "must be -1 or a power of two from 16 to 4096, got " + boost::json::serialize(*v));
    }
    c.group_size = int(g);
  }
  PLEXUS_ASSIGN_OR_RETURN(c.desc_act, read_bool(o, "desc_act", false));
  PLEXUS_ASSIGN_OR_RETURN(c.sym, read_bool(o, "sym", true));
  PLEXUS_ASSIGN_OR_RETURN(c.lm_head, read_bool(o, "lm_head", false));
  if (const auto* v = o.if_contains("checkpoint_format"); v && !v->is_null()) {
    const std::string f = v->is_string() ? std::string(v->get_string()) : "";
    if (f == "gptq") {
      c.format = CheckpointFormat::kGptqV1;
    } else if (f == "gptq_v2") {
      c.format = CheckpointFormat::kGptqV2;
    } else {
      return bad("checkpoint_format", "must be \"gptq\" or \"gptq_v2\", got " +
                                          boost::json::serialize(*v) +
                                          " (convert Marlin/other layouts back to gptq first)");
    }
  }
  if (const auto* v = o.if_contains("dynamic");
      v && !v->is_null() && !(v->is_object() && v->get_object().empty())) {
    return bad("dynamic",
               "(per-module bits and group sizes) is not supported yet; use a "
               "checkpoint quantized with one setting for every module");
  }
  return c;
}

}  // namespace plexus::gptq
