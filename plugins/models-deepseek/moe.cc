#include "moe.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <numeric>

#include "kernels/cpu/activation.h"
#include "kernels/cpu/gemm.h"

namespace plexus::deepseek {
namespace {

// Indices of the k largest values, larger first, the lower index first on ties.
std::vector<std::int32_t> top_k(const std::vector<float>& values, std::int64_t k) {
  std::vector<std::int32_t> index(values.size());
  std::iota(index.begin(), index.end(), 0);
  std::partial_sort(index.begin(), index.begin() + k, index.end(),
                    [&](std::int32_t a, std::int32_t b) {
                      return values[std::size_t(a)] > values[std::size_t(b)] ||
                             (values[std::size_t(a)] == values[std::size_t(b)] && a < b);
                    });
  index.resize(std::size_t(k));
  return index;
}

Result<double> number(const boost::json::object& o, const char* key, double fallback) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_number()) {
    return Status::invalid_argument(std::string("config.json '") + key + "' must be a number");
  }
  return v->to_number<double>();
}

Result<std::string> text(const boost::json::object& o, const char* key, std::string fallback) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_string()) {
    return Status::invalid_argument(std::string("config.json '") + key + "' must be a string");
  }
  return std::string(v->get_string());
}

}  // namespace

Result<GatedMlp> GatedMlp::load(const std::string& prefix, std::int64_t hidden,
                                std::int64_t intermediate, const WeightLoader& loader) {
  GatedMlp m;
  m.intermediate_ = intermediate / loader.world();
  constexpr ShardKind kCol = ShardKind::kColumn, kRow = ShardKind::kRow;
  PLEXUS_ASSIGN_OR_RETURN(m.gate_,
                          loader.linear(prefix + ".gate_proj", hidden, intermediate, kCol));
  PLEXUS_ASSIGN_OR_RETURN(m.up_, loader.linear(prefix + ".up_proj", hidden, intermediate, kCol));
  PLEXUS_ASSIGN_OR_RETURN(m.down_,
                          loader.linear(prefix + ".down_proj", intermediate, hidden, kRow));
  return m;
}

Status GatedMlp::forward(const float* x, std::int64_t rows, float* out) {
  gate_buf_.resize(std::size_t(rows * intermediate_));
  up_buf_.resize(std::size_t(rows * intermediate_));
  PLEXUS_RETURN_IF_ERROR(gate_->forward(x, rows, gate_buf_.data()));
  PLEXUS_RETURN_IF_ERROR(up_->forward(x, rows, up_buf_.data()));
  kernels::silu_mul(gate_buf_.data(), up_buf_.data(), gate_buf_.data(), rows * intermediate_);
  return down_->forward(gate_buf_.data(), rows, out);
}

