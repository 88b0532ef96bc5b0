// DeepSeekMoE on the CPU: a router picks top-k routed experts per token, the tokens are grouped
// by expert so each expert's Linear layers run once on all of its tokens, and each token's
// output is sum_e w_e Expert_e(x) + Shared(x).
//
// Routers (FORMATS.md, transformers' DeepseekV2Moe / DeepseekV3MoE):
// - softmax scoring (V2): p = softmax(x W_gate^T);
//   greedy: the top-k of p; group_limited_greedy: groups of n_experts / n_group scored by their
//   max, the best topk_group groups kept, the others' experts set to 0, then the top-k;
//   weights = p at the chosen experts (normalised when norm_topk_prob and k > 1, as DeepSeek's
//   code does) x routed_scaling_factor.
// - sigmoid scoring, noaux_tc (V3): s = sigmoid(x W_gate^T), s' = s + e_score_correction_bias
//   (selection only); groups scored by the sum of their top 2 of s'; the best topk_group kept,
//   the others' experts set to 0 (not -inf: transformers' masked_fill); top-k of s'; weights =
//   s at those experts, / (sum + 1e-20) when norm_topk_prob, x routed_scaling_factor.
// Ties go to the lower index. Router logits are one batch-invariant GEMM in f32.
//
// Batch invariance: every expert Linear is row-invariant, and a token's output is accumulated
// from its own experts in ascending expert id, then the shared expert is added; so what else is
// in the batch never changes a token's bits.
//
// Tensor parallelism: the router runs whole on every rank (same input, same choice) and every
// expert keeps its share of the intermediate width, so forward gives a partial sum to be
// all-reduced by the caller.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "model_config.h"
#include "plexus/linear.h"
#include "plexus/weight_source.h"
#include "weight_loader.h"

namespace plexus::deepseek {

// gate/up/down SwiGLU MLP: down(silu(gate(x)) * up(x)). With tensor parallelism gate/up are
// column-parallel and down row-parallel: forward gives this rank's partial sum.
class GatedMlp {
 public:
  // `<prefix>.{gate,up,down}_proj`.
  static Result<GatedMlp> load(const std::string& prefix, std::int64_t hidden,
                               std::int64_t intermediate, const WeightLoader& loader);
  // x: [rows, hidden] -> out: [rows, hidden].
  Status forward(const float* x, std::int64_t rows, float* out);

 private:
  std::int64_t intermediate_ = 0;
  std::unique_ptr<Linear> gate_, up_, down_;
  std::vector<float> gate_buf_, up_buf_;
};

enum class RouterScoring { kSoftmax, kSigmoid };
enum class RouterTopk { kGreedy, kGroupLimitedGreedy, kNoauxTc };

struct RouterConfig {
  RouterScoring scoring = RouterScoring::kSoftmax;
  RouterTopk topk = RouterTopk::kGreedy;
  std::int64_t n_experts = 0, top_k = 0, n_group = 1, topk_group = 1;
  bool norm_topk_prob = false;
  float routed_scaling_factor = 1.0f;
};

// Reads scoring_func, topk_method, n_group, topk_group, norm_topk_prob, routed_scaling_factor
// (defaults: V2 softmax/greedy, V3 sigmoid/noaux_tc) and checks they fit together.
Result<RouterConfig> router_config_from_json(const ModelConfig& config,
                                             const boost::json::object& json);

// The chosen experts of one token, in ascending id, with their weights.
struct Routing {
  std::vector<std::int32_t> experts;
  std::vector<float> weights;
};

// Picks experts for one token from its router logits ([n_experts]); `bias` is the
// e_score_correction_bias (noaux_tc) or null.
Routing route_token(const RouterConfig& config, const float* logits, const float* bias);

class MoeBlock {
 public:
  // `<prefix>` is "model.layers.N.mlp".
  static Result<MoeBlock> load(const std::string& prefix, const ModelConfig& config,
                               const RouterConfig& router, const WeightLoader& loader);
  // x: [rows, hidden] -> out: [rows, hidden].
  Status forward(const float* x, std::int64_t rows, float* out);

 private:
  std::int64_t hidden_ = 0;
  RouterConfig router_;
  OwnedTensor gate_weight_;                // [n_experts, hidden] f32
  std::optional<OwnedTensor> score_bias_;  // [n_experts] f32 (noaux_tc)
  std::vector<GatedMlp> experts_;
  std::optional<GatedMlp> shared_;
  std::vector<float> logits_, expert_in_, expert_out_, shared_out_;
};

}  // namespace plexus::deepseek
