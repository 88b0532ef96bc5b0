#include "cli_args.h"

#include <charconv>

#include "manifest/manifest.h"

namespace plexus::cli {

Result<Args> parse_args(std::vector<std::string> argv) {
  Args args;
  PLEXUS_ASSIGN_OR_RETURN(args.overrides, translate_cli_flags(argv));
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    auto value = [&](const char* flag) -> Result<std::string> {
      const std::string prefix = std::string(flag) + "=";
      if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
      if (i + 1 >= argv.size()) {
        return Status::invalid_argument(std::string(flag) + " needs a value");
      }
      return argv[++i];
    };
    if (a == "--plugin-path" || a.rfind("--plugin-path=", 0) == 0) {
      PLEXUS_ASSIGN_OR_RETURN(std::string v, value("--plugin-path"));
      args.plugin_paths.push_back(v);
    } else if (a == "--model" || a.rfind("--model=", 0) == 0) {
      PLEXUS_ASSIGN_OR_RETURN(args.model, value("--model"));
    } else if (a == "--print") {
      args.print = true;
    } else if (a == "--prompt" || a.rfind("--prompt=", 0) == 0) {
      PLEXUS_ASSIGN_OR_RETURN(std::string v, value("--prompt"));
      args.prompt = v;
    } else if (a == "--raw") {
      args.raw = true;
    } else if (a == "--max-tokens" || a.rfind("--max-tokens=", 0) == 0) {
      PLEXUS_ASSIGN_OR_RETURN(std::string v, value("--max-tokens"));
      int n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size() || n < 1 || n > 1000000) {
        return Status::invalid_argument("--max-tokens must be an integer from 1 to 1000000, got '" +
                                        v + "'");
      }
      args.max_tokens = n;
    } else if (a == "--no-special-tokens") {
      args.no_special_tokens = true;
    } else if (a == "--skip-special-tokens") {
      args.skip_special_tokens = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return Status::invalid_argument("unknown option '" + a + "' (see plexus --help)");
    } else {
      args.positional.push_back(a);
    }
  }
  return args;
}

}  // namespace plexus::cli
