// `plexus tokenize [--model PATH] TEXT...` and `plexus detokenize [--model PATH] ID...`.
#include <charconv>
#include <cstdio>

#include "commands.h"
#include "deployment.h"
#include "plexus/tokenizer.h"

namespace plexus::cli {
namespace {

// The tokenizer of --model, else of the manifest's [model] (its `tokenizer` override first).
Result<std::unique_ptr<Tokenizer>> tokenizer_from_args(const Args& args) {
  if (!args.model.empty()) return load_tokenizer_for_model(args.model);
  Args no_positional = args;
  no_positional.positional.clear();
  PLEXUS_ASSIGN_OR_RETURN(Manifest m, manifest_from_args(no_positional));
  return load_tokenizer_for_model(m.model.resolved_tokenizer.empty() ? m.model.resolved_path
                                                                     : m.model.resolved_tokenizer);
}

}  // namespace

int command_tokenize(const std::vector<std::string>& argv) {
  Result<Args> args = parse_args(argv);
  if (!args.ok()) return fail(args.status().message(), 2);
  if (args->positional.empty()) return fail("usage: plexus tokenize [--model PATH] TEXT", 2);
  auto tokenizer = tokenizer_from_args(*args);
  if (!tokenizer.ok()) return fail(tokenizer.status().message());
  std::string text;
  for (const std::string& part : args->positional) text += (text.empty() ? "" : " ") + part;
  const std::vector<int32_t> ids = (*tokenizer)->encode(text, !args->no_special_tokens);
  for (std::size_t i = 0; i < ids.size(); ++i) std::printf(i ? " %d" : "%d", ids[i]);
  std::printf("\n");
  return 0;
}

int command_detokenize(const std::vector<std::string>& argv) {
  Result<Args> args = parse_args(argv);
  if (!args.ok()) return fail(args.status().message(), 2);
  if (args->positional.empty()) return fail("usage: plexus detokenize [--model PATH] ID...", 2);
  auto tokenizer = tokenizer_from_args(*args);
  if (!tokenizer.ok()) return fail(tokenizer.status().message());
  std::vector<int32_t> ids;
  for (const std::string& s : args->positional) {
    int32_t id = -1;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    if (ec != std::errc() || end != s.data() + s.size() || id < 0 ||
        id >= (*tokenizer)->vocab_size()) {
      return fail("'" + s + "' is not a token id of this tokenizer (0 to " +
                  std::to_string((*tokenizer)->vocab_size() - 1) + ")");
    }
    ids.push_back(id);
  }
  const std::string text = (*tokenizer)->decode(ids, args->skip_special_tokens);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::printf("\n");
  return 0;
}

}  // namespace plexus::cli
