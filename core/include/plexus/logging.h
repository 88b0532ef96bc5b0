// plexus/logging.h — one logger for the process, shared by the core and every plugin.
//
// Contract: `logger()` returns the process-wide spdlog logger named "plexus" (created on first
// use, writing to stderr). The level comes from the manifest's [logging] level or PLEXUS_LOG
// (trace, debug, info, warn, error, off); `set_log_level` is how the host applies it. Plugins
// log through this logger so one switch controls everything.
// Thread safety: spdlog loggers are thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

#include "plexus/status.h"

namespace plexus {

spdlog::logger& logger();
// InvalidArgument for an unknown level name.
Status set_log_level(std::string_view level);

}  // namespace plexus
