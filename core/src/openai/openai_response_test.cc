#include "plexus/openai_response.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace plexus {
namespace {

namespace json = boost::json;

TokenEvent token(int index, const char* text, std::int32_t id) {
  TokenEvent e;
  e.index = index;
  e.token_ids = {id};
  e.text = text;
  return e;
}

TokenEvent finish(int index, const char* reason, bool last) {
  TokenEvent e;
  e.index = index;
  e.finished = true;
  e.finish_reason = reason;
  e.last = last;
  e.metrics.prompt_tokens = 5;
  e.metrics.output_tokens = 3;
  return e;
}

TEST(OpenAiResponse, ChatChoicesInIndexOrderWithUsage) {
  OpenAiResponse r(OpenAiEndpoint::kChat, "chatcmpl-1", "m", 123, nullptr, false);
  r.add(token(1, "B", 7), 0, 2);
  r.add(token(0, "A", 8), 0, 2);
  r.add(token(0, "a", 9), 0, 2);
  r.add(finish(0, "stop", false), 0, 2);
  r.add(finish(1, "length", true), 0, 2);
  const json::object o = r.response();
  EXPECT_EQ(o.at("object"), "chat.completion");
  EXPECT_EQ(o.at("created"), 123);
  const json::array& choices = o.at("choices").as_array();
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[0].at("message").at("content"), "Aa");
  EXPECT_EQ(choices[0].at("finish_reason"), "stop");
  EXPECT_EQ(choices[1].at("message").at("content"), "B");
  EXPECT_EQ(choices[1].at("finish_reason"), "length");
  EXPECT_EQ(o.at("usage").at("prompt_tokens"), 5);
  EXPECT_EQ(o.at("usage").at("total_tokens"), 8);
}

TEST(OpenAiResponse, ChatChunksStartWithTheRoleAndEndWithTheReason) {
  OpenAiResponse r(OpenAiEndpoint::kChat, "c", "m", 1, nullptr, false);
  auto first = r.chunks(token(0, "Hi", 3), 0, 1);
  ASSERT_EQ(first.size(), 1u);
  const json::value& delta = first[0].at("choices").at(0).at("delta");
  EXPECT_EQ(delta.at("role"), "assistant");
  EXPECT_EQ(delta.at("content"), "Hi");
  EXPECT_TRUE(first[0].at("choices").at(0).at("finish_reason").is_null());
  EXPECT_TRUE(r.chunks(token(0, "", 4), 0, 1).empty()) << "nothing to say yet";
  auto last = r.chunks(finish(0, "stop", true), 0, 1);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].at("choices").at(0).at("finish_reason"), "stop");
  EXPECT_EQ(last[0].at("object"), "chat.completion.chunk");
  const json::object usage = r.usage_chunk();
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_EQ(usage.at("usage").at("completion_tokens"), 3);
}

TEST(OpenAiResponse, CompletionLogprobsAndPromptIndices) {
  OpenAiResponse r(OpenAiEndpoint::kCompletion, "cmpl", "m", 1, nullptr, true);
  TokenEvent e = token(0, "x", 11);
  e.logprobs.push_back({11, -0.5f, {{11, -0.5f}, {12, -1.5f}}});
  r.add(e, 1, 1);  // the second prompt's only choice
  r.add(finish(0, "length", true), 1, 1);
  const json::object o = r.response();
  EXPECT_EQ(o.at("object"), "text_completion");
  const json::value& c = o.at("choices").at(0);
  EXPECT_EQ(c.at("index"), 1);
  EXPECT_EQ(c.at("text"), "x");
  EXPECT_EQ(c.at("logprobs").at("tokens").at(0), "11");
  EXPECT_DOUBLE_EQ(c.at("logprobs").at("token_logprobs").at(0).as_double(), -0.5);
  EXPECT_EQ(c.at("logprobs").at("top_logprobs").at(0).as_object().size(), 2u);
}

TEST(OpenAiResponse, EchoPrecedesTheTextAndShiftsTheOffsets) {
  OpenAiResponse r(OpenAiEndpoint::kCompletion, "cmpl", "m", 1, nullptr, true);
  r.set_echo(0, "Hello");
  TokenEvent e = token(0, " you", 5);
  e.logprobs.push_back({5, -1.0f, {}});
  r.add(e, 0, 1);
  r.add(finish(0, "length", true), 0, 1);
  const json::object o = r.response();
  const json::value& c = o.at("choices").at(0);
  EXPECT_EQ(c.at("text"), "Hello you");
  EXPECT_EQ(c.at("logprobs").at("text_offset").at(0), 5);
}

TEST(OpenAiResponse, ErrorShapeAndStatus) {
  const json::object e = openai_error("bad", "invalid_request_error", "n", 400);
  EXPECT_EQ(e.at("error").at("param"), "n");
  EXPECT_TRUE(openai_error("x", "t", "", 500).at("error").at("param").is_null());
  EXPECT_EQ(http_status_for(Status::invalid_argument("x")), 400);
  EXPECT_EQ(http_status_for(Status::not_found("x")), 404);
  EXPECT_EQ(http_status_for(Status::unavailable("x")), 503);
  EXPECT_EQ(http_status_for(Status::internal("x")), 500);
  EXPECT_EQ(openai_error_type(429), "rate_limit_error");
  EXPECT_EQ(openai_error_type(405), "invalid_request_error");
  EXPECT_EQ(openai_error_type(431), "invalid_request_error");
}

}  // namespace
}  // namespace plexus
