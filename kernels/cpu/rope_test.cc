#include "rope.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace plexus::kernels {
namespace {

boost::json::value load_golden() {
  // ctest sets PLEXUS_SOURCE_DIR to the absolute source root; the compiled-in default is ".".
  const char* root = std::getenv("PLEXUS_SOURCE_DIR");
  const std::string path =
      std::string(root ? root : PLEXUS_SOURCE_DIR) + "/kernels/cpu/testdata/rope_golden.json";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str());
}

RopeConfig config_from_json(const boost::json::object& j) {
  RopeConfig c;
  auto num = [&](const char* key, double fallback) {
    const auto* v = j.if_contains(key);
    return v ? v->to_number<double>() : fallback;
  };
  c.type = parse_rope_scaling_type(std::string(j.at("type").as_string())).value();
  c.rotary_dim = j.at("rotary_dim").to_number<std::int64_t>();
  c.theta = num("theta", 10000.0);
  c.max_position_embeddings = std::int64_t(num("max_position_embeddings", 2048));
  c.factor = num("factor", 1.0);
  c.original_max_position_embeddings = std::int64_t(num("original_max_position_embeddings", 0));
  c.low_freq_factor = num("low_freq_factor", 1.0);
  c.high_freq_factor = num("high_freq_factor", 4.0);
  c.beta_fast = num("beta_fast", 32.0);
  c.beta_slow = num("beta_slow", 1.0);
  c.mscale = num("mscale", 0.0);
  c.mscale_all_dim = num("mscale_all_dim", 0.0);
  return c;
}

// inv_freq and attention_factor against transformers' ROPE_INIT_FUNCTIONS (rope_golden.py).
TEST(RopeFrequencies, MatchTransformersGolden) {
  const auto doc = load_golden();
  const auto& cases = doc.at("cases").as_array();
  ASSERT_GE(cases.size(), 5u);
  for (const auto& item : cases) {
    const auto& c = item.as_object();
    const std::string name(c.at("name").as_string());
    SCOPED_TRACE(name);
    const RopeConfig config = config_from_json(c.at("config").as_object());
    const std::int64_t seq_len =
        c.contains("seq_len") ? c.at("seq_len").to_number<std::int64_t>() : 0;
    auto freqs = rope_frequencies(config, seq_len);
    ASSERT_TRUE(freqs.ok()) << freqs.status().to_string();
    const auto& want = c.at("inv_freq").as_array();
    ASSERT_EQ(freqs->inv_freq.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      const double w = want[i].to_number<double>();
      EXPECT_NEAR(freqs->inv_freq[i], w, 1e-6 * std::fabs(w)) << "i=" << i;
    }
    const double af = c.at("attention_factor").to_number<double>();
    EXPECT_NEAR(freqs->attention_factor, af, 1e-6 * std::fabs(af));
  }
}

TEST(RopeFrequencies, RejectsBadConfigs) {
  RopeConfig c;
  c.rotary_dim = 7;
  EXPECT_EQ(rope_frequencies(c).status().code(), StatusCode::kInvalidArgument);
  c.rotary_dim = 64;
  c.type = RopeScalingType::kLlama3;  // no original_max_position_embeddings
  c.factor = 8;
  EXPECT_EQ(rope_frequencies(c).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_rope_scaling_type("longrope").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(parse_rope_scaling_type("default").value(), RopeScalingType::kNone);
}

// A pair rotated by angle a: check the layouts pick the documented pairs.
TEST(ApplyRope, LayoutsRotateTheDocumentedPairs) {
  RopeFrequencies f;
  f.inv_freq = {0.5f, 0.25f};  // d = 4
  const RopeTable table = make_rope_table(f, 8);
  const std::int64_t pos = 3;
  for (RopeLayout layout : {RopeLayout::kHalfSplit, RopeLayout::kInterleaved}) {
    std::vector<float> x = {1, 2, 3, 4};
    ASSERT_TRUE(apply_rope(x.data(), 1, 1, 4, 4, &pos, table, layout).ok());
    // Pair 0 is (x0, x2) half-split, (x0, x1) interleaved; angle 1.5.
    const double c = std::cos(1.5), s = std::sin(1.5);
    const double a = 1, b = layout == RopeLayout::kHalfSplit ? 3 : 2;
    const std::size_t ib = layout == RopeLayout::kHalfSplit ? 2 : 1;
    EXPECT_NEAR(x[0], a * c - b * s, 1e-6);
    EXPECT_NEAR(x[ib], b * c + a * s, 1e-6);
  }
}

TEST(ApplyRope, MatchesReferenceWithStridesAndScaling) {
  RopeConfig c;
  c.rotary_dim = 64;
  c.theta = 10000;
  c.type = RopeScalingType::kYarn;
  c.factor = 40;
  c.original_max_position_embeddings = 4096;
  c.max_position_embeddings = 163840;
  c.mscale = 0.707;
  c.mscale_all_dim = 1.0;
  const auto freqs = rope_frequencies(c).value();
  const RopeTable table = make_rope_table(freqs, 5000);
  // MLA-like: 3 heads of 96, the rope part is the last 64 of each head.
  const std::int64_t tokens = 4, heads = 3, head = 96;
  const std::vector<std::int64_t> positions = {0, 1, 777, 4999};
  for (RopeLayout layout : {RopeLayout::kHalfSplit, RopeLayout::kInterleaved}) {
    auto x = testing::random_floats(std::size_t(tokens * heads * head), 31);
    auto want = x;
    ASSERT_TRUE(apply_rope(x.data() + 32, tokens, heads, heads * head, head, positions.data(),
                           table, layout)
                    .ok());
    apply_rope_reference(want.data() + 32, tokens, heads, heads * head, head, positions.data(),
                         freqs, layout);
    testing::expect_near_all(x, want, 2e-6f, 2e-6f, "rope");
    // The first 32 elements of each head are untouched.
    auto orig = testing::random_floats(std::size_t(tokens * heads * head), 31);
    for (std::int64_t i = 0; i < tokens * heads; ++i)
      for (std::int64_t d = 0; d < 32; ++d) EXPECT_EQ(x[i * head + d], orig[i * head + d]);
  }
}

TEST(ApplyRope, RejectsPositionsPastTheTable) {
  RopeFrequencies f;
  f.inv_freq = {1.0f};
  const RopeTable table = make_rope_table(f, 4);
  std::vector<float> x = {1, 2};
  const std::int64_t pos = 4;
  EXPECT_EQ(apply_rope(x.data(), 1, 1, 2, 2, &pos, table, RopeLayout::kHalfSplit).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace plexus::kernels
