// Manifest::to_toml — the canonical dump: every key, in schema order, values as validated.
#include <sstream>

#include <toml++/toml.h>

#include "byte_size.h"
#include "manifest.h"

namespace plexus {
namespace {

// toml++ writes each scalar with TOML's escaping and a round-trippable number; strings in
// double quotes, like the examples.
template <typename T>
std::string lit(const T& v) {
  std::ostringstream os;
  os << toml::toml_formatter{toml::value<T>(v), toml::toml_formatter::default_flags &
                                                    ~toml::format_flags::allow_literal_strings};
  return os.str();
}

std::string lit_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i ? ", " : "") + lit(items[i]);
  }
  return out + "]";
}

std::string key_text(const std::string& key) {
  for (char c : key) {
    const bool bare = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
    if (!bare) return lit(key);
  }
  return key.empty() ? lit(key) : key;
}

// A frontend setting, whatever type it holds. Integers are asked for before doubles because
// get_double also accepts integers.
std::string frontend_value(const ConfigView& view, const std::string& key) {
  if (auto b = view.get_bool(key, false); b.ok()) return *b ? "true" : "false";
  if (auto i = view.get_int(key, 0); i.ok()) return lit(*i);
  if (auto s = view.get_string(key, ""); s.ok()) return lit(*s);
  if (auto l = view.get_string_list(key, {}); l.ok()) return lit_list(*l);
  if (auto d = view.get_double(key, 0); d.ok()) return lit(*d);
  return "\"\"";
}

std::string dtype_text(const std::optional<DType>& d) {
  if (!d) return "auto";
  if (*d == DType::kBF16) return "bf16";
  if (*d == DType::kF16) return "f16";
  return "f32";
}

}  // namespace

std::string Manifest::to_toml() const {
  std::ostringstream o;
  o << "[model]\n"
    << "path = " << lit(model.path) << "\n"
    << "served_name = " << lit(model.served_name) << "\n"
    << "dtype = " << lit(dtype_text(model.dtype)) << "\n"
    << "max_model_len = " << lit(model.max_model_len) << "\n"
    << "chat_template = " << lit(model.chat_template) << "\n"
    << "tokenizer = " << lit(model.tokenizer) << "\n"
    << "plugin = " << lit(model.plugin) << "\n\n";
  o << "[quant]\n"
    << "scheme = " << lit(std::string(quant_method_name(quant.scheme))) << "\n"
    << "plugin = " << lit(quant.plugin) << "\n"
    << "activations = " << lit(quant.activations) << "\n\n";
  o << "[devices]\n"
    << "backend = " << lit(std::string(devices.backend == DeviceKind::kCuda ? "cuda" : "cpu"))
    << "\n"
    << "tensor_parallel = " << lit<std::int64_t>(devices.tensor_parallel) << "\n"
    << "gpu_memory_utilization = " << lit(devices.gpu_memory_utilization) << "\n"
    << "cpu_kv_cache = " << lit(format_byte_size(devices.cpu_kv_cache_bytes)) << "\n"
    << "threads = " << lit<std::int64_t>(devices.threads) << "\n\n";
  o << "[scheduler]\n"
    << "max_num_seqs = " << lit<std::int64_t>(scheduler.max_num_seqs) << "\n"
    << "max_num_batched_tokens = " << lit(scheduler.max_num_batched_tokens) << "\n"
    << "prefix_caching = " << (scheduler.prefix_caching ? "true" : "false") << "\n"
    << "block_size = " << lit<std::int64_t>(scheduler.block_size) << "\n\n";
  for (const FrontendSection& f : frontends) {
    o << "[[frontend]]\n"
      << "plugin = " << lit(f.plugin) << "\n";
    for (const std::string& key : f.settings.keys()) {
      if (key == "plugin") continue;
      o << key_text(key) << " = " << frontend_value(f.settings, key) << "\n";
    }
    o << "\n";
  }
  o << "[plugins]\n"
    << "search_paths = " << lit_list(plugins.search_paths) << "\n\n";
  o << "[logging]\n"
    << "level = " << lit(logging.level) << "\n";
  return o.str();
}

}  // namespace plexus
