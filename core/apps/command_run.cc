// `plexus run [MANIFEST] [--prompt TEXT | < prompt.txt] [--raw] [--max-tokens N]`: one prompt,
// one streamed answer. Without --prompt on a terminal it starts the stdin front end instead.
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "commands.h"
#include "deployment.h"
#include "engine/single_sequence.h"
#include "plexus/chat_template.h"
#include "plexus/logging.h"
#include "plexus/tokenizer.h"

namespace plexus::cli {
namespace {

// The chat template: the manifest's override (inline text or a file), else the model's own
// (GGUF metadata or tokenizer_config.json). Empty when the model has none.
Result<std::string> chat_template_source(const Deployment& d) {
  const ModelSection& m = d.manifest.model;
  if (!m.chat_template.empty()) {
    if (m.chat_template_is_inline()) return m.chat_template;
    std::ifstream in(m.resolved_chat_template, std::ios::binary);
    if (!in) return Status::not_found("cannot read chat_template file " + m.resolved_chat_template);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  if (d.weights->kind() == "gguf") {
    auto t = d.weights->metadata_string("tokenizer.chat_template");
    return t.ok() ? *t : std::string();
  }
  auto t = find_chat_template(m.resolved_path);
  return t.ok() ? *t : std::string();
}

Result<std::string> render_prompt(const Deployment& d, const Tokenizer& tokenizer,
                                  const std::string& prompt) {
  PLEXUS_ASSIGN_OR_RETURN(std::string source, chat_template_source(d));
  if (source.empty()) {
    logger().warn("the model has no chat template: sending the prompt as plain text");
    return prompt;
  }
  PLEXUS_ASSIGN_OR_RETURN(ChatTemplate tmpl, ChatTemplate::compile(source));
  boost::json::array messages{boost::json::object{{"role", "user"}, {"content", prompt}}};
  boost::json::object extra{{"add_generation_prompt", true}};
  auto token_text = [&](std::optional<std::int32_t> id) {
    auto text = id ? tokenizer.id_to_token(*id) : std::nullopt;
    return text.value_or("");
  };
  extra["bos_token"] = token_text(tokenizer.bos_id());
  extra["eos_token"] = token_text(tokenizer.eos_id());
  return tmpl.render(messages, extra);
}

// End of turn: the tokenizer's EOS, and the end-of-turn markers of the supported families.
std::vector<std::int32_t> stop_tokens(const Tokenizer& tokenizer) {
  std::vector<std::int32_t> ids;
  if (auto eos = tokenizer.eos_id()) ids.push_back(*eos);
  for (const char* marker :
       {"<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|endoftext|>", "<｜end▁of▁sentence｜>"}) {
    if (auto id = tokenizer.token_to_id(marker)) ids.push_back(*id);
  }
  return ids;
}

}  // namespace

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
  Result<Manifest> manifest = manifest_from_args(*args);
  if (!manifest.ok()) return fail(manifest.status().message());
  if (std::getenv("PLEXUS_LOG") == nullptr) (void)set_log_level("warn");

  LoadOptions options;
  options.no_frontends = true;
  options.with_weights = true;
  auto deployment = load_deployment(std::move(*manifest), *args, options);
  if (!deployment.ok()) return fail(deployment.status().message());
  Deployment& d = **deployment;
  const ModelSection& m = d.manifest.model;
  auto tokenizer = load_tokenizer_for_model(m.resolved_tokenizer.empty() ? m.resolved_path
                                                                         : m.resolved_tokenizer);
  if (!tokenizer.ok()) return fail(tokenizer.status().message());
  const Tokenizer& tok = **tokenizer;

  std::vector<std::int32_t> ids;
  if (args->raw) {
    ids = tok.encode(prompt, true);
  } else {
    auto text = render_prompt(d, tok, prompt);
    if (!text.ok()) return fail(text.status().message());
    ids = tok.encode(*text, false);  // the template already holds the special tokens
  }
  engine::GreedyOptions greedy;
  greedy.max_tokens = args->max_tokens;
  greedy.stop_token_ids = stop_tokens(tok);
  auto detokenizer = tok.make_detokenizer(true);
  // Tensor-parallel ranks run the same steps on their own threads; rank 0 prints.
  std::vector<std::thread> ranks;
  std::vector<Status> rank_status(d.other_ranks.size());
  for (std::size_t r = 0; r < d.other_ranks.size(); ++r) {
    ranks.emplace_back([&, r] {
      rank_status[r] = engine::generate_greedy(*d.other_ranks[r], ids, greedy).status();
    });
  }
  auto out = engine::generate_greedy(*d.model, ids, greedy, [&](std::int32_t id) {
    const std::string piece = detokenizer->feed(id);
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  for (auto& t : ranks) t.join();
  for (const Status& s : rank_status) {
    if (!s.ok()) return fail(s.message());
  }
  const std::string rest = detokenizer->finish();
  std::fwrite(rest.data(), 1, rest.size(), stdout);
  std::printf("\n");
  if (!out.ok()) return fail(out.status().message());
  return 0;
}

}  // namespace plexus::cli
