#include "plexus/status.h"

#include <gtest/gtest.h>

namespace plexus {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Status::invalid_argument("must be positive, got " + std::to_string(v));
  return v;
}

Result<int> doubled(int v) {
  PLEXUS_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

Status check(int v) {
  PLEXUS_RETURN_IF_ERROR(parse_positive(v).status());
  return Status();
}

TEST(Status, OkIsDefaultAndCarriesNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.to_string(), "OK");
}

TEST(Status, ErrorKeepsCodeAndMessage) {
  Status s = Status::not_found("no tensor 'x'");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.to_string(), "NotFound: no tensor 'x'");
  EXPECT_EQ(s.with_context("model.gguf").message(), "model.gguf: no tensor 'x'");
  EXPECT_TRUE(Status().with_context("ignored").ok());
}

TEST(Result, PropagatesThroughMacros) {
  EXPECT_EQ(*doubled(21), 42);
  Result<int> bad = doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "must be positive, got -1");
  EXPECT_TRUE(check(3).ok());
  EXPECT_EQ(check(0).code(), StatusCode::kInvalidArgument);
}

TEST(Result, OkStatusWithoutValueBecomesInternalError) {
  Result<int> r{Status()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> r = Status::corruption("bad");
  EXPECT_DEATH((void)r.value(), "value\\(\\) of an error Result: Corruption: bad");
}

}  // namespace
}  // namespace plexus
