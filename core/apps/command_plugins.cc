// `plexus plugins [MANIFEST] [--plugin-path DIR]`: every plugin file found, loaded or refused.
#include <cstdio>

#include "commands.h"
#include "deployment.h"

namespace plexus::cli {

int command_plugins(const std::vector<std::string>& argv) {
  Result<Args> args = parse_args(argv);
  if (!args.ok()) return fail(args.status().message(), 2);
  Result<Manifest> manifest = manifest_from_args(*args);
  if (!manifest.ok()) return fail(manifest.status().message());
  PluginHost host;
  discover_plugins(*manifest, *args, host);

  std::printf("%-9s %-18s %-8s %-4s %s\n", "KIND", "NAME", "VERSION", "ABI", "PATH");
  int refused = 0;
  for (const PluginRecord& r : host.records()) {
    if (!r.loaded) {
      ++refused;
      continue;
    }
    std::printf("%-9s %-18s %-8s %-4s %s\n", plugin_kind_name(*r.kind).c_str(), r.name.c_str(),
                r.version.c_str(), r.abi.c_str(), r.path.c_str());
    std::string provides;
    for (const auto& p : r.provides) provides += (provides.empty() ? "" : ", ") + p;
    std::printf("          %s%s%s\n", r.description.c_str(),
                provides.empty() ? "" : "; provides: ", provides.c_str());
  }
  if (host.records().empty()) {
    std::printf(
        "(no plugin files found; searched the manifest's search_paths, "
        "PLEXUS_PLUGIN_PATH and the install's lib/plexus/plugins)\n");
  }
  if (refused) {
    std::printf("\nrefused:\n");
    for (const PluginRecord& r : host.records()) {
      if (!r.loaded) std::printf("  %s: %s\n", r.path.c_str(), r.refusal.c_str());
    }
  }
  return 0;
}

}  // namespace plexus::cli
