// frontend-stdin: an interactive chat on a terminal, JSON Lines batch mode otherwise.
//
// Until the engine lands there is nothing to generate with: each line is read, checked (JSON
// Lines mode reports malformed lines by line number, in input order) and answered with an
// error that says so, so scripts built on this front end see the final output format already.
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "plexus/plugin.h"

namespace plexus::stdin_frontend {
namespace {

enum class Mode { kChat, kJsonl };

std::string error_line(std::int64_t line, std::string message) {
  boost::json::object err{{"message", std::move(message)},
                          {"type", "invalid_request_error"},
                          {"param", nullptr},
                          {"code", 400}};
  return boost::json::serialize(boost::json::object{{"line", line}, {"error", std::move(err)}});
}

std::string answer_jsonl(std::int64_t line_number, const std::string& line) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec) return error_line(line_number, "malformed JSON: " + ec.message());
  if (!v.is_object() || !(v.as_object().contains("prompt") || v.as_object().contains("messages"))) {
    return error_line(line_number,
                      "each line must be a JSON object with \"prompt\" or \"messages\"");
  }
  return error_line(line_number, "this plexus build has no inference engine yet");
}

class StdinFrontend final : public Frontend {
 public:
  explicit StdinFrontend(Mode mode) : mode_(mode) {}
  ~StdinFrontend() override { stop(); }

  Status start() override {
    reader_ = std::thread([this] { run(); });
    return Status();
  }
  void stop() override {
    stopping_ = true;
    // The reader may be blocked in a read of stdin; it is detached rather than joined so a
    // stop never hangs on a silent terminal. It only touches members guarded by done_.
    if (reader_.joinable()) reader_.detach();
  }
  void wait() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return done_ || stopping_.load(); });
  }
  std::string endpoint() const override {
    return mode_ == Mode::kChat ? "stdin (interactive chat)" : "stdin (JSON Lines)";
  }

 private:
  void run() {
    std::string line;
    std::int64_t n = 0;
    if (mode_ == Mode::kChat) std::cout << "plexus> " << std::flush;
    while (!stopping_ && std::getline(std::cin, line)) {
      ++n;
      if (mode_ == Mode::kJsonl) {
        if (!line.empty()) std::cout << answer_jsonl(n, line) << "\n" << std::flush;
        continue;
      }
      if (line == "/exit") break;
      if (!line.empty() && line != "/reset") {
        std::cout << "(this plexus build has no inference engine yet)\n";
      }
      std::cout << "plexus> " << std::flush;
    }
    std::lock_guard lock(mu_);
    done_ = true;
    cv_.notify_all();
  }

  Mode mode_;
  std::thread reader_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
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
  return std::unique_ptr<Frontend>(new StdinFrontend(mode == "chat" ? Mode::kChat : Mode::kJsonl));
}

const PluginDescriptor kDescriptor = {
    PLEXUS_PLUGIN_ABI_FIELDS,
    PluginKind::kFrontend,
    "frontend-stdin",
    "0.1.0",
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
