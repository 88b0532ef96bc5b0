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

// `bits` and `group_size` of `o` (the config, or one `dynamic` rule's overrides), checked;
// nullopt where absent. `where` prefixes the key in messages.
Result<std::optional<int>> read_bits(const boost::json::object& o, const std::string& where) {
  const auto* v = o.if_contains("bits");
  if (!v) return std::optional<int>();
  const std::int64_t b = v->is_int64() ? v->get_int64() : 0;
  if (!(b == 2 || b == 3 || b == 4 || b == 8)) {
    return bad(where + "bits", "must be 2, 3, 4 or 8, got " + boost::json::serialize(*v));
  }
  return std::optional<int>(int(b));
}

Result<std::optional<int>> read_group(const boost::json::object& o, const std::string& where) {
  const auto* v = o.if_contains("group_size");
  if (!v) return std::optional<int>();
  const std::int64_t g = v->is_int64() ? v->get_int64() : 0;
  if (!v->is_int64() || !(g == -1 || (g >= 16 && g <= 4096 && (g & (g - 1)) == 0))) {
    return bad(where + "group_size",
               "must be -1 or a power of two from 16 to 4096, got " + boost::json::serialize(*v));
  }
  return std::optional<int>(int(g));
}

Result<std::optional<bool>> read_optional_bool(const boost::json::object& o, const char* key,
                                               const std::string& where) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<bool>();
  if (!v->is_bool()) {
    return bad(where + key, "must be true or false, got " + boost::json::serialize(*v));
  }
  return std::optional<bool>(v->get_bool());
}

Result<std::vector<DynamicRule>> read_dynamic(const boost::json::value* v) {
  std::vector<DynamicRule> rules;
  if (!v || v->is_null()) return rules;
  if (!v->is_object()) {
    return bad("dynamic",
               "must map module patterns to overrides, got " + boost::json::serialize(*v));
  }
  for (const auto& [key, overrides] : v->get_object()) {
    DynamicRule r;
    r.pattern = std::string(key);
    r.skip = r.pattern.starts_with("-:");
    const std::string regex =
        r.skip || r.pattern.starts_with("+:") ? r.pattern.substr(2) : r.pattern;
    const std::string where = "dynamic[\"" + r.pattern + "\"].";
    try {
      r.regex = std::make_shared<const std::regex>(regex, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return bad("dynamic",
                 "pattern \"" + r.pattern + "\" is not a regular expression: " + e.what());
    }
    if (!overrides.is_object()) {
      return bad(where.substr(0, where.size() - 1),
                 "must be an object of overrides, got " + boost::json::serialize(overrides));
    }
    const boost::json::object& o = overrides.get_object();
    PLEXUS_ASSIGN_OR_RETURN(r.bits, read_bits(o, where));
    PLEXUS_ASSIGN_OR_RETURN(r.group_size, read_group(o, where));
    PLEXUS_ASSIGN_OR_RETURN(r.sym, read_optional_bool(o, "sym", where));
    PLEXUS_ASSIGN_OR_RETURN(r.desc_act, read_optional_bool(o, "desc_act", where));
    rules.push_back(std::move(r));
  }
  return rules;
}

}  // namespace

double GptqConfig::bytes_per_weight() const {
  const double code = bits / 8.0;
  if (group_size <= 0) return code;
  return code + (2.0 + bits / 8.0) / group_size;
}

bool GptqConfig::is_quantized(std::string_view module) const {
  const DynamicRule* rule = rule_for(module);
  if (rule && rule->skip) return false;
  return module != "lm_head" || lm_head;
}

const DynamicRule* GptqConfig::rule_for(std::string_view module) const {
  for (const DynamicRule& r : dynamic) {
    if (std::regex_search(module.begin(), module.end(), *r.regex,
                          std::regex_constants::match_continuous)) {
      return &r;
    }
  }
  return nullptr;
}

GptqConfig GptqConfig::resolved(std::string_view module) const {
  GptqConfig c = *this;
  if (const DynamicRule* r = rule_for(module); r && !r->skip) {
    c.bits = r->bits.value_or(bits);
    c.group_size = r->group_size.value_or(group_size);
    c.sym = r->sym.value_or(sym);
    c.desc_act = r->desc_act.value_or(desc_act);
  }
  c.dynamic.clear();
  return c;
}

Result<GptqConfig> parse_gptq_config(const boost::json::object& o) {
  GptqConfig c;
  if (const auto* m = o.if_contains("quant_method");
      m && m->is_string() && m->get_string() != "gptq") {
    return bad("quant_method", "is \"" + std::string(m->get_string()) +
                                   "\"; this plugin reads \"gptq\" checkpoints");
  }
  PLEXUS_ASSIGN_OR_RETURN(const std::optional<int> bits, read_bits(o, ""));
  PLEXUS_ASSIGN_OR_RETURN(const std::optional<int> group, read_group(o, ""));
  c.bits = bits.value_or(c.bits);
  c.group_size = group.value_or(c.group_size);
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
  PLEXUS_ASSIGN_OR_RETURN(c.dynamic, read_dynamic(o.if_contains("dynamic")));
  return c;
}

}  // namespace plexus::gptq
