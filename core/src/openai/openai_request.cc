// parse_openai_request: OpenAI / vLLM request bodies into SamplingParams and prompts.
#include "plexus/openai_request.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

namespace plexus {
namespace {

namespace json = boost::json;

// Reads one request: each getter records the field it is reading, so any error names it.
class Reader {
 public:
  Reader(const json::object& body, std::string* param) : body_(body), param_(param) {}

  Status bad(const std::string& field, const std::string& what) {
    if (param_) *param_ = field;
    return Status::invalid_argument("'" + field + "' " + what);
  }

  const json::value* get(const char* field) {
    auto it = body_.find(field);
    if (it == body_.end() || it->value().is_null()) return nullptr;
    return &it->value();
  }

  Result<std::optional<double>> number(const char* field) {
    const json::value* v = get(field);
    if (!v) return std::optional<double>();
    if (v->is_double()) return std::optional<double>(v->as_double());
    if (v->is_int64()) return std::optional<double>(double(v->as_int64()));
    if (v->is_uint64()) return std::optional<double>(double(v->as_uint64()));
    return bad(field, "must be a number, got " + kind(*v));
  }

  Result<std::optional<std::int64_t>> integer(const char* field) {
    const json::value* v = get(field);
    if (!v) return std::optional<std::int64_t>();
    if (v->is_int64()) return std::optional<std::int64_t>(v->as_int64());
    if (v->is_uint64()) return bad(field, "is too large");
    if (v->is_double() && std::floor(v->as_double()) == v->as_double() &&
        std::fabs(v->as_double()) < 9e15) {
      return std::optional<std::int64_t>(std::int64_t(v->as_double()));
    }
    return bad(field, "must be an integer, got " + kind(*v));
  }

  Result<std::optional<bool>> boolean(const char* field) {
    const json::value* v = get(field);
    if (!v) return std::optional<bool>();
    if (v->is_bool()) return std::optional<bool>(v->as_bool());
    return bad(field, "must be true or false, got " + kind(*v));
  }

  // A float field into `out`, when present.
  Status set_float(const char* field, float& out) {
    PLEXUS_ASSIGN_OR_RETURN(auto v, number(field));
    if (v) out = float(*v);
    return Status();
  }

  // An integer field into `out`, when present, within [lo, hi].
  Status set_int(const char* field, int& out, std::int64_t lo, std::int64_t hi) {
    PLEXUS_ASSIGN_OR_RETURN(auto v, integer(field));
    if (!v) return Status();
    if (*v < lo || *v > hi) {
      return bad(field, "must be from " + std::to_string(lo) + " to " + std::to_string(hi) +
                            ", got " + std::to_string(*v));
    }
    out = int(*v);
    return Status();
  }

  static std::string kind(const json::value& v) {
    switch (v.kind()) {
      case json::kind::string:
        return "a string";
      case json::kind::array:
        return "an array";
      case json::kind::object:
        return "an object";
      case json::kind::bool_:
        return "a boolean";
      case json::kind::null:
        return "null";
      default:
        return "a number";
    }
  }

