// The DeepSeekMoE routers on hand-made logits where each rule changes which experts win.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "moe.h"

namespace plexus::deepseek {
namespace {

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

TEST(Router, GroupLimitedGreedyKeepsOnlyTheBestGroupsByTheirMax) {
  RouterConfig r;
  r.scoring = RouterScoring::kSoftmax;
  r.topk = RouterTopk::kGroupLimitedGreedy;
  r.n_experts = 8, r.top_k = 3, r.n_group = 4, r.topk_group = 2;
  r.routed_scaling_factor = 2.0f;
  // Group maxima 5, 4.9, 0, 4.8: groups 0 and 1 stay, so expert 6 (4.8) cannot be picked and
  // the third choice is the better of experts 1 and 3 (a tie: the lower id).
  const std::vector<float> logits = {5, 0, 4.9f, 0, 0, 0, 4.8f, 4.7f};
  Routing got = route_token(r, logits.data(), nullptr);
  EXPECT_EQ(got.experts, (std::vector<std::int32_t>{0, 1, 2}));
  r.topk = RouterTopk::kGreedy;
  EXPECT_EQ(route_token(r, logits.data(), nullptr).experts, (std::vector<std::int32_t>{0, 2, 6}));
  r.topk = RouterTopk::kGroupLimitedGreedy;
  // Weights: softmax probabilities times routed_scaling_factor, not normalised.
  double sum = 0;
  for (float l : logits) sum += std::exp(double(l) - 5.0);
  EXPECT_NEAR(got.weights[0], 2.0 * 1.0 / sum, 1e-6);
  EXPECT_NEAR(got.weights[2], 2.0 * std::exp(-0.1) / sum, 1e-6);
}

TEST(Router, NoauxTcScoresGroupsByTheirTopTwoAndWeighsWithoutTheBias) {
  RouterConfig r;
  r.scoring = RouterScoring::kSigmoid;
  r.topk = RouterTopk::kNoauxTc;
  r.n_experts = 8, r.top_k = 2, r.n_group = 4, r.topk_group = 1;
  r.norm_topk_prob = true;
  r.routed_scaling_factor = 2.5f;
  // Group 0 has the best expert (3) but group 1's top two (2, 2) sum higher: group 1 wins.
  const std::vector<float> logits = {3, -3, 2, 2, -3, -3, -3, -3};
  Routing got = route_token(r, logits.data(), nullptr);
  EXPECT_EQ(got.experts, (std::vector<std::int32_t>{2, 3}));
  EXPECT_NEAR(got.weights[0], 1.25f, 1e-6);
  EXPECT_NEAR(got.weights[1], 1.25f, 1e-6);

  // The correction bias picks the expert; the weight is its unbiased sigmoid.
  r.n_group = 1, r.topk_group = 1, r.top_k = 1;
  const std::vector<float> flat = {1, 0, 0, 0, 0, 0, 0, 0};
  const std::vector<float> bias = {0, 2, 0, 0, 0, 0, 0, 0};
  got = route_token(r, flat.data(), bias.data());
  EXPECT_EQ(got.experts, (std::vector<std::int32_t>{1}));
  EXPECT_NEAR(got.weights[0], 2.5f, 1e-6);  // normalised over one expert
  r.norm_topk_prob = false;
  got = route_token(r, flat.data(), bias.data());
  EXPECT_NEAR(got.weights[0], 2.5f * sigmoid(0), 1e-6);
}

TEST(Router, NoauxTcMasksDroppedGroupsWithZeroLikeTransformers) {
  RouterConfig r;
  r.scoring = RouterScoring::kSigmoid;
  r.topk = RouterTopk::kNoauxTc;
  r.n_experts = 4, r.top_k = 2, r.n_group = 2, r.topk_group = 1;
  r.routed_scaling_factor = 1.0f;
  // Biased scores: group 0 = {0.5 - 0.7, 0.5 - 0.9} = {-0.2, -0.4}; group 1 lower still. Group 0
  // is kept and group 1 is set to 0 (masked_fill(..., 0.0)), which beats both kept experts.
  // (DeepSeek's own inference code masks with -inf and would pick experts 0 and 1.)
  const std::vector<float> logits = {0, 0, 0, 0};
  const std::vector<float> bias = {-0.7f, -0.9f, -0.95f, -0.99f};
  Routing got = route_token(r, logits.data(), bias.data());
  EXPECT_EQ(got.experts, (std::vector<std::int32_t>{2, 3}));
}

}  // namespace
}  // namespace plexus::deepseek
