#include "api.h"

#include <openssl/crypto.h>

#include <boost/json.hpp>
#include <chrono>

#include "plexus/logging.h"
#include "plexus/openai_response.h"
#include "plexus/openai_serving.h"
#include "prometheus.h"

namespace plexus::http {

namespace json = boost::json;
namespace bhttp = boost::beast::http;

namespace {

bool constant_time_equal(std::string_view a, std::string_view b) {
  // The key's length is not secret enough to matter, its content is: CRYPTO_memcmp does not
  // stop at the first difference.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string sse(const json::object& o) { return "data: " + json::serialize(o) + "\n\n"; }

std::int64_t unix_time() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The body as JSON, or a 400 already sent.
std::optional<json::value> parse_body(const Api::Request& request, Exchange& exchange) {
  json::error_code ec;
  json::value body = json::parse(request.body(), ec);
  if (ec) {
    respond_error(exchange, 400, "the request body is not valid JSON: " + ec.message());
    return std::nullopt;
  }
  if (!body.is_object()) {
    respond_error(exchange, 400, "the request body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

}  // namespace

void respond_error(Exchange& exchange, int status, const std::string& message,
                   const std::string& param, Headers headers) {
  exchange.respond(status,
                   json::serialize(openai_error(message, openai_error_type(status), param, status)),
                   "application/json", std::move(headers));
}

// One generation request in flight: its answer, built on the I/O thread from engine events.
struct Api::Generation {
  Api* api = nullptr;
  std::int64_t key = 0;
  std::shared_ptr<Exchange> exchange;
  OpenAiResponse response;
  bool stream = false;
  bool include_usage = false;
  int n = 1;
  int open = 0;  // engine requests whose last event has not come
  std::string error;
  bool dead = false;  // refused after a partial submit: its stray events are ignored

  void on_event(const TokenEvent& e, int prompt) {
    if (dead) return;
    const bool failed = e.finished && e.finish_reason == "error";
    if (failed && error.empty()) {
      error = e.error.message().empty() ? "generation failed" : e.error.message();
      logger().error("request {} failed: {}", key, error);
      if (stream) {
        exchange->send(sse(openai_error(error, "internal_error", "", 500)));
      }
    }
    if (stream) {
      if (!failed) {
        for (const json::object& chunk : response.chunks(e, prompt, n)) exchange->send(sse(chunk));
      } else if (e.last) {
        response.count(e.metrics);
      }
    } else {
      response.add(e, prompt, n);
    }
    if (!e.last || --open > 0) return;
    if (stream) {
      if (include_usage && error.empty()) exchange->send(sse(response.usage_chunk()));
      exchange->send("data: [DONE]\n\n");
      exchange->end_stream();
    } else if (!error.empty()) {
      respond_error(*exchange, 500, error);
    } else {
      exchange->respond(200, json::serialize(response.response()));
    }
    api->finished(key);
  }
};

Api::Api(HttpSettings settings, FrontendContext context)
    : settings_(std::move(settings)), context_(std::move(context)) {}

bool Api::authorized(const Request& request) const {
  if (settings_.api_key.empty()) return true;
  std::string_view auth = request[bhttp::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  return auth.substr(0, kBearer.size()) == kBearer &&
         constant_time_equal(auth.substr(kBearer.size()), settings_.api_key);
}

void Api::finished(std::int64_t generation) {
  std::lock_guard lock(mu_);
  generations_.erase(generation);
  --in_flight_;
}

void Api::abort_all() {
  std::vector<std::int64_t> ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, engine_ids] : generations_) {
      ids.insert(ids.end(), engine_ids.begin(), engine_ids.end());
    }
  }
  for (std::int64_t id : ids) context_.engine->abort(id);
}

void Api::handle(const Request& request, const std::shared_ptr<Exchange>& exchange) {
  const std::string target(request.target());
  const std::string path = target.substr(0, target.find('?'));
  // HEAD is answered as GET (the server drops the body).
  const bool get = request.method() == bhttp::verb::get || request.method() == bhttp::verb::head;
  const bool post = request.method() == bhttp::verb::post;
  if (path == "/health") {
    if (!get) {
      return respond_error(
          *exchange, 405,
          std::string(request.method_string()) + " is not allowed on /health; use GET", "",
          {{"Allow", "GET"}});
    }
    if (stopping_) return respond_error(*exchange, 503, "the server is shutting down");
    return exchange->respond(200, R"({"status":"ok"})");
  }
  if (!authorized(request)) {
    return respond_error(*exchange, 401,
                         "missing or wrong API key: send 'Authorization: Bearer <key>'");
  }
  if (stopping_) return respond_error(*exchange, 503, "the server is shutting down");
  struct Route {
    const char* path;
    bool post;
  };
  static constexpr Route kRoutes[] = {{"/version", false},       {"/v1/models", false},
                                      {"/metrics", false},       {"/v1/chat/completions", true},
                                      {"/v1/completions", true}, {"/tokenize", true},
                                      {"/detokenize", true}};
  for (const Route& r : kRoutes) {
    if (path != r.path) continue;
    if ((r.post && !post) || (!r.post && !get)) {
      return respond_error(*exchange, 405,
                           std::string(request.method_string()) + " is not allowed on " + path +
                               "; use " + (r.post ? "POST" : "GET"),
                           "", {{"Allow", r.post ? "POST" : "GET"}});
    }
  }
  if (path == "/version" && get) {
    return exchange->respond(200,
                             json::serialize(json::object{{"version", context_.plexus_version}}));
  }
  if (path == "/v1/models" && get) {
    json::array data;
    for (const auto& name : context_.served_models) {
      data.push_back(
          json::object{{"id", name},
                       {"object", "model"},
                       {"created", 0},
                       {"owned_by", "plexus"},
                       {"max_model_len", context_.engine ? context_.engine->max_model_len() : 0}});
    }
    return exchange->respond(
        200, json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}}));
  }
  if (!context_.engine) {
    return respond_error(*exchange, 503, "this deployment has no engine to generate with");
  }
  if (path == "/metrics" && get) {
    return exchange->respond(
        200, prometheus_text(context_.engine->stats(), context_.served_models.front()),
        "text/plain; version=0.0.4; charset=utf-8");
  }
  if (path == "/v1/chat/completions" && post) return completions(request, exchange, true);
  if (path == "/v1/completions" && post) return completions(request, exchange, false);
  if (path == "/tokenize" && post) return tokenize(request, exchange);
  if (path == "/detokenize" && post) return detokenize(request, exchange);
  respond_error(*exchange, 404, "no endpoint " + std::string(request.method_string()) + " " + path);
}

