#include "plexus/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace plexus {

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto l = spdlog::get("plexus");
    if (!l) l = spdlog::stderr_color_mt("plexus");
    l->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    if (const char* env = std::getenv("PLEXUS_LOG")) {
      auto level = spdlog::level::from_str(env);
      // from_str maps unknown names to "off"; only honour names it really knows.
      if (level != spdlog::level::off || std::string_view(env) == "off") l->set_level(level);
    }
    return l;
  }();
  return *instance;
}

Status set_log_level(std::string_view level) {
  static constexpr std::string_view kNames[] = {"trace", "debug",    "info", "warn",
                                                "error", "critical", "off"};
  for (std::string_view n : kNames) {
    if (n == level) {
      logger().set_level(spdlog::level::from_str(std::string(level)));
      return Status();
    }
  }
  return Status::invalid_argument("unknown log level '" + std::string(level) +
                                  "': use trace, debug, info, warn, error or off");
}

}  // namespace plexus
