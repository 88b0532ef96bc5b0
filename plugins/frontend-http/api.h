// Api — what frontend-http answers: routing, authentication, the OpenAI endpoints over the
// engine, tokenize / detokenize, metrics, health.
//
// Contract:
// - `handle` runs on the I/O thread for each complete request and ends the exchange now or
//   later (generation answers from engine callbacks, posted back to the I/O thread).
// - Errors are OpenAI-shaped; /health is the only endpoint open without the API key; while
//   shutting down /health and new work get 503.
// - At most max_concurrent_requests generation requests are in flight; beyond that 429 with
//   Retry-After. A client that goes away has its engine requests aborted at once.
// Thread safety: I/O thread only, except `in_flight()` and `abort_all()` (any thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/beast/http.hpp>

#include "http_exchange.h"
#include "http_settings.h"
#include "plexus/frontend.h"

namespace plexus::http {

class Api {
 public:
  Api(HttpSettings settings, FrontendContext context);

  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  void handle(const Request& request, const std::shared_ptr<Exchange>& exchange);

  void set_stopping() { stopping_ = true; }
  int in_flight() const { return in_flight_.load(); }
  // Aborts every generation in flight (their answers end with finish_reason "abort").
  void abort_all();

 private:
  void completions(const Request& request, const std::shared_ptr<Exchange>& exchange, bool chat);
  void tokenize(const Request& request, const std::shared_ptr<Exchange>& exchange);
  void detokenize(const Request& request, const std::shared_ptr<Exchange>& exchange);
  bool authorized(const Request& request) const;
  struct Generation;
  friend struct Generation;
  void finished(std::int64_t generation);

  HttpSettings settings_;
  FrontendContext context_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<std::int64_t> next_id_{1};
  std::mutex mu_;
  // Engine request ids of each generation in flight, for abort_all.
  std::map<std::int64_t, std::vector<std::int64_t>> generations_;  // guarded by mu_
};

// The error body and status for a failed request.
void respond_error(Exchange& exchange, int status, const std::string& message,
                   const std::string& param = "", Headers headers = {});

}  // namespace plexus::http
