#include "plexus/openai_request.h"
#include "plexus/openai_serving.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace plexus {
namespace {

Result<OpenAiRequest> parse(const char* text, OpenAiEndpoint endpoint, std::string* param) {
  return parse_openai_request(boost::json::parse(text), endpoint, param);
}

TEST(OpenAiRequest, ChatFieldsBecomeSamplingParams) {
  std::string param;
  auto r = parse(R"({"model": "m", "messages": [{"role": "user", "content": "hi"}],
      "max_completion_tokens": 7, "temperature": 0.5, "top_p": 0.9, "top_k": 40, "min_p": 0.1,
      "seed": 42, "n": 3, "stop": ["a", "bc"], "stop_token_ids": [5, 6],
      "presence_penalty": 0.25, "frequency_penalty": -0.5, "repetition_penalty": 1.1,
      "logit_bias": {"17": -100, "3": 2.5}, "logprobs": true, "top_logprobs": 4,
      "ignore_eos": true, "min_tokens": 2, "stream": true,
      "stream_options": {"include_usage": true}, "user": "u", "frobnicate": 1,
      "chat_template": "{{ evil }}"})",
                 OpenAiEndpoint::kChat, &param);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const SamplingParams& p = r->params;
  EXPECT_EQ(r->model, "m");
  EXPECT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(p.max_tokens, 7);
  EXPECT_TRUE(r->max_tokens_given);
  EXPECT_FLOAT_EQ(p.temperature, 0.5f);
  EXPECT_FLOAT_EQ(p.top_p, 0.9f);
  EXPECT_EQ(p.top_k, 40);
  EXPECT_FLOAT_EQ(p.min_p, 0.1f);
  EXPECT_EQ(p.seed, 42u);
  EXPECT_EQ(p.n, 3);
  EXPECT_EQ(p.stop, (std::vector<std::string>{"a", "bc"}));
  EXPECT_EQ(p.stop_token_ids, (std::vector<std::int32_t>{5, 6}));
  EXPECT_FLOAT_EQ(p.presence_penalty, 0.25f);
  EXPECT_FLOAT_EQ(p.frequency_penalty, -0.5f);
  EXPECT_FLOAT_EQ(p.repetition_penalty, 1.1f);
  ASSERT_EQ(p.logit_bias.size(), 2u);
  EXPECT_EQ(p.logprobs, 4);
  EXPECT_TRUE(p.ignore_eos);
  EXPECT_EQ(p.min_tokens, 2);
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_EQ(r->user, "u");
  EXPECT_EQ(r->ignored_fields, (std::vector<std::string>{"frobnicate", "chat_template"}));
}

TEST(OpenAiRequest, CompletionPromptsInEveryShape) {
  std::string param;
  auto one = parse(R"({"prompt": "hello"})", OpenAiEndpoint::kCompletion, &param);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->prompt_texts, (std::vector<std::string>{"hello"}));
  auto many = parse(R"({"prompt": ["a", "b"]})", OpenAiEndpoint::kCompletion, &param);
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->prompt_texts.size(), 2u);
  auto ids = parse(R"({"prompt": [1, 2, 3], "logprobs": 2})", OpenAiEndpoint::kCompletion, &param);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->prompt_ids, (std::vector<std::vector<std::int32_t>>{{1, 2, 3}}));
  EXPECT_EQ(ids->params.logprobs, 2);
  auto lists = parse(R"({"prompt": [[1], [2, 3]]})", OpenAiEndpoint::kCompletion, &param);
  ASSERT_TRUE(lists.ok());
  EXPECT_EQ(lists->prompt_ids.size(), 2u);
}

