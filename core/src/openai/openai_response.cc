// OpenAiResponse: TokenEvents into OpenAI's chat.completion / text_completion objects.
#include "plexus/openai_response.h"

#include <boost/json.hpp>

namespace plexus {

namespace json = boost::json;

OpenAiResponse::OpenAiResponse(OpenAiEndpoint endpoint, std::string id, std::string model,
                               std::int64_t created, const Tokenizer* tokenizer, bool want_logprobs)
    : endpoint_(endpoint),
      id_(std::move(id)),
      model_(std::move(model)),
      created_(created),
      tokenizer_(tokenizer),
      want_logprobs_(want_logprobs) {}

std::string OpenAiResponse::token_text(std::int32_t id) const {
  if (!tokenizer_) return std::to_string(id);
  const std::int32_t ids[] = {id};
  return tokenizer_->decode(ids, false);
}

void OpenAiResponse::count(const RequestMetrics& metrics) {
  prompt_tokens_ += metrics.prompt_tokens;
  completion_tokens_ += metrics.output_tokens;
}

void OpenAiResponse::add(const TokenEvent& e, int prompt, int n) {
  Choice& c = choices_[prompt * n + e.index];
  if (!c.role_sent && echo_.contains(prompt) && endpoint_ == OpenAiEndpoint::kCompletion) {
    c.text = echo_[prompt];
    c.echo_length = c.text.size();
  }
  c.role_sent = true;  // (here: the echo is in place)
  c.text += e.text;
  c.logprobs.insert(c.logprobs.end(), e.logprobs.begin(), e.logprobs.end());
  if (e.finished) {
    c.finish_reason = e.finish_reason;
    c.stop_string = e.stop_string;
  }
  if (e.last) count(e.metrics);
}

json::object OpenAiResponse::envelope(bool chunk) const {
  json::object o;
  o["id"] = id_;
  if (endpoint_ == OpenAiEndpoint::kChat) {
    o["object"] = chunk ? "chat.completion.chunk" : "chat.completion";
  } else {
    o["object"] = "text_completion";
  }
  o["created"] = created_;
  o["model"] = model_;
  return o;
}

json::object OpenAiResponse::usage() const {
  return {{"prompt_tokens", prompt_tokens_},
          {"completion_tokens", completion_tokens_},
          {"total_tokens", prompt_tokens_ + completion_tokens_}};
}

json::value OpenAiResponse::logprobs_json(const std::vector<TokenLogprobs>& lps,
                                          std::size_t text_offset) const {
  if (!want_logprobs_) return nullptr;
  auto bytes_of = [](const std::string& s) {
    json::array b;
    for (unsigned char ch : s) b.push_back(ch);
    return b;
  };
  if (endpoint_ == OpenAiEndpoint::kChat) {
    json::array content;
    for (const TokenLogprobs& lp : lps) {
      const std::string text = token_text(lp.token);
      json::array top;
      for (const auto& [id, logprob] : lp.top) {
        const std::string t = token_text(id);
        top.push_back(json::object{{"token", t}, {"logprob", logprob}, {"bytes", bytes_of(t)}});
      }
      content.push_back(json::object{{"token", text},
                                     {"logprob", lp.logprob},
                                     {"bytes", bytes_of(text)},
                                     {"top_logprobs", std::move(top)}});
    }
    return json::object{{"content", std::move(content)}};
  }
  json::array tokens, token_logprobs, top_logprobs, offsets;
  std::size_t offset = text_offset;
  for (const TokenLogprobs& lp : lps) {
    const std::string text = token_text(lp.token);
    tokens.push_back(json::string(text));
    token_logprobs.push_back(lp.logprob);
    json::object top;
    for (const auto& [id, logprob] : lp.top) top[token_text(id)] = logprob;
    top_logprobs.push_back(std::move(top));
    offsets.push_back(offset);
    offset += text.size();
  }
  return json::object{{"tokens", std::move(tokens)},
                      {"token_logprobs", std::move(token_logprobs)},
                      {"top_logprobs", std::move(top_logprobs)},
                      {"text_offset", std::move(offsets)}};
}

std::vector<json::object> OpenAiResponse::chunks(const TokenEvent& e, int prompt, int n) {
  const int index = prompt * n + e.index;
  Choice& c = choices_[index];
  if (e.last) count(e.metrics);
  std::vector<json::object> out;
  json::object choice;
  choice["index"] = index;
  const bool has_content = !e.text.empty() || !e.logprobs.empty();
  if (endpoint_ == OpenAiEndpoint::kChat) {
    json::object delta;
    if (!c.role_sent) {
      delta["role"] = "assistant";
      delta["content"] = "";
      c.role_sent = true;
    }
    if (has_content) delta["content"] = e.text;
    if (delta.empty() && !e.finished) return out;
    choice["delta"] = std::move(delta);
  } else {
    std::string text = e.text;
    if (!c.role_sent) {
      if (echo_.contains(prompt)) text = echo_[prompt] + text;
      c.role_sent = true;
    }
    if (text.empty() && e.logprobs.empty() && !e.finished) return out;
    choice["text"] = text;
  }
  choice["logprobs"] = logprobs_json(e.logprobs, c.text.size());
  c.text += e.text;
  choice["finish_reason"] = e.finished ? json::value(e.finish_reason) : json::value(nullptr);
  if (e.finished && !e.stop_string.empty()) choice["stop_reason"] = e.stop_string;
  json::object chunk = envelope(true);
  chunk["choices"] = json::array{std::move(choice)};
  out.push_back(std::move(chunk));
  return out;
}

json::object OpenAiResponse::usage_chunk() const {
  json::object chunk = envelope(true);
  chunk["choices"] = json::array();
  chunk["usage"] = usage();
  return chunk;
}

json::object OpenAiResponse::response() const {
  json::array choices;
  for (const auto& [index, c] : choices_) {
    json::object choice;
    choice["index"] = index;
    if (endpoint_ == OpenAiEndpoint::kChat) {
      choice["message"] = json::object{{"role", "assistant"}, {"content", c.text}};
    } else {
      choice["text"] = c.text;
    }
    choice["logprobs"] = logprobs_json(c.logprobs, c.echo_length);
    choice["finish_reason"] = c.finish_reason;
    choice["stop_reason"] =
        c.stop_string.empty() ? json::value(nullptr) : json::value(c.stop_string);
    choices.push_back(std::move(choice));
  }
  json::object o = envelope(false);
  o["choices"] = std::move(choices);
  o["usage"] = usage();
  return o;
}

json::object openai_error(const std::string& message, const std::string& type,
                          const std::string& param, int code) {
  return {
      {"error", json::object{{"message", message},
                             {"type", type},
                             {"param", param.empty() ? json::value(nullptr) : json::value(param)},
                             {"code", code}}}};
}

int http_status_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kResourceExhausted:
    case StatusCode::kUnsupported:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

std::string openai_error_type(int http_status) {
  switch (http_status) {
    case 400:
    case 405:
    case 413:
    case 431:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 404:
      return "not_found_error";
    case 429:
      return "rate_limit_error";
    case 503:
      return "service_unavailable_error";
    default:
      return "internal_error";
  }
}

}  // namespace plexus