Result<RouterConfig> router_config_from_json(const ModelConfig& c,
                                             const boost::json::object& json) {
  const MoeConfig& moe = *c.moe;
  const bool v3 = c.family == Family::kDeepseekV3;
  RouterConfig r;
  r.n_experts = moe.n_routed_experts;
  r.top_k = moe.num_experts_per_tok;
  PLEXUS_ASSIGN_OR_RETURN(std::string scoring,
                          text(json, "scoring_func", v3 ? "sigmoid" : "softmax"));
  if (scoring == "softmax") {
    r.scoring = RouterScoring::kSoftmax;
  } else if (scoring == "sigmoid") {
    r.scoring = RouterScoring::kSigmoid;
  } else {
    return Status::unsupported("config.json scoring_func '" + scoring +
                               "' is not supported (softmax, sigmoid)");
  }
  // transformers' DeepseekV3 always routes noaux_tc; DeepSeek's V3 configs say so too.
  const std::string method = c.moe->topk_method.empty() || (v3 && !json.contains("topk_method"))
                                 ? (v3 ? "noaux_tc" : "greedy")
                                 : c.moe->topk_method;
  if (method == "greedy") {
    r.topk = RouterTopk::kGreedy;
  } else if (method == "group_limited_greedy") {
    r.topk = RouterTopk::kGroupLimitedGreedy;
  } else if (method == "noaux_tc") {
    r.topk = RouterTopk::kNoauxTc;
  } else {
    return Status::unsupported("config.json topk_method '" + method +
                               "' is not supported (greedy, group_limited_greedy, noaux_tc)");
  }
  PLEXUS_ASSIGN_OR_RETURN(double n_group, number(json, "n_group", 1));
  PLEXUS_ASSIGN_OR_RETURN(double topk_group, number(json, "topk_group", 1));
  PLEXUS_ASSIGN_OR_RETURN(double scaling, number(json, "routed_scaling_factor", 1.0));
  r.n_group = std::int64_t(n_group);
  r.topk_group = std::int64_t(topk_group);
  r.routed_scaling_factor = float(scaling);
  if (const auto* v = json.if_contains("norm_topk_prob"); v && v->is_bool()) {
    r.norm_topk_prob = v->get_bool();
  }
  if (r.n_group < 1 || r.n_experts % r.n_group != 0 || r.topk_group < 1 ||
      r.topk_group > r.n_group) {
    return Status::invalid_argument(
        "config.json n_group (" + std::to_string(r.n_group) + ") must divide n_routed_experts (" +
        std::to_string(r.n_experts) + ") and topk_group (" + std::to_string(r.topk_group) +
        ") must be between 1 and n_group");
  }
  const std::int64_t group_size = r.n_experts / r.n_group;
  if (r.topk == RouterTopk::kNoauxTc && group_size < 2) {
    return Status::invalid_argument(
        "noaux_tc scores each group by its top 2 experts: n_routed_experts / n_group must be "
        "at least 2");
  }
  if (r.topk != RouterTopk::kGreedy && r.top_k > r.topk_group * group_size) {
    return Status::invalid_argument("config.json num_experts_per_tok (" + std::to_string(r.top_k) +
                                    ") exceeds the experts of topk_group groups");
  }
  return r;
}

Routing route_token(const RouterConfig& r, const float* logits, const float* bias) {
  const std::int64_t n = r.n_experts;
  std::vector<float> score(static_cast<std::size_t>(n));
  if (r.scoring == RouterScoring::kSoftmax) {
    const float max_logit = *std::max_element(logits, logits + n);
    float sum = 0.0f;
    for (std::int64_t e = 0; e < n; ++e) sum += score[e] = std::exp(logits[e] - max_logit);
    for (std::int64_t e = 0; e < n; ++e) score[e] /= sum;
  } else {
    for (std::int64_t e = 0; e < n; ++e) score[e] = 1.0f / (1.0f + std::exp(-logits[e]));
  }
  std::vector<float> choice = score;
  if (bias) {
    for (std::int64_t e = 0; e < n; ++e) choice[e] += bias[e];
  }
  if (r.topk != RouterTopk::kGreedy) {
    const std::int64_t size = n / r.n_group;
    std::vector<float> group_score(static_cast<std::size_t>(r.n_group));
    for (std::int64_t g = 0; g < r.n_group; ++g) {
      std::vector<float> members(choice.begin() + g * size, choice.begin() + (g + 1) * size);
      if (r.topk == RouterTopk::kNoauxTc) {
        const auto best = top_k(members, 2);
        group_score[g] = members[best[0]] + members[best[1]];
      } else {
        group_score[g] = *std::max_element(members.begin(), members.end());
      }
    }
    std::vector<bool> keep(std::size_t(r.n_group), false);
    for (std::int32_t g : top_k(group_score, r.topk_group)) keep[g] = true;
    for (std::int64_t e = 0; e < n; ++e) {
      if (!keep[std::size_t(e / size)]) choice[e] = 0.0f;
    }
  }
  std::vector<std::int32_t> chosen = top_k(choice, r.top_k);
  Routing out;
  float sum = 0.0f;
  for (std::int32_t e : chosen) sum += score[e];
  std::sort(chosen.begin(), chosen.end());
  const bool normalise = r.norm_topk_prob && (r.scoring == RouterScoring::kSigmoid || r.top_k > 1);
  for (std::int32_t e : chosen) {
    float w = score[e];
    if (normalise) w /= sum + 1e-20f;
    out.experts.push_back(e);
    out.weights.push_back(w * r.routed_scaling_factor);
  }
  return out;
}

