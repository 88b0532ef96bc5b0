// PluginHost — finds plugin libraries, checks them, and hands out their factories.
//
// Contract:
// - `discover()` scans the search path (in order: manifest search paths, PLEXUS_PLUGIN_PATH,
//   the install's plugin folder) for files named libplexus-*.so and tries each once. Every
//   outcome is recorded (loaded or refused with the reason) for `plexus plugins`.
// - `load(path)` checks, before calling any factory: the entry point exists, the ABI major
//   matches, the descriptor is large enough for its minor, the toolchain's standard-library ABI
//   matches, the kind is known and exactly its factory is set, and no plugin of the same kind
//   and name is loaded yet. A refusal names the file and the reason.
// - `create_*` run a factory and wrap its exceptions into errors. The object returned holds
//   the library loaded: a library is unloaded only after the host and every object made by
//   its factories are gone.
// Thread safety: discovery and loading are single-threaded (start-up); `find` and `create_*`
// may be called concurrently once loading is done.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plexus/plugin.h"
#include "plexus/status.h"

namespace plexus {

struct LoadedPlugin;  // defined in plugin_host.cc

struct PluginRecord {
  std::string path;
  bool loaded = false;
  std::string refusal;  // why it was not loaded (empty when loaded)
  // Filled from the descriptor when it could be read.
  std::optional<PluginKind> kind;
  std::string name;
  std::string version;
  std::string abi;  // "1.0"
  std::string description;
  std::vector<std::string> provides;
  int score = 0;
};

class PluginHost {
 public:
  PluginHost();
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // The default search path: `extra` (e.g. the manifest's search_paths), then the directories in
  // PLEXUS_PLUGIN_PATH, then <directory of the running executable>/../lib/plexus/plugins.
  static std::vector<std::string> default_search_path(const std::vector<std::string>& extra);

  // Tries every libplexus-*.so in each directory (sorted by name within a directory). Missing
  // directories are skipped. Never fails as a whole: see records().
  void discover(const std::vector<std::string>& directories);
  // Tries one file. The Status is the refusal, also kept in records().
  Status load(const std::string& path);

  const std::vector<PluginRecord>& records() const { return records_; }

  // The loaded plugin of this kind and name, or NotFound listing what is loaded (or
  // InvalidArgument when a plugin of that name exists but is another kind).
  Result<const PluginRecord*> find(PluginKind kind, const std::string& name) const;
  // The loaded model plugin providing `architecture`, or NotFound listing the known ones.
  Result<const PluginRecord*> find_provider(PluginKind kind, const std::string& what) const;

  Result<std::shared_ptr<Model>> create_model(const std::string& name, const ModelContext& c);
  Result<std::shared_ptr<QuantScheme>> create_quant(const std::string& name, const QuantContext& c);
  Result<std::shared_ptr<Frontend>> create_frontend(const std::string& name,
                                                    const FrontendContext& c);

 private:
  Status refuse(PluginRecord record, std::string reason);

  std::vector<PluginRecord> records_;
  std::map<std::string, std::shared_ptr<LoadedPlugin>> plugins_;  // key: "<kind>/<name>"
};

}  // namespace plexus
