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
// - The context's engine, tokenizer and render_chat outlive the Frontend. `engine` is null when
//   the deployment was brought up without one (`plexus validate`); a frontend then refuses to
//   start, or serves only what needs no model.
// Thread safety: `stop()` may be called from any thread (e.g. a signal watcher) while another
// thread is in `wait()`; `start()` is called once, before either. The engine, tokenizer and
// render_chat may be used from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "plexus/config_view.h"
#include "plexus/engine_client.h"
#include "plexus/status.h"
#include "plexus/tokenizer.h"

namespace plexus {

struct FrontendContext {
  const ConfigView* config = nullptr;      // this frontend's [[frontend]] table; never null
  std::vector<std::string> served_models;  // names clients may use in "model"
  std::string plexus_version;
  EngineClient* engine = nullptr;        // null without an engine (see the contract)
  const Tokenizer* tokenizer = nullptr;  // set with the engine
  // Renders OpenAI-style messages with the model's chat template (never a request's) into the
  // prompt text, with add_generation_prompt; `extra` adds template variables. InvalidArgument
  // when the model has no chat template or the messages break it.
  std::function<Result<std::string>(const boost::json::array& messages,
                                    const boost::json::object& extra)>
      render_chat;
};

class Frontend {
 public:
  virtual ~Frontend() = default;
  virtual Status start() = 0;
  virtual void stop() = 0;
  virtual void wait() = 0;
  // Where it listens, for the log: "http://127.0.0.1:8000", "stdin".
  virtual std::string endpoint() const = 0;
  // SIGINT arrived. Return true when the frontend took it as its own (an interactive chat
  // aborts the reply in progress) and the process should go on; false (the default) lets the
  // process stop.
  virtual bool on_interrupt() { return false; }
};

}  // namespace plexus
