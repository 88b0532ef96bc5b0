// The Prometheus text exposition (format 0.0.4) of the engine's gauges, counters and
// histograms, under `plexus:` names (vLLM's metric names with its prefix replaced).
#pragma once

#include <string>

#include "plexus/engine_client.h"

namespace plexus::http {

std::string prometheus_text(const EngineStats& stats, const std::string& model_name);

}  // namespace plexus::http
