#include "http_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "plexus/logging.h"
#include "plexus/openai_response.h"

namespace plexus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

using Response = bhttp::response<bhttp::string_body>;

constexpr std::size_t kHeaderLimit = 16 * 1024;

}  // namespace

struct HttpServer::Impl {
  HttpSettings settings;
  Api api;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::atomic<int> open_connections{0};
  std::atomic<int> open_exchanges{0};  // requests whose answer is not yet fully written
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable stopped_cv;
  bool stopped = false;

  Impl(HttpSettings s, FrontendContext context)
      : settings(s), api(std::move(s), std::move(context)) {}

  std::chrono::seconds timeout() const { return std::chrono::seconds(settings.request_timeout_s); }

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (!stopping) accept();
        return;
      }
      if (open_connections.load() >= settings.max_connections) {
        refuse_busy(std::move(socket));
      } else {
        std::make_shared<Session>(*this, std::move(socket))->read();
      }
      accept();
    });
  }

  void refuse_busy(tcp::socket socket) {
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    auto res = std::make_shared<Response>(bhttp::status::too_many_requests, 11);
    res->set(bhttp::field::content_type, "application/json");
    res->set(bhttp::field::retry_after, "1");
    res->body() = boost::json::serialize(openai_error(
        "too many open connections (" + std::to_string(settings.max_connections) + "); retry",
        "rate_limit_error", "", 429));
    res->keep_alive(false);
    res->prepare_payload();
    stream->expires_after(std::chrono::seconds(5));
    bhttp::async_write(*stream, *res, [stream, res](beast::error_code, std::size_t) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  // One connection: read a request under an absolute deadline, let the Api answer it (now or
  // from engine events), repeat while kept alive.
  struct Session : Exchange, std::enable_shared_from_this<Session> {
    Session(Impl& server, tcp::socket socket) : server(server), stream(std::move(socket)) {
      ++server.open_connections;
    }
    ~Session() override {
      if (counted) --server.open_exchanges;
      --server.open_connections;
    }

    // ---- reading requests ----
    void read() {
      parser.emplace();
      parser->header_limit(kHeaderLimit);
      parser->body_limit(std::uint64_t(server.settings.max_body_bytes));
      stream.expires_after(server.timeout());
      bhttp::async_read(
          stream, buffer, *parser,
          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
        return close();
      }
      keep_alive = false;
      if (ec == bhttp::error::body_limit) {
        return respond_error(
            *this, 413,
            "request body over " + std::to_string(server.settings.max_body_bytes) + " bytes");
      }
      if (ec == bhttp::error::header_limit) {
        return respond_error(*this, 431, "request headers over 16 KiB");
      }
      if (ec) return respond_error(*this, 400, "malformed HTTP request: " + ec.message());
      Api::Request request = parser->release();
      keep_alive = request.keep_alive() && !server.stopping;
      head_request = request.method() == bhttp::verb::head;
      active = true;
      counted = true;
      ++server.open_exchanges;
      ended = false;
      server.api.handle(request, shared_from_this());
      // A pipelined request already buffered is read when this exchange ends; a watch would
      // wait for bytes that never come and leave it unanswered.
      if (!ended && buffer.size() == 0) watch();
    }

    // While a generation runs, a pending read notices the client leaving (EOF, reset). Bytes
    // that arrive instead (a pipelined request) are kept for the next read.
    void watch() {
      if (watching) return;
      watching = true;
      stream.expires_never();
      stream.async_read_some(buffer.prepare(4096),
                             [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                               self->watching = false;
                               if (!ec) {
                                 self->buffer.commit(n);
                                 if (!self->active) self->read();
                                 return;
                               }
                               self->gone();
                             });
    }

    void gone() {
      client_gone = true;
      if (active && disconnect) {
        auto callback = std::move(disconnect);
        disconnect = nullptr;
        callback();
      }
      close();
    }

    // ---- Exchange ----
    void respond(int status, std::string body, std::string content_type, Headers headers) override {
      if (ended) return;
      ended = true;
      auto res = std::make_shared<Response>(bhttp::status(status), 11);
      res->set(bhttp::field::server, "plexus");
      res->set(bhttp::field::content_type, content_type);
      for (auto& [name, value] : headers) res->set(name, value);
      res->body() = std::move(body);
      res->keep_alive(keep_alive);
      res->prepare_payload();
      if (head_request) {  // the headers of a GET, no body (RFC 9110 9.3.2)
        const std::size_t size = res->body().size();
        res->body().clear();
        res->content_length(size);
      }
      if (client_gone) return finish();
      stream.expires_after(server.timeout());
      bhttp::async_write(stream, *res,
                         [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                           if (ec) return self->gone();
                           self->finish();
                         });
    }

    void start_stream() override {
      streaming = true;
      header.emplace(bhttp::status::ok, 11);
      header->set(bhttp::field::server, "plexus");
      header->set(bhttp::field::content_type, "text/event-stream");
      header->set(bhttp::field::cache_control, "no-cache");
      header->keep_alive(keep_alive);
      header->chunked(true);
      serializer.emplace(*header);
      writing = true;
      stream.expires_after(server.timeout());
      bhttp::async_write_header(stream, *serializer,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                  self->writing = false;
                                  if (ec) return self->gone();
                                  self->pump();
                                });
    }

    void send(std::string data) override {
      if (ended || client_gone) return;
      queue.push_back(std::move(data));
      pump();
    }

    void end_stream() override {
      if (ended) return;
      ended = true;
      pump();
    }

    void post(std::function<void()> work) override {
      // The work runs even after the client left: a generation must see its last event to
      // release what it holds; answering a gone client is a no-op.
      asio::post(server.io, [self = shared_from_this(), work = std::move(work)] { work(); });
    }

    void on_disconnect(std::function<void()> callback) override {
      disconnect = std::move(callback);
    }

    // Writes queued SSE data as chunks, one write at a time; after the last, the final chunk.
    void pump() {
      if (writing || client_gone || !streaming) return;
      if (!queue.empty()) {
        auto data = std::make_shared<std::string>();
        while (!queue.empty() && data->size() < 64 * 1024) {
          *data += queue.front();
          queue.pop_front();
        }
        writing = true;
        stream.expires_after(server.timeout());
        asio::async_write(stream, bhttp::make_chunk(asio::buffer(*data)),
                          [self = shared_from_this(), data](beast::error_code ec, std::size_t) {
                            self->writing = false;
                            self->stream.expires_never();
                            if (ec) return self->gone();
                            self->pump();
                          });
        return;
      }
      if (!ended) return;
      writing = true;
      stream.expires_after(server.timeout());
      asio::async_write(stream, bhttp::make_chunk_last(),
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          self->writing = false;
                          if (ec) return self->gone();
                          self->finish();
                        });
    }

    // The exchange is over and written: next request, or close.
    void finish() {
      if (counted) --server.open_exchanges;
      counted = false;
      active = false;
      streaming = false;
      disconnect = nullptr;
      serializer.reset();
      header.reset();
      if (client_gone) return;
      if (!keep_alive) return close();
      if (watching) {
        // The pending read now waits for the next request, under the idle deadline.
        stream.expires_after(server.timeout());
        return;
      }
      read();
    }

    void close() {
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream.socket().close(ignored);
    }

    Impl& server;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser;
    bool keep_alive = false;
    bool head_request = false;
    bool active = false;       // an exchange is open
    bool counted = false;      // counted in open_exchanges
    bool ended = false;        // its answer is complete (maybe still being written)
    bool watching = false;     // a disconnect-watch read is pending
    bool client_gone = false;  // EOF, reset or a failed write
    bool streaming = false;
    bool writing = false;
    std::deque<std::string> queue;
    std::optional<bhttp::response<bhttp::empty_body>> header;
    std::optional<bhttp::response_serializer<bhttp::empty_body>> serializer;
    std::function<void()> disconnect;
  };
};

