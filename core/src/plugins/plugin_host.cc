#include "plugin_host.h"

#include <dlfcn.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>

#include "plexus/logging.h"

namespace plexus {

namespace fs = std::filesystem;

struct LoadedPlugin {
  // Destroyed last: objects made by the factories capture a shared_ptr to this.
  boost::dll::shared_library library;
  const PluginDescriptor* descriptor = nullptr;
  const PluginRecord* record = nullptr;  // points into PluginHost::records_ (stable: see load)
};

std::string plugin_kind_name(PluginKind kind) {
  switch (kind) {
    case PluginKind::kModel:
      return "model";
    case PluginKind::kQuant:
      return "quant";
    case PluginKind::kFrontend:
      return "frontend";
  }
  return "unknown kind " + std::to_string(static_cast<std::uint32_t>(kind));
}

namespace {

std::string first_word(const char* s) {
  std::string w(s ? s : "");
  return w.substr(0, w.find(' '));
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

bool known_kind(PluginKind k) {
  return k == PluginKind::kModel || k == PluginKind::kQuant || k == PluginKind::kFrontend;
}

std::string registry_key(PluginKind kind, const std::string& name) {
  return plugin_kind_name(kind) + "/" + name;
}

// Runs a factory, turning an escaped exception into an error that names the plugin.
template <typename T, typename Call>
Result<std::shared_ptr<T>> guarded_create(const std::shared_ptr<LoadedPlugin>& plugin, Call call) {
  const std::string who =
      "plugin '" + std::string(plugin->descriptor->name) + "' (" + plugin->record->path + ")";
  try {
    Result<std::unique_ptr<T>> made = call();
    if (!made.ok()) return made.status().with_context(who);
    if (!*made) return Status::internal(who + ": factory returned no object and no error");
    // The deleter keeps the library loaded until the object is gone.
    return std::shared_ptr<T>(made->release(), [keep = plugin](T* p) { delete p; });
  } catch (const std::exception& e) {
    return Status::internal(who + ": factory threw an exception: " + e.what());
  } catch (...) {
    return Status::internal(who + ": factory threw a non-standard exception");
  }
}

}  // namespace

PluginHost::PluginHost() { records_.reserve(256); }

PluginHost::~PluginHost() = default;

std::vector<std::string> PluginHost::default_search_path(const std::vector<std::string>& extra) {
  std::vector<std::string> dirs = extra;
  if (const char* env = std::getenv("PLEXUS_PLUGIN_PATH")) {
    std::string_view rest(env);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      std::string_view item = rest.substr(0, colon);
      if (!item.empty()) dirs.emplace_back(item);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  boost::dll::fs::error_code ec;
  fs::path exe = boost::dll::program_location(ec);
  if (!ec)
    dirs.push_back((exe.parent_path() / ".." / "lib" / "plexus" / "plugins").lexically_normal());
  return dirs;
}

void PluginHost::discover(const std::vector<std::string>& directories) {
  std::vector<std::string> seen;
  for (const std::string& dir : directories) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      logger().debug("plugin directory {} does not exist; skipped", dir);
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string file = entry.path().filename().string();
      if (file.rfind("libplexus-", 0) == 0 && entry.path().extension() == ".so") {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      std::string canonical = fs::weakly_canonical(f, ec).string();
      if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) continue;  // same file
      seen.push_back(canonical);
      Status s = load(f.string());
      if (!s.ok()) logger().warn("{}", s.message());
    }
  }
}

Status PluginHost::refuse(PluginRecord record, std::string reason) {
  record.loaded = false;
  record.refusal = reason;
  records_.push_back(std::move(record));
  return Status::failed_precondition(records_.back().path + ": " + reason);
}

Status PluginHost::load(const std::string& path) {
  if (records_.size() == records_.capacity()) {
    return Status::resource_exhausted(path + ": too many plugin files (limit " +
                                      std::to_string(records_.capacity()) + ")");
  }
  PluginRecord record;
  record.path = path;

  auto plugin = std::make_shared<LoadedPlugin>();
  boost::dll::fs::error_code ec;
  dlerror();  // clear, so the message below is this load's
  plugin->library.load(path, boost::dll::load_mode::rtld_lazy | boost::dll::load_mode::rtld_local,
                       ec);
  if (ec) {
    const char* why = dlerror();
    return refuse(std::move(record),
                  std::string("cannot load the library: ") + (why ? why : ec.message()));
  }
  if (!plugin->library.has(PLEXUS_PLUGIN_ENTRY_NAME)) {
    return refuse(std::move(record), "no entry point " PLEXUS_PLUGIN_ENTRY_NAME " in " + path +
                                         " (is it a plexus plugin? declare it with "
                                         "PLEXUS_PLUGIN_ENTRY)");
  }
  auto entry = plugin->library.get<const PluginDescriptor*()>(PLEXUS_PLUGIN_ENTRY_NAME);
  const PluginDescriptor* d = entry();
  if (d == nullptr) return refuse(std::move(record), "entry point returned no descriptor");

  // ABI first: nothing beyond these three fields may be read before they check out.
  record.abi = std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor);
  if (d->abi_major != PLEXUS_PLUGIN_ABI_MAJOR) {
    return refuse(std::move(record), "plugin ABI " + record.abi + ", this host speaks " +
                                         std::to_string(PLEXUS_PLUGIN_ABI_MAJOR) +
                                         ".x: rebuild the plugin against this plexus SDK");
  }
  if (d->struct_size < kPluginDescriptorSizeV1_0) {
    return refuse(std::move(record), "descriptor is " + std::to_string(d->struct_size) +
                                         " bytes, ABI " + record.abi + " needs at least " +
                                         std::to_string(kPluginDescriptorSizeV1_0));
  }
  const std::string want_toolchain = first_word(PLEXUS_TOOLCHAIN_TAG);
  if (first_word(d->toolchain) != want_toolchain) {
    return refuse(std::move(record), std::string("built with toolchain '") +
                                         (d->toolchain ? d->toolchain : "(none)") +
                                         "', this host needs '" + want_toolchain +
                                         "': rebuild it with the same C++ standard library");
  }
  record.kind = d->kind;
  record.name = d->name ? d->name : "";
  record.version = d->version ? d->version : "";
  record.description = d->description ? d->description : "";
  for (const char* const* p = d->provides; p && *p; ++p) record.provides.emplace_back(*p);
  if (record.name.empty()) return refuse(std::move(record), "the descriptor has no name");
  if (!known_kind(d->kind)) {
    return refuse(std::move(record), "'" + record.name + "' declares " + plugin_kind_name(d->kind) +
                                         "; this host knows model, quant and frontend");
  }
  const int factories =
      (d->create_model != nullptr) + (d->create_quant != nullptr) + (d->create_frontend != nullptr);
  const bool right_factory = (d->kind == PluginKind::kModel && d->create_model) ||
                             (d->kind == PluginKind::kQuant && d->create_quant) ||
                             (d->kind == PluginKind::kFrontend && d->create_frontend);
  if (factories != 1 || !right_factory) {
    return refuse(std::move(record), "'" + record.name + "' is a " + plugin_kind_name(d->kind) +
                                         " plugin but does not set exactly the " +
                                         plugin_kind_name(d->kind) + " factory");
  }
  const std::string key = registry_key(d->kind, record.name);
  if (auto it = plugins_.find(key); it != plugins_.end()) {
    return refuse(std::move(record), "a " + plugin_kind_name(d->kind) + " plugin named '" +
                                         record.name + "' is already loaded from " +
                                         it->second->record->path);
  }
  record.score = 1;
  if (d->score) {
    try {
      record.score = d->score();
    } catch (...) {
      return refuse(std::move(record), "its score() threw an exception");
    }
    if (record.score <= 0) {
      return refuse(std::move(record),
                    "'" + record.name + "' cannot run on this machine (score 0)");
    }
  }
  record.loaded = true;
  records_.push_back(std::move(record));
  plugin->descriptor = d;
  plugin->record = &records_.back();
  plugins_.emplace(key, std::move(plugin));
  const PluginRecord& r = records_.back();
  logger().debug("loaded {} plugin {} {} (ABI {}) from {}", plugin_kind_name(*r.kind), r.name,
                 r.version, r.abi, r.path);
  return Status();
}

