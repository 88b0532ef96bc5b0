// HttpServer — the listener and connections of frontend-http (Boost.Beast on Boost.Asio).
//
// Contract: `start()` binds and listens, then serves on its own threads; `stop()` closes the
// listener, gives open requests up to the shutdown timeout, then closes everything and joins.
// Connections beyond max_connections are answered 429 and closed; each request must arrive in
// full within request_timeout_s; bodies over max_body_bytes get 413 before being buffered.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "http_settings.h"
#include "plexus/status.h"

namespace plexus::http {

struct ServerInfo {
  std::vector<std::string> served_models;
  std::string plexus_version;
};

class HttpServer {
 public:
  HttpServer(HttpSettings settings, ServerInfo info);
  ~HttpServer();
  Status start();
  void stop();
  void wait();
  // The bound port (useful when port = 0 asks the OS for a free one).
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::http