HttpServer::HttpServer(HttpSettings settings, FrontendContext context)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(context))) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  Impl& s = *impl_;
  beast::error_code ec;
  const auto address = asio::ip::make_address(s.settings.host, ec);
  if (ec) {
    return Status::invalid_argument("frontend-http host '" + s.settings.host +
                                    "' is not an IP address (use e.g. 127.0.0.1 or 0.0.0.0)");
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(s.settings.port));
  const std::string where = s.settings.host + ":" + std::to_string(s.settings.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::unavailable("cannot listen on " + where + ": " + ec.message() +
                               " (is another server on that port? change [[frontend]] port)");
  }
  s.accept();
  s.thread = std::thread([&s] {
    s.io.run();
    std::lock_guard lock(s.mu);
    s.stopped = true;
    s.stopped_cv.notify_all();
  });
  return Status();
}

void HttpServer::stop() {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) {
    if (s.thread.joinable()) s.thread.join();
    return;
  }
  s.api.set_stopping();
  asio::post(s.io, [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
  });
  // Generations in flight get the shutdown timeout to finish; what is left is aborted (its
  // answers end with finish_reason "abort") and given a moment to be written.
  const auto wait_for = [&s](std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while ((s.api.in_flight() > 0 || s.open_exchanges.load() > 0) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  wait_for(std::chrono::milliseconds(std::int64_t(s.settings.shutdown_timeout_s * 1000)));
  if (s.api.in_flight() > 0) {
    logger().warn("{} requests still running after the shutdown timeout: aborting them",
                  s.api.in_flight());
    s.api.abort_all();
    wait_for(std::chrono::milliseconds(1000));
  }
  s.io.stop();
  if (s.thread.joinable()) s.thread.join();
}

void HttpServer::wait() {
  std::unique_lock lock(impl_->mu);
  impl_->stopped_cv.wait(lock, [this] { return impl_->stopped; });
}

int HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace plexus::http
