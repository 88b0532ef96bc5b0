#include "cli_args.h"

#include <charconv>

#include "manifest/manifest.h"

namespace plexus::cli {
namespace {

struct IntFlag {
  const char* name;
  int Args::*field;
  int min;
};

constexpr IntFlag kIntFlags[] = {
    {"--max-tokens", &Args::max_tokens, 1},   {"--num-prompts", &Args::num_prompts, 1},
    {"--input-len", &Args::input_len, 1},     {"--output-len", &Args::output_len, 1},
    {"--concurrency", &Args::concurrency, 1}, {"--seed", &Args::seed, 0},
};

// The integer flag `arg` is ("--flag" or "--flag=value"), or null.
const IntFlag* find_int_flag(const std::string& arg) {
  for (const IntFlag& f : kIntFlags) {
    const std::string name = f.name;
    if (arg == name || arg.rfind(name + "=", 0) == 0) return &f;
  }
  return nullptr;
}

}  // namespace

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
    } else if (const IntFlag* f = find_int_flag(a)) {
      PLEXUS_ASSIGN_OR_RETURN(std::string v, value(f->name));
      int n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size() || n < f->min || n > 1000000) {
        return Status::invalid_argument(std::string(f->name) + " must be an integer from " +
                                        std::to_string(f->min) + " to 1000000, got '" + v + "'");
      }
      args.*(f->field) = n;
    } else if (a == "--json" || a.rfind("--json=", 0) == 0) {
      PLEXUS_ASSIGN_OR_RETURN(args.json_path, value("--json"));
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