 private:
  const json::object& body_;
  std::string* param_;
};

// A list of token ids, each a non-negative 32-bit integer.
Result<std::vector<std::int32_t>> token_ids(Reader& r, const std::string& field,
                                            const json::array& a) {
  std::vector<std::int32_t> ids;
  ids.reserve(a.size());
  for (const json::value& v : a) {
    if (!v.is_int64() || v.as_int64() < 0 ||
        v.as_int64() > std::numeric_limits<std::int32_t>::max()) {
      return r.bad(field, "must hold token ids (integers from 0), got " + Reader::kind(v));
    }
    ids.push_back(std::int32_t(v.as_int64()));
  }
  return ids;
}

Status read_prompt(Reader& r, const json::value* prompt, OpenAiRequest& out) {
  if (!prompt) return r.bad("prompt", "is required");
  if (prompt->is_string()) {
    out.prompt_texts.emplace_back(prompt->as_string());
    return Status();
  }
  if (!prompt->is_array() || prompt->as_array().empty()) {
    return r.bad(
        "prompt",
        "must be a string, a list of strings, a list of token ids or a list of such lists");
  }
  const json::array& a = prompt->as_array();
  if (a.front().is_int64()) {
    PLEXUS_ASSIGN_OR_RETURN(auto ids, token_ids(r, "prompt", a));
    out.prompt_ids.push_back(std::move(ids));
    return Status();
  }
  for (const json::value& item : a) {
    if (item.is_string()) {
      out.prompt_texts.emplace_back(item.as_string());
    } else if (item.is_array() && !item.as_array().empty()) {
      PLEXUS_ASSIGN_OR_RETURN(auto ids, token_ids(r, "prompt", item.as_array()));
      out.prompt_ids.push_back(std::move(ids));
    } else {
      return r.bad("prompt", "items must be strings or non-empty lists of token ids");
    }
  }
  if (!out.prompt_texts.empty() && !out.prompt_ids.empty()) {
    return r.bad("prompt", "must not mix strings and token-id lists");
  }
  return Status();
}

Status read_messages(Reader& r, const json::value* messages, OpenAiRequest& out) {
  if (!messages) return r.bad("messages", "is required");
  if (!messages->is_array() || messages->as_array().empty()) {
    return r.bad("messages", "must be a non-empty array of {\"role\", \"content\"} objects");
  }
  for (const json::value& m : messages->as_array()) {
    if (!m.is_object()) return r.bad("messages", "items must be objects");
    const json::object& o = m.as_object();
    auto role = o.find("role");
    if (role == o.end() || !role->value().is_string()) {
      return r.bad("messages", "items need a string 'role'");
    }
    auto content = o.find("content");
    if (content != o.end() && !content->value().is_string() && !content->value().is_null() &&
        !content->value().is_array()) {
      return r.bad("messages", "'content' must be a string or a list of content parts");
    }
  }
  out.messages = messages->as_array();
  return Status();
}

Status read_stop(Reader& r, OpenAiRequest& out) {
  const json::value* stop = r.get("stop");
  if (!stop) return Status();
  if (stop->is_string()) {
    out.params.stop.emplace_back(stop->as_string());
  } else if (stop->is_array()) {
    for (const json::value& s : stop->as_array()) {
      if (!s.is_string()) return r.bad("stop", "must be a string or a list of strings");
      out.params.stop.emplace_back(s.as_string());
    }
  } else {
    return r.bad("stop", "must be a string or a list of strings");
  }
  for (const std::string& s : out.params.stop) {
    if (s.empty()) return r.bad("stop", "must not contain an empty string");
  }
  return Status();
}

Status read_logit_bias(Reader& r, OpenAiRequest& out) {
  const json::value* bias = r.get("logit_bias");
  if (!bias) return Status();
  if (!bias->is_object()) return r.bad("logit_bias", "must be an object of token id -> bias");
  for (const auto& [key, value] : bias->as_object()) {
    std::int32_t id = -1;
    const auto k = std::string_view(key);
    auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), id);
    if (ec != std::errc() || end != k.data() + k.size() || id < 0) {
      return r.bad("logit_bias", "keys must be token ids, got \"" + std::string(k) + "\"");
    }
    if (!value.is_number()) return r.bad("logit_bias", "values must be numbers");
    out.params.logit_bias.emplace_back(id, float(value.to_number<double>()));
  }
  return Status();
}

Status read_logprobs(Reader& r, OpenAiRequest& out) {
  if (out.endpoint == OpenAiEndpoint::kChat) {
    PLEXUS_ASSIGN_OR_RETURN(auto want, r.boolean("logprobs"));
    int top = 0;
    PLEXUS_RETURN_IF_ERROR(r.set_int("top_logprobs", top, 0, kMaxTopLogprobs));
    if (r.get("top_logprobs") && !want.value_or(false)) {
      return r.bad("top_logprobs", "needs 'logprobs': true");
    }
    if (want.value_or(false)) out.params.logprobs = top;
    return Status();
  }
  // Completions: logprobs is the number of alternatives (OpenAI allows up to 5; vLLM more).
  if (r.get("logprobs")) {
    int top = 0;
    PLEXUS_RETURN_IF_ERROR(r.set_int("logprobs", top, 0, kMaxTopLogprobs));
    out.params.logprobs = top;
  }
  return Status();
}

const std::set<std::string, std::less<>>& known_fields() {
  static const std::set<std::string, std::less<>> known = {"model",
                                                           "messages",
                                                           "prompt",
                                                           "max_tokens",
                                                           "max_completion_tokens",
                                                           "temperature",
                                                           "top_p",
                                                           "top_k",
                                                           "min_p",
                                                           "seed",
                                                           "n",
                                                           "stop",
                                                           "stop_token_ids",
                                                           "presence_penalty",
                                                           "frequency_penalty",
                                                           "repetition_penalty",
                                                           "logit_bias",
                                                           "logprobs",
                                                           "top_logprobs",
                                                           "ignore_eos",
                                                           "min_tokens",
                                                           "stream",
                                                           "stream_options",
                                                           "user",
                                                           "echo"};
  return known;
}

}  // namespace

