#include "schema.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>

#include "byte_size.h"

namespace plexus::manifest_internal {
namespace {

struct SectionSpec {
  std::string_view name;
  std::vector<std::string_view> keys;
};

// Schema order; [[frontend]] keys other than `plugin` belong to the frontend plugin.
const std::vector<SectionSpec>& schema() {
  static const std::vector<SectionSpec> kSchema = {
      {"model",
       {"path", "served_name", "dtype", "max_model_len", "chat_template", "tokenizer", "plugin"}},
      {"quant", {"scheme", "plugin", "activations"}},
      {"devices",
       {"backend", "tensor_parallel", "gpu_memory_utilization", "cpu_kv_cache", "threads"}},
      {"scheduler", {"max_num_seqs", "max_num_batched_tokens", "prefix_caching", "block_size"}},
      {"frontend", {"plugin"}},
      {"plugins", {"search_paths"}},
      {"logging", {"level"}},
  };
  return kSchema;
}

const SectionSpec* find_section(std::string_view name) {
  for (const SectionSpec& s : schema()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string section_title(std::string_view name) {
  return name == "frontend" ? "[[frontend]]" : "[" + std::string(name) + "]";
}

std::string join(const std::vector<std::string_view>& items, std::string_view quote_with = "") {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += quote_with;
    out += item;
    out += quote_with;
  }
  return out;
}

// Suggestions are for typos; a key hundreds of bytes long is not one (and would make the
// edit-distance table needlessly large).
std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates) {
  constexpr std::size_t kMaxWord = 64;
  if (word.size() > kMaxWord) return "";
  std::vector<std::string> c(candidates.begin(), candidates.end());
  return closest_match(word, c);
}

std::string to_lower(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

// Location of a table: its header when it has one, else the key that created it (dotted keys,
// overrides).
const toml::source_region& table_region(const toml::key& key, const toml::node& node) {
  return node.source().begin.line != 0 ? node.source() : key.source();
}

// Reads one fixed-schema section. Each get_* stores the value and its location when the key is
// present and valid, records a mistake when it is present and invalid, and leaves the default
// alone when the key is absent.
class SectionReader {
 public:
  SectionReader(const toml::table* table, std::string_view name, Diagnostics& diag, Manifest& m)
      : table_(table), name_(name), diag_(diag), manifest_(m) {}

  void check_keys() {
    if (table_ == nullptr) return;
    const SectionSpec& spec = *find_section(name_);
    for (const auto& [key, node] : *table_) {
      if (std::find(spec.keys.begin(), spec.keys.end(), key.str()) != spec.keys.end()) continue;
      std::string msg =
          "unknown key '" + std::string(key.str()) + "' in " + section_title(name_) + "; ";
      const std::string best = suggest(key.str(), spec.keys);
      msg += best.empty() ? "allowed keys: " + join(spec.keys) : "did you mean '" + best + "'?";
      diag_.add(key.source(), std::move(msg));
    }
  }

  bool has(std::string_view key) const { return table_ != nullptr && table_->contains(key); }

  // `allow_empty` for optional keys, where "" means "not set" (so --set can clear them).
  bool get_string(std::string_view key, std::string* out, bool allow_empty = false) {
    const toml::node* node = find(key);
    if (node == nullptr) return false;
    const auto* s = node->as_string();
    if (s == nullptr) return type_error(key, *node, "a string");
    if (s->get().empty() && !allow_empty) return error(key, *node, "must not be empty");
    *out = s->get();
    return true;
  }

  // `hints` maps common wrong spellings to the choice meant, where the edit distance would
  // suggest the wrong one ("gpu" is one edit from "cpu" but means "cuda").
  bool get_choice(std::string_view key, const std::vector<std::string_view>& choices,
                  std::string* out,
                  const std::vector<std::pair<std::string_view, std::string_view>>& hints = {}) {
    const toml::node* node = find(key);
    if (node == nullptr) return false;
    const auto* s = node->as_string();
    if (s != nullptr && std::find(choices.begin(), choices.end(), s->get()) != choices.end()) {
      *out = s->get();
      return true;
    }
    std::string msg = "must be one of " + join(choices, "\"") + ", got " +
                      (s ? render_value(*node) : describe_node(*node));
    if (s != nullptr) {
      const std::string lower = to_lower(s->get());
      std::string best = suggest(lower, choices);
      for (const auto& [wrong, meant] : hints) {
        if (lower == wrong) best = meant;
      }
      if (!best.empty()) msg += "; did you mean \"" + best + "\"?";
    }
    return error(key, *node, msg);
  }

  template <typename Int>
  bool get_int(std::string_view key, std::int64_t lo, std::int64_t hi, Int* out) {
    const toml::node* node = find(key);
    if (node == nullptr) return false;
    const auto* i = node->as_integer();
    if (i == nullptr) return type_error(key, *node, "an integer");
    const std::int64_t v = i->get();
    if (v < lo)
      return error(key, *node,
                   "must be an integer >= " + std::to_string(lo) + ", got " + std::to_string(v));
    if (v > hi)
      return error(key, *node,
                   "must be an integer <= " + std::to_string(hi) + ", got " + std::to_string(v));
    *out = static_cast<Int>(v);
    return true;
  }

  bool get_power_of_two(std::string_view key, std::int64_t hi, int* out) {
    const toml::node* node = find(key);
    if (node == nullptr) return false;
    const auto* i = node->as_integer();
    if (i == nullptr) return type_error(key, *node, "an integer");
    const std::int64_t v = i->get();
    if (v < 1 || v > hi || (v & (v - 1)) != 0) {
      return error(
          key, *node,
          "must be a power of two from 1 to " + std::to_string(hi) + ", got " + std::to_string(v));
    }
    *out = static_cast<int>(v);
    return true;
  }

  // A number in (0, 1].
  bool get_fraction(std::string_view key, double* out) {
    const toml::node* node = find(key);
    if (node == nullptr) return false;
    double v = 0;
    if (const auto* f = node->as_floating_point()) {
      v = f->get();
    } else if (const auto* i = node->as_integer()) {
      v = static_cast<double>(i->get());
    } else {
      return type_error(key, *node, "a number");
    }
    if (!(v > 0 && v <= 1)) {
      return error(key, *node, "must be a number > 0 and <= 1, got " + render_value(*node));
    }
    *out = v;
    return true;
  }

  bool get_bool(std::string_view key, bool* out) {
    const toml::node* node = find(key);
    if (node == nullptr) return false;
    const auto* b = node->as_boolean();
    if (b == nullptr) return type_error(key, *node, "true or false");
    *out = b->get();
    return true;
  }

  bool get_string_list(std::string_view key, std::vector<std::string>* out) {
    const toml::node* node = find(key);
    if (node == nullptr) return false;
    const auto* a = node->as_array();
    if (a == nullptr) return type_error(key, *node, "an array of strings");
    std::vector<std::string> items;
    bool ok = true;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& item = *a->get(i);
      const auto* s = item.as_string();
      if (s == nullptr || s->get().empty()) {
        ok = error(key, item,
                   "must be an array of non-empty strings; item " + std::to_string(i) + " is " +
                       describe_node(item));
        continue;
      }
      items.push_back(s->get());
    }
    if (ok) *out = std::move(items);
    return ok;
  }

  // A size string ("2GiB") or a whole number of bytes; must be > 0.
  bool get_size(std::string_view key, std::uint64_t* out) {
    const toml::node* node = find(key);
    if (node == nullptr) return false;
    if (const auto* i = node->as_integer()) {
      if (i->get() <= 0)
        return error(key, *node, "must be more than 0 bytes, got " + render_value(*node));
      *out = static_cast<std::uint64_t>(i->get());
      return true;
    }
    const auto* s = node->as_string();
    if (s == nullptr) return type_error(key, *node, "a size like \"2GiB\" or a number of bytes");
    Result<std::uint64_t> bytes = parse_byte_size(s->get());
    if (!bytes.ok()) return error(key, *node, render_value(*node) + " " + bytes.status().message());
    if (*bytes == 0)
      return error(key, *node, "must be more than 0 bytes, got " + render_value(*node));
    *out = *bytes;
    return true;
  }

  // The location entry for a key that was read ("--set" for overrides).
  const toml::node* find(std::string_view key) {
    if (table_ == nullptr) return nullptr;
    auto it = table_->find(key);
    if (it == table_->end()) return nullptr;
    const toml::node& node = it->second;
    manifest_.locations[std::string(name_) + "." + std::string(key)] =
        diag_.where(Diagnostics::from_override(node.source()) ? node.source() : it->first.source());
    return &node;
  }

  bool from_override(std::string_view key) const {
    const toml::node* node = table_ ? table_->get(key) : nullptr;
    return node != nullptr && Diagnostics::from_override(node->source());
  }

  bool error(std::string_view key, const toml::node& node, const std::string& what) {
    diag_.add(node.source(), section_title(name_) + " " + std::string(key) + " " + what);
    return false;
  }

 private:
  bool type_error(std::string_view key, const toml::node& node, std::string_view wanted) {
    return error(key, node, "must be " + std::string(wanted) + ", got " + describe_node(node));
  }

  const toml::table* table_;
  std::string_view name_;
  Diagnostics& diag_;
  Manifest& manifest_;
};

std::string resolve_path(const std::string& written, bool from_override,
                         const std::string& base_dir) {
  namespace fs = std::filesystem;
  const fs::path p(written);
  if (written.empty() || p.is_absolute() || from_override || base_dir.empty()) return written;
  return (fs::path(base_dir) / p).lexically_normal().string();
}

// "models/SmolLM2-135M-Instruct.Q4_1.gguf" -> "SmolLM2-135M-Instruct.Q4_1";
// "models/deepseek-coder-33b-instruct/" -> "deepseek-coder-33b-instruct". Only ".gguf" is cut:
// directory names are full of dots ("Qwen2.5-7B").
std::string default_served_name(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  constexpr std::string_view kGguf = ".gguf";
  if (name.size() > kGguf.size() && name.substr(name.size() - kGguf.size()) == kGguf) {
    name.remove_suffix(kGguf.size());
  }
  return std::string(name);
}

const toml::table* section_table(const toml::table& root, std::string_view name,
                                 Diagnostics& diag) {
  auto it = root.find(name);
  if (it == root.end()) return nullptr;
  const toml::node& node = it->second;
  if (const auto* t = node.as_table()) return t;
  std::string msg = section_title(name) + " must be a table, got " + describe_node(node);
  if (const auto* a = node.as_array(); a && a->is_array_of_tables()) {
    msg += "; write " + section_title(name) + ", not [[" + std::string(name) + "]]";
  }
  diag.add(table_region(it->first, node), std::move(msg));
  return nullptr;
}

void read_model(const toml::table& root, Diagnostics& diag, Manifest& m) {
  const toml::table* table = section_table(root, "model", diag);
  SectionReader r(table, "model", diag, m);
  r.check_keys();
  ModelSection& model = m.model;
  if (r.get_string("path", &model.path)) {
    model.resolved_path = resolve_path(model.path, r.from_override("path"), m.base_dir);
  } else if (!r.has("path")) {
    const std::string msg =
        "[model] path is required: the GGUF file or Hugging Face directory to serve";
    if (table != nullptr) {
      diag.add(table_region(root.find("model")->first, *table), msg);
    } else {
      diag.add_unlocated(msg);
    }
  }
  if (!r.get_string("served_name", &model.served_name)) {
    model.served_name = default_served_name(model.path);
  }
  std::string dtype;
  if (r.get_choice(
          "dtype", {"auto", "f32", "bf16", "f16"}, &dtype,
          {{"float32", "f32"}, {"float16", "f16"}, {"half", "f16"}, {"bfloat16", "bf16"}}) &&
      dtype != "auto") {
    model.dtype = parse_dtype(dtype);
  }
  r.get_int("max_model_len", 0, std::int64_t{1} << 24, &model.max_model_len);
  if (r.get_string("chat_template", &model.chat_template, /*allow_empty=*/true)) {
    model.resolved_chat_template =
        model.chat_template_is_inline()
            ? model.chat_template
            : resolve_path(model.chat_template, r.from_override("chat_template"), m.base_dir);
  }
  if (r.get_string("tokenizer", &model.tokenizer, /*allow_empty=*/true)) {
    model.resolved_tokenizer =
        resolve_path(model.tokenizer, r.from_override("tokenizer"), m.base_dir);
  }
  r.get_string("plugin", &model.plugin);
}

void read_quant(const toml::table& root, Diagnostics& diag, Manifest& m) {
  SectionReader r(section_table(root, "quant", diag), "quant", diag, m);
  r.check_keys();
  std::string scheme = "auto";
  r.get_choice("scheme", {"auto", "none", "awq", "gptq"}, &scheme);
  m.quant.scheme = scheme == "none"   ? QuantMethod::kNone
                   : scheme == "awq"  ? QuantMethod::kAwq
                   : scheme == "gptq" ? QuantMethod::kGptq
                                      : QuantMethod::kAuto;
  r.get_string("plugin", &m.quant.plugin, /*allow_empty=*/true);
  r.get_choice("activations", {"f32", "int8"}, &m.quant.activations);
  if (!m.quant.plugin.empty()) {
    if (m.quant.scheme == QuantMethod::kNone) {
      r.error("plugin", *r.find("plugin"),
              "is set but [quant] scheme is \"none\" (dense weights need no quant plugin); "
              "remove plugin or choose a scheme");
    }
  } else {
    m.quant.plugin = std::string(default_quant_plugin(m.quant.scheme));
  }
}

void read_devices(const toml::table& root, Diagnostics& diag, Manifest& m) {
  SectionReader r(section_table(root, "devices", diag), "devices", diag, m);
  r.check_keys();
  DevicesSection& d = m.devices;
  std::string backend;
  if (r.get_choice("backend", {"cpu", "cuda"}, &backend, {{"gpu", "cuda"}, {"nvidia", "cuda"}})) {
    d.backend = backend == "cuda" ? DeviceKind::kCuda : DeviceKind::kCpu;
  }
  r.get_int("tensor_parallel", 1, 64, &d.tensor_parallel);
  r.get_fraction("gpu_memory_utilization", &d.gpu_memory_utilization);
  r.get_size("cpu_kv_cache", &d.cpu_kv_cache_bytes);
  r.get_int("threads", 0, 4096, &d.threads);
}

void read_scheduler(const toml::table& root, Diagnostics& diag, Manifest& m) {
  SectionReader r(section_table(root, "scheduler", diag), "scheduler", diag, m);
  r.check_keys();
  SchedulerSection& s = m.scheduler;
  const bool seqs_ok = r.get_int("max_num_seqs", 1, 65536, &s.max_num_seqs);
  const bool tokens_ok =
      r.get_int("max_num_batched_tokens", 1, std::int64_t{1} << 24, &s.max_num_batched_tokens);
  r.get_bool("prefix_caching", &s.prefix_caching);
  r.get_power_of_two("block_size", 256, &s.block_size);
  // Every running sequence needs at least one token of the step's budget.
  if ((seqs_ok || tokens_ok) && s.max_num_batched_tokens < s.max_num_seqs) {
    const char* key = tokens_ok ? "max_num_batched_tokens" : "max_num_seqs";
    r.error(key, *r.find(key),
            "must leave one token per sequence: max_num_batched_tokens (" +
                std::to_string(s.max_num_batched_tokens) + ") is less than max_num_seqs (" +
                std::to_string(s.max_num_seqs) + ")");
  }
}

void read_plugins(const toml::table& root, Diagnostics& diag, Manifest& m) {
  SectionReader r(section_table(root, "plugins", diag), "plugins", diag, m);
  r.check_keys();
  if (r.get_string_list("search_paths", &m.plugins.search_paths)) {
    const bool from_override = r.from_override("search_paths");
    for (const std::string& p : m.plugins.search_paths) {
      m.plugins.resolved_search_paths.push_back(resolve_path(p, from_override, m.base_dir));
    }
  }
}

void read_logging(const toml::table& root, Diagnostics& diag, Manifest& m) {
  SectionReader r(section_table(root, "logging", diag), "logging", diag, m);
  r.check_keys();
  r.get_choice("level", {"trace", "debug", "info", "warn", "error", "off"}, &m.logging.level);
}

// One frontend value as the ConfigView holds it; nullopt (with a recorded mistake) otherwise.
std::optional<ConfigScalar> frontend_value(const toml::node& node, const std::string& label,
                                           std::string_view key, Diagnostics& diag) {
  switch (node.type()) {
    case toml::node_type::boolean:
      return ConfigScalar(node.as_boolean()->get());
    case toml::node_type::integer:
      return ConfigScalar(node.as_integer()->get());
    case toml::node_type::floating_point:
      return ConfigScalar(node.as_floating_point()->get());
    case toml::node_type::string:
      return ConfigScalar(node.as_string()->get());
    case toml::node_type::array: {
      std::vector<std::string> items;
      const toml::array& a = *node.as_array();
      for (std::size_t i = 0; i < a.size(); ++i) {
        const auto* s = a.get(i)->as_string();
        if (s == nullptr) {
          diag.add(a.get(i)->source(), label + " " + std::string(key) +
                                           " must be an array of strings; item " +
                                           std::to_string(i) + " is " + describe_node(*a.get(i)));
          return std::nullopt;
        }
        items.push_back(s->get());
      }
      return ConfigScalar(std::move(items));
    }
    default:
      diag.add(node.source(), label + " " + std::string(key) +
                                  " must be a boolean, number, string or array of strings, got " +
                                  describe_node(node));
      return std::nullopt;
  }
}

void read_frontend(const toml::table& table, std::size_t index, Diagnostics& diag, Manifest& m) {
  const std::string number = "[[frontend]] #" + std::to_string(index);
  const std::string prefix = "frontend." + std::to_string(index) + ".";
  FrontendSection f;
  const toml::node* plugin = table.get("plugin");
  if (plugin == nullptr) {
    diag.add(table.source(), number +
                                 " has no plugin: name the frontend to load, e.g. "
                                 "plugin = \"frontend-http\"");
  } else if (const auto* s = plugin->as_string(); s == nullptr || s->get().empty()) {
    diag.add(plugin->source(),
             number + " plugin must be a non-empty string, got " + describe_node(*plugin));
  } else {
    f.plugin = s->get();
  }
  const std::string label = f.plugin.empty() ? number : number + " (" + f.plugin + ")";
  std::map<std::string, ConfigEntry, std::less<>> entries;
  for (const auto& [key, node] : table) {
    const std::string where =
        diag.where(Diagnostics::from_override(node.source()) ? node.source() : key.source());
    m.locations[prefix + std::string(key.str())] = where;
    std::optional<ConfigScalar> value = frontend_value(node, label, key.str(), diag);
    if (value) entries.emplace(std::string(key.str()), ConfigEntry{std::move(*value), where});
  }
  f.settings = ConfigView(label, std::move(entries));
  m.frontends.push_back(std::move(f));
}

void read_frontends(const toml::table& root, Diagnostics& diag, Manifest& m) {
  auto it = root.find("frontend");
  if (it == root.end()) return;
  const toml::node& node = it->second;
  const toml::array* array = node.as_array();
  if (array == nullptr) {
    std::string msg = "frontend must be an array of tables, got " + describe_node(node);
    if (node.is_table()) msg = "[frontend] must be written [[frontend]]: one table per frontend";
    diag.add(table_region(it->first, node), std::move(msg));
    return;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    if (const auto* t = item.as_table()) {
      read_frontend(*t, i, diag, m);
    } else {
      diag.add(item.source(), "[[frontend]] #" + std::to_string(i) + " must be a table, got " +
                                  describe_node(item));
    }
  }
}

// Keys outside the known sections: a known section's key written above every header, or a
// misspelled section.
void check_top_level(const toml::table& root, Diagnostics& diag) {
  std::vector<std::string_view> names;
  for (const SectionSpec& s : schema()) names.push_back(s.name);
  for (const auto& [key, node] : root) {
    if (find_section(key.str()) != nullptr) continue;
    if (!node.is_table() && !node.is_array_of_tables()) {
      std::string owner;
      for (const SectionSpec& s : schema()) {
        if (s.name != "frontend" &&
            std::find(s.keys.begin(), s.keys.end(), key.str()) != s.keys.end()) {
          owner = owner.empty() ? section_title(s.name) : owner + " or " + section_title(s.name);
        }
      }
      if (!owner.empty()) {
        diag.add(key.source(), "key '" + std::string(key.str()) +
                                   "' is outside any section; put it under " + owner);
        continue;
      }
    }
    std::string msg = "unknown section [" + std::string(key.str()) + "]; ";
    const std::string best = suggest(key.str(), names);
    if (best.empty()) {
      msg +=
          "the sections are [model], [quant], [devices], [scheduler], [[frontend]], "
          "[plugins], [logging]";
    } else {
      msg += "did you mean " + section_title(best) + "?";
    }
    diag.add(table_region(key, node), std::move(msg));
  }
}

}  // namespace

void read_manifest(const toml::table& root, Diagnostics& diag, Manifest& out) {
  check_top_level(root, diag);
  read_model(root, diag, out);
  read_quant(root, diag, out);
  read_devices(root, diag, out);
  read_scheduler(root, diag, out);
  read_frontends(root, diag, out);
  read_plugins(root, diag, out);
  read_logging(root, diag, out);
}

}  // namespace plexus::manifest_internal