void Api::completions(const Request& request, const std::shared_ptr<Exchange>& exchange,
                      bool chat) {
  auto body = parse_body(request, *exchange);
  if (!body) return;
  const OpenAiEndpoint endpoint = chat ? OpenAiEndpoint::kChat : OpenAiEndpoint::kCompletion;
  std::string param;
  auto parsed = parse_openai_request(*body, endpoint, &param);
  if (!parsed.ok()) return respond_error(*exchange, 400, parsed.status().message(), param);
  OpenAiRequest& r = *parsed;
  for (const std::string& field : r.ignored_fields) {
    logger().warn("{}: ignoring unknown field '{}'", request.target(), field);
  }
  if (Status s = check_model(context_, r.model); !s.ok()) {
    return respond_error(*exchange, 404, s.message(), "model");
  }
  auto prompts = openai_prompts(context_, r);
  if (!prompts.ok()) {
    return respond_error(*exchange, http_status_for(prompts.status()), prompts.status().message());
  }
  if (++in_flight_ > settings_.max_concurrent_requests) {
    --in_flight_;
    return respond_error(*exchange, 429,
                         "too many requests in flight (" +
                             std::to_string(settings_.max_concurrent_requests) + "); retry later",
                         "", {{"Retry-After", "1"}});
  }
  const std::int64_t key = next_id_++;
  auto g = std::make_shared<Generation>(
      Generation{this,
                 key,
                 exchange,
                 OpenAiResponse(endpoint, (chat ? "chatcmpl-" : "cmpl-") + std::to_string(key),
                                r.model.empty() ? context_.served_models.front() : r.model,
                                unix_time(), context_.tokenizer, r.params.logprobs.has_value()),
                 r.stream,
                 r.include_usage,
                 r.params.n,
                 int(prompts->size()),
                 {}});
  if (r.echo) {
    for (std::size_t p = 0; p < prompts->size(); ++p) {
      g->response.set_echo(int(p), context_.tokenizer->decode((*prompts)[p], true));
    }
  }
  {
    std::lock_guard lock(mu_);
    generations_[key];  // registered before any event can finish it
  }
  auto ids = submit_openai(context_, r, *prompts, [g](const TokenEvent& e, int prompt) {
    g->exchange->post([g, e, prompt] { g->on_event(e, prompt); });
  });
  if (!ids.ok()) {
    g->dead = true;  // on the I/O thread, so before any event already posted for it runs
    finished(key);
    return respond_error(*exchange, http_status_for(ids.status()), ids.status().message(),
                         error_param(ids.status()));
  }
  {
    std::lock_guard lock(mu_);
    generations_[key] = *ids;
  }
  exchange->on_disconnect([engine = context_.engine, ids = *ids] {
    for (std::int64_t id : ids) engine->abort(id);
  });
  if (r.stream) exchange->start_stream();
}

