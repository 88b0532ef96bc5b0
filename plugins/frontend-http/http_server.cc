#include "http_server.h"

#include <openssl/crypto.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "plexus/logging.h"

namespace plexus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// The OpenAI error shape: {"error": {"message", "type", "param", "code"}}.
Response error_response(bhttp::status status, std::string_view type, std::string message) {
  boost::json::object err{{"message", std::move(message)},
                          {"type", type},
                          {"param", nullptr},
                          {"code", static_cast<int>(status)}};
  Response res{status, 11};
  res.set(bhttp::field::content_type, "application/json");
  res.body() = boost::json::serialize(boost::json::object{{"error", std::move(err)}});
  return res;
}

Response json_response(const boost::json::value& body) {
  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, "application/json");
  res.body() = boost::json::serialize(body);
  return res;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Compare equal-length strings only after hashing both would hide the length too; the key
  // length is not secret enough to matter, the content is: CRYPTO_memcmp does not short-cut.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

struct HttpServer::Impl {
  HttpSettings settings;
  ServerInfo info;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::atomic<int> open_connections{0};
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable stopped_cv;
  bool stopped = false;

  Response route(const Request& req) {
    const std::string target(req.target());
    const std::string path = target.substr(0, target.find('?'));
    if (path == "/health") return json_response(boost::json::object{{"status", "ok"}});
    if (!settings.api_key.empty()) {
      std::string_view auth = req[bhttp::field::authorization];
      constexpr std::string_view kBearer = "Bearer ";
      const bool ok = auth.substr(0, kBearer.size()) == kBearer &&
                      constant_time_equal(auth.substr(kBearer.size()), settings.api_key);
      if (!ok) {
        return error_response(bhttp::status::unauthorized, "authentication_error",
                              "missing or wrong API key: send 'Authorization: Bearer <key>'");
      }
    }
    if (path == "/version") {
      return json_response(boost::json::object{{"version", info.plexus_version}});
    }
    if (path == "/v1/models") {
      boost::json::array data;
      for (const auto& name : info.served_models) {
        data.push_back(boost::json::object{
            {"id", name}, {"object", "model"}, {"created", 0}, {"owned_by", "plexus"}});
      }
      return json_response(boost::json::object{{"object", "list"}, {"data", std::move(data)}});
    }
    if (path == "/v1/chat/completions" || path == "/v1/completions") {
      return error_response(bhttp::status::service_unavailable, "server_error",
                            "this plexus build has no inference engine yet: text generation "
                            "arrives with the engine; /v1/models, /version and /health work");
    }
    return error_response(bhttp::status::not_found, "invalid_request_error",
                          "no endpoint " + std::string(req.method_string()) + " " + path);
  }

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (!stopping) accept();
        return;
      }
      if (open_connections.load() >= settings.max_connections) {
        refuse_busy(std::move(socket));
      } else {
        serve(std::move(socket));
      }
      accept();
    });
  }

  void refuse_busy(tcp::socket socket) {
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    auto res = std::make_shared<Response>(error_response(
        bhttp::status::too_many_requests, "rate_limit_error",
        "too many open connections (" + std::to_string(settings.max_connections) + "); retry"));
    res->set(bhttp::field::retry_after, "1");
    res->keep_alive(false);
    res->prepare_payload();
    stream->expires_after(std::chrono::seconds(5));
    bhttp::async_write(*stream, *res, [stream, res](beast::error_code, std::size_t) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  // One connection: read a request under an absolute deadline, answer, repeat while kept alive.
  struct Session : std::enable_shared_from_this<Session> {
    Session(Impl& server, tcp::socket socket) : server(server), stream(std::move(socket)) {
      ++server.open_connections;
    }
    ~Session() { --server.open_connections; }

    void read() {
      parser.emplace();
      parser->header_limit(16 * 1024);
      parser->body_limit(std::uint64_t(server.settings.max_body_bytes));
      stream.expires_after(std::chrono::seconds(server.settings.request_timeout_s));
      bhttp::async_read(
          stream, buffer, *parser,
          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted) {
        return close();
      }
      if (ec == bhttp::error::body_limit) {
        return reply(error_response(bhttp::status::payload_too_large, "invalid_request_error",
                                    "request body over " +
                                        std::to_string(server.settings.max_body_bytes) + " bytes"),
                     false);
      }
      if (ec == bhttp::error::header_limit) {
        return reply(error_response(bhttp::status::request_header_fields_too_large,
                                    "invalid_request_error", "request headers over 16 KiB"),
                     false);
      }
      if (ec) {
        return reply(error_response(bhttp::status::bad_request, "invalid_request_error",
                                    "malformed HTTP request: " + ec.message()),
                     false);
      }
      Request req = parser->release();
      const bool keep = req.keep_alive() && !server.stopping;
      Response res = server.stopping ? error_response(bhttp::status::service_unavailable,
                                                      "server_error", "server is shutting down")
                                     : server.route(req);
      reply(std::move(res), keep);
    }

    void reply(Response res, bool keep_alive) {
      auto owned = std::make_shared<Response>(std::move(res));
      owned->set(bhttp::field::server, "plexus");
      owned->keep_alive(keep_alive);
      owned->prepare_payload();
      bhttp::async_write(
          stream, *owned,
          [self = shared_from_this(), owned, keep_alive](beast::error_code ec, std::size_t) {
            if (ec || !keep_alive) return self->close();
            self->read();
          });
    }

    void close() {
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }

    Impl& server;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser;
  };

  void serve(tcp::socket socket) { std::make_shared<Session>(*this, std::move(socket))->read(); }
};

HttpServer::HttpServer(HttpSettings settings, ServerInfo info) : impl_(std::make_unique<Impl>()) {
  impl_->settings = std::move(settings);
  impl_->info = std::move(info);
}

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
  asio::post(s.io, [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
  });
  // In-flight requests get the shutdown timeout to finish, then the loop is stopped.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(int64_t(s.settings.shutdown_timeout_s * 1000));
  while (s.open_connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
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
