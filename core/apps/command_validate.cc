// `plexus validate MANIFEST [--set k=v] [--print]`: checks the manifest and, when its plugins
// can be found, their own settings, without loading weights or opening a port.
#include <cstdio>

#include "commands.h"
#include "deployment.h"

namespace plexus::cli {

int command_validate(const std::vector<std::string>& argv) {
  Result<Args> args = parse_args(argv);
  if (!args.ok()) return fail(args.status().message(), 2);
  if (args->positional.empty()) return fail("usage: plexus validate MANIFEST [--set k=v]", 2);
  Result<Manifest> manifest = manifest_from_args(*args);
  if (!manifest.ok()) return fail(manifest.status().message());

  PluginHost host;
  discover_plugins(*manifest, *args, host);
  int problems = 0;
  auto check = [&](Status s) {
    if (s.ok()) return;
    ++problems;
    std::fprintf(stderr, "plexus: %s\n", s.message().c_str());
  };
  check(host.find(PluginKind::kModel, manifest->model.plugin).status());
  if (!manifest->quant.plugin.empty()) {
    check(host.find(PluginKind::kQuant, manifest->quant.plugin).status());
  }
  // Front ends check their own keys in their factories; creating one opens nothing.
  for (const FrontendSection& f : manifest->frontends) {
    FrontendContext context{&f.settings, {manifest->model.served_name}, PLEXUS_VERSION};
    check(host.create_frontend(f.plugin, context).status());
  }
  if (problems) return 1;
  if (args->print) std::fputs(manifest->to_toml().c_str(), stdout);
  std::printf("%s: ok\n", manifest->source.c_str());
  return 0;
}

}  // namespace plexus::cli