TEST(OpenAiRequest, WrongTypesNameTheField) {
  struct Case {
    const char* body;
    OpenAiEndpoint endpoint;
    const char* param;
  };
  const Case cases[] = {
      {R"({"messages": "hi"})", OpenAiEndpoint::kChat, "messages"},
      {R"({})", OpenAiEndpoint::kChat, "messages"},
      {R"({"messages": [{"content": "x"}]})", OpenAiEndpoint::kChat, "messages"},
      {R"({})", OpenAiEndpoint::kCompletion, "prompt"},
      {R"({"prompt": [1, "a"]})", OpenAiEndpoint::kCompletion, "prompt"},
      {R"({"prompt": [-1]})", OpenAiEndpoint::kCompletion, "prompt"},
      {R"({"prompt": "x", "max_tokens": "10"})", OpenAiEndpoint::kCompletion, "max_tokens"},
      {R"({"prompt": "x", "max_tokens": 0})", OpenAiEndpoint::kCompletion, "max_tokens"},
      {R"({"prompt": "x", "temperature": "hot"})", OpenAiEndpoint::kCompletion, "temperature"},
      {R"({"prompt": "x", "n": 0})", OpenAiEndpoint::kCompletion, "n"},
      {R"({"prompt": "x", "n": 1.5})", OpenAiEndpoint::kCompletion, "n"},
      {R"({"prompt": "x", "stop": 3})", OpenAiEndpoint::kCompletion, "stop"},
      {R"({"prompt": "x", "stop": [""]})", OpenAiEndpoint::kCompletion, "stop"},
      {R"({"prompt": "x", "logit_bias": {"abc": 1}})", OpenAiEndpoint::kCompletion, "logit_bias"},
      {R"({"prompt": "x", "stream": "yes"})", OpenAiEndpoint::kCompletion, "stream"},
      {R"({"prompt": "x", "seed": 1e300})", OpenAiEndpoint::kCompletion, "seed"},
      {R"({"messages": [{"role": "user", "content": "x"}], "top_logprobs": 3})",
       OpenAiEndpoint::kChat, "top_logprobs"},
      {R"({"messages": [{"role": "user", "content": "x"}], "logprobs": true, "top_logprobs": 21})",
       OpenAiEndpoint::kChat, "top_logprobs"},
      {R"({"prompt": "x", "stream_options": {"include_usage": 1}})", OpenAiEndpoint::kCompletion,
       "stream_options"},
  };
  for (const Case& c : cases) {
    std::string param;
    auto r = parse(c.body, c.endpoint, &param);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_EQ(param, c.param) << c.body << ": " << r.status().message();
  }
  std::string param;
  EXPECT_FALSE(parse("[1]", OpenAiEndpoint::kChat, &param).ok());
}

TEST(OpenAiRequest, DefaultMaxTokens) {
  std::string param;
  auto chat =
      parse(R"({"messages": [{"role": "user", "content": "x"}]})", OpenAiEndpoint::kChat, &param);
  ASSERT_TRUE(chat.ok());
  resolve_max_tokens(*chat, 100, 4096);
  EXPECT_EQ(chat->params.max_tokens, 3996);
  auto completion = parse(R"({"prompt": "x"})", OpenAiEndpoint::kCompletion, &param);
  ASSERT_TRUE(completion.ok());
  resolve_max_tokens(*completion, 100, 4096);
  EXPECT_EQ(completion->params.max_tokens, 16);
  auto given = parse(R"({"prompt": "x", "max_tokens": 5})", OpenAiEndpoint::kCompletion, &param);
  ASSERT_TRUE(given.ok());
  resolve_max_tokens(*given, 100, 4096);
  EXPECT_EQ(given->params.max_tokens, 5);
}

TEST(OpenAiRequest, EngineRefusalsNameTheirField) {
  EXPECT_EQ(error_param(Status::invalid_argument("top_p must be in (0, 1], got 0")), "top_p");
  EXPECT_EQ(error_param(Status::invalid_argument("logit_bias: token id 99999 is outside")),
            "logit_bias");
  EXPECT_EQ(error_param(Status::invalid_argument("the prompt (5 tokens) plus max_tokens (9)")),
            "prompt");
  EXPECT_EQ(error_param(Status::invalid_argument("something else")), "");
}

}  // namespace
}  // namespace plexus
