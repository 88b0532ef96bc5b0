// Exchange — one HTTP request being answered, as the API handlers see it.
//
// Contract:
// - Every method but `post` runs on the server's I/O thread; engine callbacks (on the engine
//   thread) reach it through `post`. Answering after the exchange ended, or to a client that left,
//   is a no-op.
// - An exchange ends with exactly one `respond`, or with `start_stream` ... `end_stream`. After
//   it ends, the connection reads its next request (keep-alive) or closes.
// - `on_disconnect` runs (once, on the I/O thread) when the client goes away or stops reading
//   before the exchange ends: the handler aborts its engine requests there.
// Thread safety: see above; an Exchange is shared (shared_ptr) by the handler's callbacks.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace plexus::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual void respond(int status, std::string body, std::string content_type = "application/json",
                       Headers headers = {}) = 0;
  // 200 with Content-Type text/event-stream, chunked; then `send` raw SSE bytes.
  virtual void start_stream() = 0;
  virtual void send(std::string data) = 0;
  virtual void end_stream() = 0;
  virtual void post(std::function<void()> work) = 0;
  virtual void on_disconnect(std::function<void()> callback) = 0;
};

}  // namespace plexus::http
