// HttpServer — the listener and connections of frontend-http (Boost.Beast on Boost.Asio).
//
// Contract: `start()` binds and listens, then serves on its own I/O thread; each complete
// request goes to the Api. `stop()` closes the listener and turns new requests away with 503,
// gives generations in flight up to the shutdown timeout, aborts what is left, then closes
// everything and joins. Connections beyond max_connections are answered 429 and closed; each
// request must arrive in full within request_timeout_s of its first byte (idle keep-alive
// connections are closed after the same time); bodies over max_body_bytes get 413 and headers
// over 16 KiB 431, before they are buffered. A response stream whose client stops reading for
// request_timeout_s is dropped and its generation aborted.
#pragma once

#include <memory>
#include <string>

#include "api.h"
#include "http_settings.h"
#include "plexus/status.h"

namespace plexus::http {

class HttpServer {
 public:
  HttpServer(HttpSettings settings, FrontendContext context);
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