Result<OpenAiRequest> parse_openai_request(const json::value& body, OpenAiEndpoint endpoint,
                                           std::string* error_param) {
  if (error_param) error_param->clear();
  if (!body.is_object()) return Status::invalid_argument("the request body must be a JSON object");
  const json::object& o = body.as_object();
  Reader r(o, error_param);
  OpenAiRequest out;
  out.endpoint = endpoint;
  // OpenAI's own default temperature and limits; the engine validates the ranges.
  if (const json::value* model = r.get("model")) {
    if (!model->is_string()) return r.bad("model", "must be a string");
    out.model = std::string(model->as_string());
  }
  if (endpoint == OpenAiEndpoint::kChat) {
    PLEXUS_RETURN_IF_ERROR(read_messages(r, r.get("messages"), out));
  } else {
    PLEXUS_RETURN_IF_ERROR(read_prompt(r, r.get("prompt"), out));
  }
  const char* max_field = r.get("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
  if (r.get(max_field)) {
    PLEXUS_RETURN_IF_ERROR(
        r.set_int(max_field, out.params.max_tokens, 1, std::numeric_limits<int>::max()));
    out.max_tokens_given = true;
  }
  PLEXUS_RETURN_IF_ERROR(r.set_float("temperature", out.params.temperature));
  PLEXUS_RETURN_IF_ERROR(r.set_float("top_p", out.params.top_p));
  PLEXUS_RETURN_IF_ERROR(r.set_float("min_p", out.params.min_p));
  PLEXUS_RETURN_IF_ERROR(r.set_int("top_k", out.params.top_k, -1, std::numeric_limits<int>::max()));
  PLEXUS_RETURN_IF_ERROR(r.set_int("n", out.params.n, 1, kMaxSamplingN));
  PLEXUS_RETURN_IF_ERROR(r.set_float("presence_penalty", out.params.presence_penalty));
  PLEXUS_RETURN_IF_ERROR(r.set_float("frequency_penalty", out.params.frequency_penalty));
  PLEXUS_RETURN_IF_ERROR(r.set_float("repetition_penalty", out.params.repetition_penalty));
  PLEXUS_RETURN_IF_ERROR(
      r.set_int("min_tokens", out.params.min_tokens, 0, std::numeric_limits<int>::max()));
  PLEXUS_ASSIGN_OR_RETURN(auto seed, r.integer("seed"));
  if (seed) out.params.seed = std::uint64_t(*seed);
  PLEXUS_ASSIGN_OR_RETURN(auto ignore_eos, r.boolean("ignore_eos"));
  out.params.ignore_eos = ignore_eos.value_or(false);
  PLEXUS_ASSIGN_OR_RETURN(auto stream, r.boolean("stream"));
  out.stream = stream.value_or(false);
  PLEXUS_ASSIGN_OR_RETURN(auto echo, r.boolean("echo"));
  out.echo = echo.value_or(false) && endpoint == OpenAiEndpoint::kCompletion;
  if (const json::value* options = r.get("stream_options")) {
    if (!options->is_object()) return r.bad("stream_options", "must be an object");
    auto usage = options->as_object().find("include_usage");
    if (usage != options->as_object().end() && !usage->value().is_null()) {
      if (!usage->value().is_bool()) {
        return r.bad("stream_options", "include_usage must be true or false");
      }
      out.include_usage = usage->value().as_bool();
    }
  }
  if (const json::value* user = r.get("user")) {
    if (!user->is_string()) return r.bad("user", "must be a string");
    out.user = std::string(user->as_string());
  }
  if (const json::value* ids = r.get("stop_token_ids")) {
    if (!ids->is_array()) return r.bad("stop_token_ids", "must be a list of token ids");
    PLEXUS_ASSIGN_OR_RETURN(out.params.stop_token_ids,
                            token_ids(r, "stop_token_ids", ids->as_array()));
  }
  PLEXUS_RETURN_IF_ERROR(read_stop(r, out));
  PLEXUS_RETURN_IF_ERROR(read_logit_bias(r, out));
  PLEXUS_RETURN_IF_ERROR(read_logprobs(r, out));
  for (const auto& [key, value] : o) {
    if (!known_fields().contains(std::string_view(key))) {
      out.ignored_fields.emplace_back(key);
    }
  }
  return out;
}

void resolve_max_tokens(OpenAiRequest& request, std::int64_t prompt_tokens,
                        std::int64_t max_model_len) {
  if (request.max_tokens_given) return;
  if (request.endpoint == OpenAiEndpoint::kCompletion) {
    request.params.max_tokens = 16;
    return;
  }
  const std::int64_t room = max_model_len - prompt_tokens;
  request.params.max_tokens =
      int(std::clamp<std::int64_t>(room, 1, std::numeric_limits<int>::max()));
}

}  // namespace plexus
