// plexus/openai_request.h — OpenAI-style completion requests, parsed and checked once for every
// front end (HTTP, stdin JSON Lines, third-party plugins).
//
// Contract:
// - `parse_openai_request` reads a JSON body of POST /v1/chat/completions (`kChat`: `messages`)
//   or /v1/completions (`kCompletion`: `prompt` as a string, a list of strings, a list of token
//   ids or a list of such lists) with the fields OpenAI and vLLM accept: max_tokens /
//   max_completion_tokens, temperature, top_p, top_k, min_p, seed, n, stop, stop_token_ids,
//   presence_penalty, frequency_penalty, repetition_penalty, logit_bias, logprobs /
//   top_logprobs, ignore_eos, min_tokens, stream, stream_options.include_usage, user.
// - A field of the wrong type or out of range is InvalidArgument; its name
//   is given through `error_param` (the "param" of OpenAI's error object). Unknown fields are not
//   errors: they are listed in `ignored_fields` for the caller to log, as vLLM does. A request
//   never carries a chat template: `chat_template` and its kin are ignored fields too.
// - Value ranges are checked later by `validate(SamplingParams, ...)` in the engine, which
//   knows the vocabulary and max_model_len; this parser checks types and the API's own ranges.
// - `max_tokens` absent: 16 for completions (OpenAI's default), and what is left of
//   max_model_len for chat (vLLM's default), resolved by `resolve_max_tokens`.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "plexus/sampling_params.h"
#include "plexus/status.h"

namespace plexus {

enum class OpenAiEndpoint { kChat, kCompletion };

struct OpenAiRequest {
  OpenAiEndpoint endpoint = OpenAiEndpoint::kChat;
  std::string model;                                  // as sent; empty when absent
  boost::json::array messages;                        // kChat
  std::vector<std::string> prompt_texts;              // kCompletion, string prompts
  std::vector<std::vector<std::int32_t>> prompt_ids;  // kCompletion, token-id prompts
  SamplingParams params;
  bool max_tokens_given = false;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  bool echo = false;           // completions: return the prompt before the completion
  std::string user;
  std::vector<std::string> ignored_fields;
};

// On failure, `error` (when given) receives the offending field's name.
Result<OpenAiRequest> parse_openai_request(const boost::json::value& body, OpenAiEndpoint endpoint,
                                           std::string* error_param);

// Sets params.max_tokens when the request did not: 16 for completions, else the room left by
// the prompt under max_model_len (at least 1).
void resolve_max_tokens(OpenAiRequest& request, std::int64_t prompt_tokens,
                        std::int64_t max_model_len);

}  // namespace plexus
