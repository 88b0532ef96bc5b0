#include "model_text.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "deployment.h"

namespace plexus::cli {
namespace {

// The manifest's override (inline text or a file), else the model's own (GGUF metadata or
// tokenizer_config.json). Empty when the model has none.
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

}  // namespace

Result<std::string> ModelText::render(const boost::json::array& messages,
                                      const boost::json::object& extra) const {
  if (!chat) {
    return Status::invalid_argument(
        "the model has no chat template: send a plain prompt (completions), or set [model] "
        "chat_template in the manifest");
  }
  boost::json::object variables = extra;
  variables["add_generation_prompt"] = true;
  variables["bos_token"] = bos_token;
  variables["eos_token"] = eos_token;
  return chat->render(messages, variables);
}

Result<std::unique_ptr<ModelText>> load_model_text(const Deployment& d) {
  const ModelSection& m = d.manifest.model;
  auto text = std::make_unique<ModelText>();
  PLEXUS_ASSIGN_OR_RETURN(text->tokenizer, load_tokenizer_for_model(m.resolved_tokenizer.empty()
                                                                        ? m.resolved_path
                                                                        : m.resolved_tokenizer));
  const Tokenizer& tok = *text->tokenizer;
  PLEXUS_ASSIGN_OR_RETURN(std::string source, chat_template_source(d));
  if (!source.empty()) {
    PLEXUS_ASSIGN_OR_RETURN(ChatTemplate compiled, ChatTemplate::compile(source));
    text->chat.emplace(std::move(compiled));
  }
  auto token_text = [&](std::optional<std::int32_t> id) {
    auto t = id ? tok.id_to_token(*id) : std::nullopt;
    return t.value_or("");
  };
  text->bos_token = token_text(tok.bos_id());
  text->eos_token = token_text(tok.eos_id());
  if (auto eos = tok.eos_id()) text->stop_ids.push_back(*eos);
  for (const char* marker :
       {"<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|endoftext|>", "<｜end▁of▁sentence｜>"}) {
    auto id = tok.token_to_id(marker);
    if (id &&
        std::find(text->stop_ids.begin(), text->stop_ids.end(), *id) == text->stop_ids.end()) {
      text->stop_ids.push_back(*id);
    }
  }
  return text;
}

}  // namespace plexus::cli
