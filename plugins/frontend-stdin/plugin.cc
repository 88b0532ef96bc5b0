// frontend-stdin: an interactive chat on a terminal, JSON Lines batch mode otherwise.
//
// JSON Lines: each input line is one request with the fields of the HTTP API ("messages" makes
// it a chat completion, "prompt" a completion). Every line is submitted as soon as it is read,
// so the engine batches them; answers are written one per line in input order, each the
// OpenAI response object (or {"line": N, "error": {...}} for a bad line, which never stops the
// batch). Streaming is not offered here: "stream" is ignored.
//
// Chat: a multi-turn conversation with the model's chat template, streamed as it is generated.
// "/reset" starts over, "/exit" (or end of input) leaves, Ctrl-C aborts the reply in progress.
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "plexus/logging.h"
#include "plexus/openai_response.h"
#include "plexus/openai_serving.h"
#include "plexus/plugin.h"

namespace plexus::stdin_frontend {
namespace {

namespace json = boost::json;

enum class Mode { kChat, kJsonl };

std::int64_t unix_time() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string error_line(std::int64_t line, const std::string& message, const std::string& param,
                       int code) {
  json::object o = openai_error(message, openai_error_type(code), param, code);
  o["line"] = line;
  return json::serialize(o);
}

// One input line's answer, filled by engine callbacks and written in input order.
struct Answer {
  std::int64_t line = 0;
  std::unique_ptr<OpenAiResponse> response;
  int n = 1;
  int open_requests = 0;  // engine requests whose last event has not come
  std::string text;       // the finished line
  bool done = false;
};

class StdinFrontend final : public Frontend {
 public:
  StdinFrontend(Mode mode, FrontendContext context) : mode_(mode), context_(std::move(context)) {}
  ~StdinFrontend() override { stop(); }

