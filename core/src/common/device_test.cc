#include "plexus/device.h"

#include <gtest/gtest.h>

namespace plexus {
namespace {

TEST(Device, ParsesAcceptedSpellings) {
  EXPECT_EQ(*parse_device("cpu"), Device::cpu());
  EXPECT_EQ(*parse_device("cuda"), Device::cuda(0));
  EXPECT_EQ(*parse_device("cuda:3"), Device::cuda(3));
  EXPECT_EQ(Device::cuda(3).to_string(), "cuda:3");
}

TEST(Device, RejectsOthersWithTheAcceptedForms) {
  for (const char* bad : {"gpu", "cuda:", "cuda:-1", "cuda:1x", "cuda:5000", "CPU", ""}) {
    auto r = parse_device(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(),
              "unknown device '" + std::string(bad) + "': use \"cpu\", \"cuda\" or \"cuda:N\"");
  }
}

}  // namespace
}  // namespace plexus
