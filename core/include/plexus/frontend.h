// plexus/frontend.h — what a frontend plugin builds: a way for requests to reach the engine.
//
// Contract:
// - A frontend plugin's factory receives its own [[frontend]] manifest table (it must refuse
//   keys it does not know, with ConfigView::check_keys) and what it may say about the
//   deployment. It returns a Frontend that is not yet running.
// - `start()` acquires what the frontend needs (sockets, threads) and returns once it is ready
//   to serve, or returns an error having released everything. `stop()` stops accepting new
//   work, lets in-flight work end within the frontend's shutdown timeout, releases everything
//   and returns; it is idempotent. `wait()` blocks until the frontend stops by itself (e.g.
//   end of input) or `stop()` completes.
// Thread safety: `stop()` may be called from any thread (e.g. a signal watcher) while another
// thread is in `wait()`; `start()` is called once, before either.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plexus/config_view.h"
#include "plexus/status.h"

namespace plexus {

struct FrontendContext {
  const ConfigView* config = nullptr;      // this frontend's [[frontend]] table; never null
  std::vector<std::string> served_models;  // names clients may use in "model"
  std::string plexus_version;
};

class Frontend {
 public:
  virtual ~Frontend() = default;
  virtual Status start() = 0;
  virtual void stop() = 0;
  virtual void wait() = 0;
  // Where it listens, for the log: "http://127.0.0.1:8000", "stdin".
  virtual std::string endpoint() const = 0;
};

}  // namespace plexus
