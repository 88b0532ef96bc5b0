// plexus/openai_response.h — OpenAI-shaped responses built from the engine's TokenEvents.
//
// Contract:
// - One OpenAiResponse per request as the client sees it. A completions request with several
//   prompts runs one engine request per prompt; prompt p's choice i is choice p * n + i.
// - Non-streaming: `add` every event, then `response` gives the chat.completion /
//   text_completion object with its choices (in index order) and usage.
// - Streaming: `chunks` turns one event into the chat.completion.chunk / text_completion
//   objects to send (a chat choice's first chunk carries the assistant role; a finished choice's
//   chunk carries its finish_reason); `usage_chunk` is the final chunk with empty choices that
//   stream_options.include_usage asks for.
// - Token strings in logprobs are each token's own decoded text; "bytes" its UTF-8 bytes.
// - `openai_error` is the error body {"error": {"message", "type", "param", "code"}}.
// Thread safety: none; one builder per request, used by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "plexus/engine_client.h"
#include "plexus/openai_request.h"
#include "plexus/tokenizer.h"

namespace plexus {

class OpenAiResponse {
 public:
  // `tokenizer` may be null (no logprob token strings then). `echo_prompts` (completions with
  // echo) are prepended to each choice's text.
  OpenAiResponse(OpenAiEndpoint endpoint, std::string id, std::string model, std::int64_t created,
                 const Tokenizer* tokenizer, bool want_logprobs);

  // The event of engine request `prompt` (0 for chat) with `n` choices per prompt.
  void add(const TokenEvent& event, int prompt, int n);
  std::vector<boost::json::object> chunks(const TokenEvent& event, int prompt, int n);
  boost::json::object response() const;
  boost::json::object usage_chunk() const;
  void set_echo(int prompt, std::string text) { echo_[prompt] = std::move(text); }
  // Usage counts: call once per engine request with its metrics (the `last` event's).
  void count(const RequestMetrics& metrics);

  std::int64_t prompt_tokens() const { return prompt_tokens_; }
  std::int64_t completion_tokens() const { return completion_tokens_; }

 private:
  struct Choice {
    std::string text;
    std::vector<TokenLogprobs> logprobs;
    std::string finish_reason;
    std::string stop_string;
    std::size_t echo_length = 0;  // bytes of echoed prompt at the start of `text`
    bool role_sent = false;
  };
  boost::json::object envelope(bool chunk) const;
  boost::json::value logprobs_json(const std::vector<TokenLogprobs>& lps,
                                   std::size_t text_offset) const;
  boost::json::object usage() const;
  std::string token_text(std::int32_t id) const;

  OpenAiEndpoint endpoint_;
  std::string id_, model_;
  std::int64_t created_ = 0;
  const Tokenizer* tokenizer_ = nullptr;
  bool want_logprobs_ = false;
  std::map<int, Choice> choices_;
  std::map<int, std::string> echo_;
  std::int64_t prompt_tokens_ = 0, completion_tokens_ = 0;
};

// {"error": {"message", "type", "param", "code"}}; `param` empty becomes null.
boost::json::object openai_error(const std::string& message, const std::string& type,
                                 const std::string& param, int code);

// The OpenAI error type and HTTP status for a Status: InvalidArgument -> 400
// invalid_request_error, NotFound -> 404, ResourceExhausted -> 400 (too long for the context),
// Unavailable -> 503, others -> 500 internal_error.
int http_status_for(const Status& status);
std::string openai_error_type(int http_status);

}  // namespace plexus
