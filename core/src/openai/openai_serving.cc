#include "plexus/openai_serving.h"

#include <algorithm>
#include <string_view>

namespace plexus {

Result<std::vector<std::vector<std::int32_t>>> openai_prompts(const FrontendContext& context,
                                                              const OpenAiRequest& request) {
  if (!context.engine || !context.tokenizer) {
    return Status::unavailable("this deployment has no engine to generate with");
  }
  std::vector<std::vector<std::int32_t>> prompts;
  if (request.endpoint == OpenAiEndpoint::kChat) {
    if (!context.render_chat)
      return Status::invalid_argument("this deployment cannot render chats");
    PLEXUS_ASSIGN_OR_RETURN(std::string text, context.render_chat(request.messages, {}));
    prompts.push_back(context.tokenizer->encode(text, false));
  } else {
    for (const std::string& text : request.prompt_texts) {
      prompts.push_back(context.tokenizer->encode(text, true));
    }
    for (const auto& ids : request.prompt_ids) prompts.push_back(ids);
  }
  for (const auto& p : prompts) {
    if (p.empty()) return Status::invalid_argument("the prompt is empty");
  }
  return prompts;
}

Result<std::vector<std::int64_t>> submit_openai(
    const FrontendContext& context, OpenAiRequest& request,
    const std::vector<std::vector<std::int32_t>>& prompts,
    std::function<void(const TokenEvent& event, int prompt)> on_event) {
  std::vector<std::int64_t> ids;
  for (std::size_t p = 0; p < prompts.size(); ++p) {
    resolve_max_tokens(request, std::int64_t(prompts[p].size()), context.engine->max_model_len());
    auto id =
        context.engine->submit(prompts[p], request.params,
                               [on_event, p](const TokenEvent& event) { on_event(event, int(p)); });
    if (!id.ok()) {
      for (std::int64_t submitted : ids) context.engine->abort(submitted);
      return id.status();
    }
    ids.push_back(*id);
  }
  return ids;
}

Status check_model(const FrontendContext& context, const std::string& model) {
  if (model.empty()) return Status();
  const auto& served = context.served_models;
  if (std::find(served.begin(), served.end(), model) != served.end()) return Status();
  std::string names;
  for (const std::string& s : served) names += (names.empty() ? "" : ", ") + s;
  return Status::not_found("the model '" + model +
                           "' does not exist; this server serves: " + names);
}

std::string error_param(const Status& status) {
  static constexpr std::string_view kFields[] = {"n",
                                                 "temperature",
                                                 "top_k",
                                                 "top_p",
                                                 "min_p",
                                                 "repetition_penalty",
                                                 "presence_penalty",
                                                 "frequency_penalty",
                                                 "logit_bias",
                                                 "stop",
                                                 "stop_token_ids",
                                                 "max_tokens",
                                                 "min_tokens",
                                                 "logprobs"};
  const std::string& m = status.message();
  const std::size_t end = m.find_first_not_of("abcdefghijklmnopqrstuvwxyz_");
  const std::string_view word = std::string_view(m).substr(0, end);
  for (std::string_view f : kFields) {
    if (word == f) return std::string(f);
  }
  if (m.rfind("the prompt", 0) == 0 || m.rfind("prompt token", 0) == 0) return "prompt";
  return "";
}

}  // namespace plexus
