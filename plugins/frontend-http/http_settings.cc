#include "http_settings.h"

#include <cstdlib>

namespace plexus::http {
namespace {

Status out_of_range(const ConfigView& c, std::string_view key, const std::string& rule) {
  return Status::invalid_argument(c.where(key) + ": " + c.section() + " " + std::string(key) +
                                  " must be " + rule);
}

}  // namespace

Result<HttpSettings> read_http_settings(const ConfigView& c) {
  PLEXUS_RETURN_IF_ERROR(c.check_keys(
      {"plugin", "host", "port", "api_key", "api_key_env", "max_connections",
       "max_concurrent_requests", "max_body_bytes", "request_timeout_s", "shutdown_timeout_s"}));
  HttpSettings s;
  PLEXUS_ASSIGN_OR_RETURN(s.host, c.get_string("host", s.host));
  PLEXUS_ASSIGN_OR_RETURN(std::int64_t port, c.get_int("port", s.port));
  if (port < 0 || port > 65535) return out_of_range(c, "port", "from 0 to 65535");
  s.port = int(port);
  PLEXUS_ASSIGN_OR_RETURN(std::string env_name, c.get_string("api_key_env", ""));
  if (!env_name.empty()) {
    if (const char* key = std::getenv(env_name.c_str())) s.api_key = key;
  }
  PLEXUS_ASSIGN_OR_RETURN(std::string direct, c.get_string("api_key", ""));
  if (!direct.empty()) s.api_key = direct;
  PLEXUS_ASSIGN_OR_RETURN(std::int64_t conns, c.get_int("max_connections", s.max_connections));
  if (conns < 1 || conns > 100000) return out_of_range(c, "max_connections", "from 1 to 100000");
  s.max_connections = int(conns);
  PLEXUS_ASSIGN_OR_RETURN(std::int64_t concurrent,
                          c.get_int("max_concurrent_requests", s.max_concurrent_requests));
  if (concurrent < 1 || concurrent > 1000000) {
    return out_of_range(c, "max_concurrent_requests", "from 1 to 1000000");
  }
  s.max_concurrent_requests = int(concurrent);
  PLEXUS_ASSIGN_OR_RETURN(s.max_body_bytes, c.get_int("max_body_bytes", s.max_body_bytes));
  if (s.max_body_bytes < 1024 || s.max_body_bytes > (std::int64_t(1) << 30)) {
    return out_of_range(c, "max_body_bytes", "from 1024 to 1073741824");
  }
  PLEXUS_ASSIGN_OR_RETURN(std::int64_t timeout,
                          c.get_int("request_timeout_s", s.request_timeout_s));
  if (timeout < 1 || timeout > 3600) return out_of_range(c, "request_timeout_s", "from 1 to 3600");
  s.request_timeout_s = int(timeout);
  PLEXUS_ASSIGN_OR_RETURN(s.shutdown_timeout_s,
                          c.get_double("shutdown_timeout_s", s.shutdown_timeout_s));
  if (!(s.shutdown_timeout_s >= 0 && s.shutdown_timeout_s <= 3600)) {
    return out_of_range(c, "shutdown_timeout_s", "from 0 to 3600");
  }
  return s;
}

}  // namespace plexus::http
