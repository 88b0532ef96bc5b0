// `plexus run [MANIFEST] [--prompt TEXT | < prompt.txt] [--raw] [--max-tokens N]`: one prompt,
// one streamed answer. Without --prompt on a terminal it starts the stdin front end instead.
#include <unistd.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

#include "commands.h"
#include "deployment.h"
#include "plexus/chat_template.h"
#include "plexus/logging.h"
#include "plexus/tokenizer.h"

namespace plexus::cli {

int command_run(const std::vector<std::string>& argv) {
  Result<Args> args = parse_args(argv);
  if (!args.ok()) return fail(args.status().message(), 2);
  if (!args->prompt && isatty(STDIN_FILENO)) return command_serve(argv, true);
  std::string prompt;
  if (args->prompt) {
    prompt = *args->prompt;
  } else {
    std::stringstream in;
    in << std::cin.rdbuf();
    prompt = in.str();
    // `echo "question" | plexus run` ends the prompt with a newline the user did not mean.
    while (!prompt.empty() && (prompt.back() == '\n' || prompt.back() == '\r')) prompt.pop_back();
  }
  auto deployment = load_offline_engine(*args);
  if (!deployment.ok()) return fail(deployment.status().message());
  Deployment& d = **deployment;
  const Tokenizer& tok = *d.text->tokenizer;

  std::vector<std::int32_t> ids;
  if (args->raw || !d.text->chat) {
    if (!args->raw)
      logger().warn("the model has no chat template: sending the prompt as plain text");
    ids = tok.encode(prompt, true);
  } else {
    boost::json::array messages{boost::json::object{{"role", "user"}, {"content", prompt}}};
    auto text = d.text->render(messages);
    if (!text.ok()) return fail(text.status().message());
    ids = tok.encode(*text, false);  // the template already holds the special tokens
  }
  SamplingParams params;
  params.temperature = 0;
  const std::int64_t room = d.engine->max_model_len() - std::int64_t(ids.size());
  if (room < 1) {
    return fail("the prompt has " + std::to_string(ids.size()) +
                " tokens, which leaves no room under max_model_len " +
                std::to_string(d.engine->max_model_len()));
  }
  params.max_tokens = int(std::min<std::int64_t>(args->max_tokens, room));

  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Status error;
  auto submitted = d.engine->submit(ids, params, [&](const TokenEvent& e) {
    std::fwrite(e.text.data(), 1, e.text.size(), stdout);
    std::fflush(stdout);
    if (!e.last) return;
    std::lock_guard lock(mu);
    if (e.finish_reason == "error") error = e.error;
    done = true;
    cv.notify_all();
  });
  if (!submitted.ok()) return fail(submitted.status().message());
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done; });
  }
  std::printf("\n");
  if (!error.ok()) return fail(error.message());
  return 0;
}

}  // namespace plexus::cli