Result<const PluginRecord*> PluginHost::find(PluginKind kind, const std::string& name) const {
  if (auto it = plugins_.find(registry_key(kind, name)); it != plugins_.end()) {
    return it->second->record;
  }
  std::vector<std::string> same_kind;
  for (const auto& [key, p] : plugins_) {
    if (p->descriptor->kind == kind) same_kind.push_back(p->record->name);
    if (p->record->name == name) {
      return Status::invalid_argument("plugin '" + name + "' is a " +
                                      plugin_kind_name(p->descriptor->kind) + " plugin, not a " +
                                      plugin_kind_name(kind) + " plugin");
    }
  }
  std::string msg = "no " + plugin_kind_name(kind) + " plugin named '" + name + "' is loaded";
  const std::string guess = closest_match(name, same_kind);
  if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
  msg +=
      same_kind.empty() ? " (none of this kind was found)" : " (loaded: " + join(same_kind) + ")";
  msg += "; run `plexus plugins` to see what was found and why any was refused";
  return Status::not_found(std::move(msg));
}

Result<const PluginRecord*> PluginHost::find_provider(PluginKind kind,
                                                      const std::string& what) const {
  const PluginRecord* best = nullptr;
  std::vector<std::string> known;
  for (const auto& [key, p] : plugins_) {
    if (p->descriptor->kind != kind) continue;
    for (const auto& item : p->record->provides) {
      known.push_back(item);
      if (item == what && (!best || p->record->score > best->score)) best = p->record;
    }
  }
  if (best) return best;
  std::sort(known.begin(), known.end());
  const std::string list = join(known);
  return Status::not_found("no loaded " + plugin_kind_name(kind) + " plugin provides '" + what +
                           "' (known: " + (list.empty() ? "none" : list) + ")");
}

Result<std::shared_ptr<Model>> PluginHost::create_model(const std::string& name,
                                                        const ModelContext& c) {
  PLEXUS_ASSIGN_OR_RETURN(const PluginRecord* r, find(PluginKind::kModel, name));
  auto plugin = plugins_.at(registry_key(PluginKind::kModel, r->name));
  return guarded_create<Model>(plugin, [&] { return plugin->descriptor->create_model(c); });
}

Result<std::shared_ptr<QuantScheme>> PluginHost::create_quant(const std::string& name,
                                                              const QuantContext& c) {
  PLEXUS_ASSIGN_OR_RETURN(const PluginRecord* r, find(PluginKind::kQuant, name));
  auto plugin = plugins_.at(registry_key(PluginKind::kQuant, r->name));
  return guarded_create<QuantScheme>(plugin, [&] { return plugin->descriptor->create_quant(c); });
}

Result<std::shared_ptr<Frontend>> PluginHost::create_frontend(const std::string& name,
                                                              const FrontendContext& c) {
  PLEXUS_ASSIGN_OR_RETURN(const PluginRecord* r, find(PluginKind::kFrontend, name));
  auto plugin = plugins_.at(registry_key(PluginKind::kFrontend, r->name));
  return guarded_create<Frontend>(plugin, [&] { return plugin->descriptor->create_frontend(c); });
}

}  // namespace plexus