Result<MoeBlock> MoeBlock::load(const std::string& prefix, const ModelConfig& c,
                                const RouterConfig& router, const WeightLoader& loader) {
  const MoeConfig& moe = *c.moe;
  MoeBlock b;
  b.hidden_ = c.hidden_size;
  b.router_ = router;
  PLEXUS_ASSIGN_OR_RETURN(
      b.gate_weight_, loader.matrix(prefix + ".gate.weight", moe.n_routed_experts, c.hidden_size));
  if (router.topk == RouterTopk::kNoauxTc) {
    PLEXUS_ASSIGN_OR_RETURN(b.score_bias_, loader.vector(prefix + ".gate.e_score_correction_bias",
                                                         moe.n_routed_experts));
  }
  for (std::int64_t e = 0; e < moe.n_routed_experts; ++e) {
    PLEXUS_ASSIGN_OR_RETURN(GatedMlp expert,
                            GatedMlp::load(prefix + ".experts." + std::to_string(e), c.hidden_size,
                                           moe.moe_intermediate_size, loader));
    b.experts_.push_back(std::move(expert));
  }
  if (moe.n_shared_experts > 0) {
    PLEXUS_ASSIGN_OR_RETURN(
        b.shared_, GatedMlp::load(prefix + ".shared_experts", c.hidden_size,
                                  moe.n_shared_experts * moe.moe_intermediate_size, loader));
  }
  return b;
}

Status MoeBlock::forward(const float* x, std::int64_t rows, float* out) {
  const std::int64_t h = hidden_, n = router_.n_experts;
  logits_.resize(std::size_t(rows * n));
  PLEXUS_RETURN_IF_ERROR(kernels::gemm(x, gate_weight_.tensor.data_as<const float>(), DType::kF32,
                                       nullptr, logits_.data(), rows, n, h));
  const float* bias = score_bias_ ? score_bias_->tensor.data_as<const float>() : nullptr;
  std::vector<Routing> routes(static_cast<std::size_t>(rows));
  for (std::int64_t t = 0; t < rows; ++t) {
    routes[std::size_t(t)] = route_token(router_, logits_.data() + t * n, bias);
  }
  // Group by expert: expert e's tokens occupy rows [start[e], start[e + 1]) of expert_in_, in
  // token order; row_of[t][k] is where token t's k-th expert output lands.
  std::vector<std::int64_t> start(std::size_t(n + 1), 0);
  for (const Routing& r : routes) {
    for (std::int32_t e : r.experts) ++start[std::size_t(e) + 1];
  }
  std::partial_sum(start.begin(), start.end(), start.begin());
  const std::int64_t assigned = start[std::size_t(n)];
  expert_in_.resize(std::size_t(assigned * h));
  expert_out_.resize(std::size_t(assigned * h));
  std::vector<std::int64_t> fill(start.begin(), start.end() - 1);
  std::vector<std::vector<std::int64_t>> row_of(static_cast<std::size_t>(rows));
  for (std::int64_t t = 0; t < rows; ++t) {
    for (std::int32_t e : routes[std::size_t(t)].experts) {
      const std::int64_t row = fill[std::size_t(e)]++;
      std::copy_n(x + t * h, h, expert_in_.data() + row * h);
      row_of[std::size_t(t)].push_back(row);
    }
  }
  for (std::int64_t e = 0; e < n; ++e) {
    const std::int64_t begin = start[std::size_t(e)], count = start[std::size_t(e) + 1] - begin;
    if (count == 0) continue;
    PLEXUS_RETURN_IF_ERROR(experts_[std::size_t(e)].forward(expert_in_.data() + begin * h, count,
                                                            expert_out_.data() + begin * h));
  }
  // Combine in ascending expert id per token, then add the shared experts.
  std::fill_n(out, rows * h, 0.0f);
  for (std::int64_t t = 0; t < rows; ++t) {
    const Routing& r = routes[std::size_t(t)];
    float* o = out + t * h;
    for (std::size_t k = 0; k < r.experts.size(); ++k) {
      const float* y = expert_out_.data() + row_of[std::size_t(t)][k] * h;
      for (std::int64_t i = 0; i < h; ++i) o[i] += r.weights[k] * y[i];
    }
  }
  if (shared_) {
    shared_out_.resize(std::size_t(rows * h));
    PLEXUS_RETURN_IF_ERROR(shared_->forward(x, rows, shared_out_.data()));
    for (std::int64_t i = 0; i < rows * h; ++i) out[i] += shared_out_[std::size_t(i)];
  }
  return Status();
}

}  // namespace plexus::deepseek