  Status start() override {
    if (!context_.engine) return Status::failed_precondition("frontend-stdin needs an engine");
    reader_ = std::thread([this] { mode_ == Mode::kChat ? run_chat() : run_jsonl(); });
    return Status();
  }
  void stop() override {
    stopping_ = true;
    if (const std::int64_t id = current_.exchange(0)) context_.engine->abort(id);
    cv_.notify_all();
    // The reader may be blocked in a read of stdin; it is detached rather than joined so a
    // stop never hangs on a silent terminal. It only touches members guarded by mu_.
    if (reader_.joinable()) reader_.detach();
  }
  void wait() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return finished_ || stopping_.load(); });
  }
  std::string endpoint() const override {
    return mode_ == Mode::kChat ? "stdin (interactive chat)" : "stdin (JSON Lines)";
  }
  bool on_interrupt() override {
    if (mode_ != Mode::kChat) return false;
    if (const std::int64_t id = current_.load()) context_.engine->abort(id);
    return true;  // Ctrl-C ends the reply, not the program; /exit or Ctrl-D leaves
  }

 private:
  void finish() {
    std::lock_guard lock(mu_);
    finished_ = true;
    cv_.notify_all();
  }

  // Parses and submits one line; the answer is filled now (errors) or by engine callbacks.
  void submit_line(const std::shared_ptr<Answer>& answer, const std::string& line) {
    auto fail = [&](const std::string& message, const std::string& param, int code) {
      std::lock_guard lock(mu_);
      answer->text = error_line(answer->line, message, param, code);
      answer->done = true;
    };
    json::error_code ec;
    json::value body = json::parse(line, ec);
    if (ec) return fail("malformed JSON: " + ec.message(), "", 400);
    if (!body.is_object() ||
        !(body.as_object().contains("prompt") || body.as_object().contains("messages"))) {
      return fail("each line must be a JSON object with \"prompt\" or \"messages\"", "", 400);
    }
    const OpenAiEndpoint endpoint =
        body.as_object().contains("messages") ? OpenAiEndpoint::kChat : OpenAiEndpoint::kCompletion;
    std::string param;
    auto request = parse_openai_request(body, endpoint, &param);
    if (!request.ok()) return fail(request.status().message(), param, 400);
    for (const std::string& field : request->ignored_fields) {
      logger().warn("line {}: ignoring unknown field '{}'", answer->line, field);
    }
    if (Status s = check_model(context_, request->model); !s.ok()) {
      return fail(s.message(), "model", 404);
    }
    auto prompts = openai_prompts(context_, *request);
    if (!prompts.ok())
      return fail(prompts.status().message(), "", http_status_for(prompts.status()));
    const std::string id =
        (endpoint == OpenAiEndpoint::kChat ? "chatcmpl-" : "cmpl-") + std::to_string(answer->line);
    {
      std::lock_guard lock(mu_);
      answer->n = request->params.n;
      answer->open_requests = int(prompts->size());
      answer->response = std::make_unique<OpenAiResponse>(
          endpoint, id, request->model.empty() ? context_.served_models.front() : request->model,
          unix_time(), context_.tokenizer, request->params.logprobs.has_value());
    }
    auto submitted =
        submit_openai(context_, *request, *prompts, [this, answer](const TokenEvent& e, int p) {
          std::lock_guard lock(mu_);
          if (answer->done) return;
          answer->response->add(e, p, answer->n);
          if (e.finished && e.finish_reason == "error" && answer->text.empty()) {
            answer->text = error_line(answer->line, e.error.message(), "", 500);
          }
          if (e.last && --answer->open_requests == 0) {
            if (answer->text.empty()) answer->text = json::serialize(answer->response->response());
            answer->done = true;
            cv_.notify_all();
          }
        });
    if (!submitted.ok()) {
      std::lock_guard lock(mu_);
      answer->text =
          error_line(answer->line, submitted.status().message(), error_param(submitted.status()),
                     http_status_for(submitted.status()));
      answer->done = true;
    }
  }

  void run_jsonl() {
    std::deque<std::shared_ptr<Answer>> pending;
    bool input_done = false;
    // The writer prints answers in input order as each completes.
    std::thread writer([&] {
      while (true) {
        std::shared_ptr<Answer> next;
        {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [&] {
            return stopping_.load() || (!pending.empty() && pending.front()->done) ||
                   (pending.empty() && input_done);
          });
          if (stopping_ || pending.empty()) return;
          next = pending.front();
          pending.pop_front();
        }
        std::cout << next->text << "\n" << std::flush;
      }
    });
    std::string line;
    std::int64_t n = 0;
    while (!stopping_ && std::getline(std::cin, line)) {
      ++n;
      if (line.empty() || stopping_) continue;
      auto answer = std::make_shared<Answer>();
      answer->line = n;
      {
        std::lock_guard lock(mu_);
        pending.push_back(answer);
      }
      submit_line(answer, line);
      cv_.notify_all();
    }
    {
      std::lock_guard lock(mu_);
      input_done = true;
    }
    cv_.notify_all();
    writer.join();
    finish();
  }

  void run_chat() {
    json::array history;
    std::string line;
    std::cout << "plexus> " << std::flush;
    while (!stopping_ && std::getline(std::cin, line)) {
      if (stopping_ || line == "/exit") break;
      if (line == "/reset") {
        history = json::array();
        std::cout << "(conversation reset)\nplexus> " << std::flush;
        continue;
      }
      if (line.empty()) {
        std::cout << "plexus> " << std::flush;
        continue;
      }
      history.push_back(json::object{{"role", "user"}, {"content", line}});
      std::string reply = chat_turn(history);
      history.push_back(json::object{{"role", "assistant"}, {"content", reply}});
      std::cout << "\nplexus> " << std::flush;
    }
    finish();
  }

  // Streams one reply; returns its text (what was shown, when interrupted).
  std::string chat_turn(const json::array& history) {
    auto text = context_.render_chat(history, {});
    if (!text.ok()) {
      std::cout << "error: " << text.status().message() << "\n";
      return {};
    }
    SamplingParams params;
    params.temperature = 0.7f;
    params.top_p = 0.95f;
    const auto ids = context_.tokenizer->encode(*text, false);
    params.max_tokens =
        int(std::max<std::int64_t>(1, context_.engine->max_model_len() - std::int64_t(ids.size())));
    std::string reply;
    bool done = false;
    auto id = context_.engine->submit(ids, params, [&](const TokenEvent& e) {
      std::cout << e.text << std::flush;
      std::lock_guard lock(mu_);
      reply += e.text;
      if (e.finished && e.finish_reason == "abort") std::cout << " [stopped]" << std::flush;
      if (e.last) {
        done = true;
        cv_.notify_all();
      }
    });
    if (!id.ok()) {
      std::cout << "error: " << id.status().message() << "\n";
      return {};
    }
    current_ = *id;
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done; });
    current_ = 0;
    return reply;
  }

  Mode mode_;
  FrontendContext context_;
  std::thread reader_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> current_{0};  // the chat reply in progress
  std::mutex mu_;
  std::condition_variable cv_;
  bool finished_ = false;  // guarded by mu_
};

Result<std::unique_ptr<Frontend>> create(const FrontendContext& context) {
  const ConfigView& c = *context.config;
  PLEXUS_RETURN_IF_ERROR(c.check_keys({"plugin", "mode"}));
  PLEXUS_ASSIGN_OR_RETURN(std::string mode, c.get_string("mode", "auto"));
  if (mode == "auto") mode = isatty(STDIN_FILENO) ? "chat" : "jsonl";
  if (mode != "chat" && mode != "jsonl") {
    return Status::invalid_argument(c.where("mode") + ": " + c.section() +
                                    " mode must be \"auto\", \"chat\" or \"jsonl\", got \"" + mode +
                                    "\"");
  }
  FrontendContext own = context;
  own.config = nullptr;  // the table is the factory's to read, not the frontend's to keep
  return std::unique_ptr<Frontend>(
      new StdinFrontend(mode == "chat" ? Mode::kChat : Mode::kJsonl, std::move(own)));
}

const PluginDescriptor kDescriptor = {
    PLEXUS_PLUGIN_ABI_FIELDS,
    PluginKind::kFrontend,
    "frontend-stdin",
    "0.2.0",
    PLEXUS_TOOLCHAIN_TAG,
    "Interactive chat on a terminal; JSON Lines batch mode on pipes",
    nullptr,
    nullptr,
    nullptr,
    &create,
    nullptr,
};

}  // namespace
}  // namespace plexus::stdin_frontend

PLEXUS_PLUGIN_ENTRY(plexus::stdin_frontend::kDescriptor)
