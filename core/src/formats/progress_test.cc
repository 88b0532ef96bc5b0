#include "progress.h"

#include <gtest/gtest.h>

namespace plexus::formats {
namespace {

TEST(LoadProgress, CountsDistinctTensorsOnce) {
  LoadProgress p("m.gguf", 400, /*enabled=*/false);
  EXPECT_NE(p.render().find("  0%"), std::string::npos) << p.render();
  p.tensor_loaded("a", 100);
  p.tensor_loaded("a", 100);  // a second shard of the same tensor
  EXPECT_NE(p.render().find(" 25%"), std::string::npos) << p.render();
  p.tensor_loaded("b", 300);
  EXPECT_NE(p.render().find("100%"), std::string::npos) << p.render();
  EXPECT_NE(p.render().find("[##############################]"), std::string::npos);
}

TEST(LoadProgress, DrawsOnlyOnATerminal) {
  // Under capture stderr is a file, so a bar made there must stay silent.
  ::testing::internal::CaptureStderr();
  {
    LoadProgress p("m.gguf", 10);
    EXPECT_FALSE(p.enabled());
    p.tensor_loaded("a", 10);
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ::testing::internal::CaptureStderr();
  {
    LoadProgress forced("m.gguf", 10, /*enabled=*/true);
    forced.tensor_loaded("a", 5);
    forced.tensor_loaded("b", 5);
  }
  const std::string drawn = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(drawn.find("\rloading m.gguf"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find(" 50%"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find("100%"), std::string::npos) << drawn;
  EXPECT_EQ(drawn.back(), '\n');
}

}  // namespace
}  // namespace plexus::formats
