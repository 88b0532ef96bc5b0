#include "manifest.h"

#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>

#include <toml++/toml.h>

#include "diagnostics.h"
#include "overrides.h"
#include "schema.h"

namespace plexus {

using manifest_internal::Diagnostics;

std::string_view quant_method_name(QuantMethod scheme) {
  switch (scheme) {
    case QuantMethod::kAuto:
      return "auto";
    case QuantMethod::kNone:
      return "none";
    case QuantMethod::kAwq:
      return "awq";
    case QuantMethod::kGptq:
      return "gptq";
  }
  return "auto";
}

std::string_view default_quant_plugin(QuantMethod scheme) {
  switch (scheme) {
    case QuantMethod::kAwq:
      return "quant-awq";
    case QuantMethod::kGptq:
      return "quant-gptq";
    case QuantMethod::kAuto:
    case QuantMethod::kNone:
      break;
  }
  return "";
}

bool ModelSection::chat_template_is_inline() const {
  return chat_template.find("{{") != std::string::npos ||
         chat_template.find("{%") != std::string::npos;
}

std::string Manifest::where(std::string_view dotted_key) const {
  auto it = locations.find(dotted_key);
  return it == locations.end() ? std::string("default") : it->second;
}

namespace {

std::string dtype_manifest_name(const std::optional<DType>& dtype) {
  if (!dtype) return "auto";
  switch (*dtype) {
    case DType::kF32:
      return "f32";
    case DType::kBF16:
      return "bf16";
    case DType::kF16:
      return "f16";
    default:
      return std::string(dtype_name(*dtype));
  }
}

}  // namespace

ConfigView Manifest::model_view() const {
  std::map<std::string, ConfigEntry, std::less<>> e;
  auto put = [&](const char* key, ConfigScalar value) {
    e.emplace(key, ConfigEntry{std::move(value), where(std::string("model.") + key)});
  };
  // Plugins get paths they can open: resolved against the manifest's folder.
  put("path", model.resolved_path);
  put("served_name", model.served_name);
  put("dtype", dtype_manifest_name(model.dtype));
  put("max_model_len", model.max_model_len);
  put("chat_template", model.resolved_chat_template);
  put("tokenizer", model.resolved_tokenizer);
  put("plugin", model.plugin);
  return ConfigView("[model]", std::move(e));
}

ConfigView Manifest::quant_view() const {
  std::map<std::string, ConfigEntry, std::less<>> e;
  e.emplace("scheme",
            ConfigEntry{std::string(quant_method_name(quant.scheme)), where("quant.scheme")});
  e.emplace("plugin", ConfigEntry{quant.plugin, where("quant.plugin")});
  e.emplace("activations", ConfigEntry{quant.activations, where("quant.activations")});
  return ConfigView("[quant]", std::move(e));
}

Result<Manifest> parse_manifest(std::string_view toml_text, std::string_view source_name,
                                const std::vector<std::string>& overrides,
                                std::string_view base_dir) {
  Diagnostics diag{std::string(source_name)};
  try {
    toml::table root;
    try {
      root = toml::parse(toml_text, std::string(source_name));
    } catch (const toml::parse_error& e) {
      return Status::invalid_argument(diag.where(e.source()) + ": " + std::string(e.description()));
    }
    manifest_internal::apply_overrides(root, overrides, diag);
    Manifest m;
    m.source = std::string(source_name);
    m.base_dir = std::string(base_dir);
    manifest_internal::read_manifest(root, diag, m);
    PLEXUS_RETURN_IF_ERROR(diag.to_status());
    return m;
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted(std::string(source_name) +
                                      ": out of memory while reading the manifest");
  } catch (const std::exception& e) {
    return Status::internal(std::string(source_name) +
                            ": reading the manifest failed: " + e.what());
  }
}

Result<Manifest> load_manifest_file(const std::string& path,
                                    const std::vector<std::string>& overrides) {
  // A manifest is a page of text; anything this large is a wrong path, not a manifest.
  constexpr std::uintmax_t kMaxBytes = 16u << 20;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    if (!std::filesystem::exists(path)) {
      return Status::not_found("manifest '" + path + "' does not exist");
    }
    return Status::io_error("cannot read manifest '" + path + "': " + ec.message());
  }
  if (size > kMaxBytes) {
    return Status::invalid_argument("manifest '" + path + "' is " + std::to_string(size) +
                                    " bytes; a manifest is at most 16MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error("cannot open manifest '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::io_error("error while reading manifest '" + path + "'");
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  return parse_manifest(text.str(), path, overrides, base_dir);
}

}  // namespace plexus
