// The [[frontend]] keys of frontend-http, read and checked from the plugin's ConfigView.
#pragma once

#include <cstdint>
#include <string>

#include "plexus/config_view.h"
#include "plexus/status.h"

namespace plexus::http {

struct HttpSettings {
  std::string host = "127.0.0.1";  // loopback unless the operator opens it up
  int port = 8000;
  std::string api_key;  // empty: no authentication
  int max_connections = 256;
  int max_concurrent_requests = 512;  // generation requests in flight; beyond: 429
  std::int64_t max_body_bytes = 4 << 20;
  int request_timeout_s = 60;  // absolute deadline for reading one request
  double shutdown_timeout_s = 10;
};

// Reads the table; `api_key_env` names an environment variable holding the key, `api_key`
// gives it directly (the --api-key flag), the direct one wins.
Result<HttpSettings> read_http_settings(const ConfigView& config);

}  // namespace plexus::http
