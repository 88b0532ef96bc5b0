#include "plexus/config_view.h"

#include <gtest/gtest.h>

namespace plexus {
namespace {

ConfigView sample() {
  std::map<std::string, ConfigEntry, std::less<>> e;
  e["port"] = {std::int64_t{8080}, "m.toml:9:1"};
  e["host"] = {std::string("0.0.0.0"), "m.toml:10:1"};
  e["ratio"] = {std::int64_t{2}, "--set"};
  e["prot"] = {std::int64_t{1}, "m.toml:11:1"};
  return ConfigView("[[frontend]] #1 (frontend-http)", std::move(e));
}

TEST(ConfigView, TypedGettersWithDefaults) {
  ConfigView v = sample();
  EXPECT_EQ(*v.get_int("port", 1), 8080);
  EXPECT_EQ(*v.get_int("absent", 7), 7);
  EXPECT_EQ(*v.get_string("host", ""), "0.0.0.0");
  EXPECT_EQ(*v.get_double("ratio", 0.0), 2.0);  // integers are numbers too
  EXPECT_EQ(v.where("host"), "m.toml:10:1");
  EXPECT_EQ(v.where("nope"), "");
}

TEST(ConfigView, WrongTypeNamesKeyAndPlace) {
  auto r = sample().get_bool("host", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "m.toml:10:1: [[frontend]] #1 (frontend-http) host must be true or false");
}

TEST(ConfigView, CheckKeysSuggestsTheClosestKey) {
  Status s = sample().check_keys({"port", "host", "ratio", "api_key_env"});
  EXPECT_EQ(s.message(),
            "m.toml:11:1: unknown key 'prot' in [[frontend]] #1 (frontend-http); "
            "did you mean 'port'?");
  EXPECT_TRUE(sample().check_keys({"port", "host", "ratio", "prot"}).ok());
}

TEST(ConfigView, EditDistanceAndSuggestions) {
  EXPECT_EQ(edit_distance("tensor_paralel", "tensor_parallel"), 1u);
  EXPECT_EQ(edit_distance("prot", "port"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(closest_match("tensor_paralel", {"backend", "tensor_parallel"}), "tensor_parallel");
  EXPECT_EQ(closest_match("zzzzzz", {"backend", "tensor_parallel"}), "");
}

}  // namespace
}  // namespace plexus