void Api::tokenize(const Request& request, const std::shared_ptr<Exchange>& exchange) {
  auto body = parse_body(request, *exchange);
  if (!body) return;
  const json::object& o = body->as_object();
  bool add_special = !o.contains("messages");
  if (auto it = o.find("add_special_tokens"); it != o.end()) {
    if (!it->value().is_bool()) {
      return respond_error(*exchange, 400, "'add_special_tokens' must be true or false",
                           "add_special_tokens");
    }
    add_special = it->value().as_bool();
  }
  std::string text;
  if (auto it = o.find("messages"); it != o.end()) {
    if (!it->value().is_array()) {
      return respond_error(*exchange, 400, "'messages' must be an array", "messages");
    }
    auto rendered = context_.render_chat(it->value().as_array(), {});
    if (!rendered.ok()) {
      return respond_error(*exchange, 400, rendered.status().message(), "messages");
    }
    text = *rendered;
  } else if (auto p = o.find("prompt"); p != o.end() && p->value().is_string()) {
    text = std::string(p->value().as_string());
  } else {
    return respond_error(*exchange, 400, "send 'prompt' (a string) or 'messages'", "prompt");
  }
  const auto ids = context_.tokenizer->encode(text, add_special);
  json::array tokens;
  for (std::int32_t id : ids) tokens.push_back(id);
  exchange->respond(
      200, json::serialize(json::object{{"count", ids.size()},
                                        {"max_model_len", context_.engine->max_model_len()},
                                        {"tokens", std::move(tokens)}}));
}

void Api::detokenize(const Request& request, const std::shared_ptr<Exchange>& exchange) {
  auto body = parse_body(request, *exchange);
  if (!body) return;
  auto it = body->as_object().find("tokens");
  if (it == body->as_object().end() || !it->value().is_array()) {
    return respond_error(*exchange, 400, "send 'tokens': a list of token ids", "tokens");
  }
  std::vector<std::int32_t> ids;
  const std::int32_t vocab = context_.tokenizer->vocab_size();
  for (const json::value& v : it->value().as_array()) {
    if (!v.is_int64() || v.as_int64() < 0 || v.as_int64() >= vocab) {
      return respond_error(*exchange, 400,
                           "'tokens' must hold token ids from 0 to " + std::to_string(vocab - 1),
                           "tokens");
    }
    ids.push_back(std::int32_t(v.as_int64()));
  }
  exchange->respond(
      200, json::serialize(json::object{{"prompt", context_.tokenizer->decode(ids, false)}}));
}

}  // namespace plexus::http
