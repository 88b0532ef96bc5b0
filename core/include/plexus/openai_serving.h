// plexus/openai_serving.h — from a parsed OpenAI request to engine requests, for front ends.
//
// Contract:
// - `openai_prompts` turns the request's prompts into token ids: chat messages are rendered
//   with the model's chat template (FrontendContext::render_chat) and tokenized without adding
//   special tokens (the template holds them); completion strings are tokenized as the model's
//   tokenizer does by default (BOS where it adds one); token-id prompts are taken as given.
//   Empty prompts are InvalidArgument.
// - `submit_openai` submits one engine request per prompt with the request's parameters
//   (max_tokens resolved per prompt, see resolve_max_tokens) and calls `on_event` with the
//   prompt's index for each event. When the engine refuses one, those already submitted are
//   aborted and the refusal is returned (their events may still arrive, ending in "abort").
// - `check_model` is NotFound unless `model` is empty or one the deployment serves.
// Thread safety: as the FrontendContext's engine (any thread).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "plexus/frontend.h"
#include "plexus/openai_request.h"

namespace plexus {

Result<std::vector<std::vector<std::int32_t>>> openai_prompts(const FrontendContext& context,
                                                              const OpenAiRequest& request);

Result<std::vector<std::int64_t>> submit_openai(
    const FrontendContext& context, OpenAiRequest& request,
    const std::vector<std::vector<std::int32_t>>& prompts,
    std::function<void(const TokenEvent& event, int prompt)> on_event);

Status check_model(const FrontendContext& context, const std::string& model);

// The request field an engine refusal is about ("top_p must be in (0, 1], got 0" -> "top_p";
// a prompt over the context -> "prompt"), for OpenAI's error "param"; "" when none.
std::string error_param(const Status& status);

}  // namespace plexus
