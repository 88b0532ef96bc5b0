#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "sampling/logits_processors.h"

namespace plexus::sampling {
namespace {

Status check_row(std::span<const float> logits) {
  if (logits.empty()) return Status::internal("sampler: the logits row is empty");
  bool any_finite = false;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    const float v = logits[i];
    if (std::isnan(v) || v == std::numeric_limits<float>::infinity()) {
      return Status::internal("the model produced a non-finite logit (" +
                              std::string(std::isnan(v) ? "nan" : "inf") + ") for token " +
                              std::to_string(i) + "; this request is ended");
    }
    any_finite = any_finite || std::isfinite(v);
  }
  if (!any_finite) {
    return Status::internal("the model's logits are -inf for every token; this request is ended");
  }
  return Status::ok_status();
}

Status nothing_left() {
  return Status::internal(
      "no token can be sampled: every token with a finite logit is masked (min_tokens masks "
      "EOS and stop_token_ids); this request is ended");
}

struct Candidate {
  std::int32_t id;
  double weight;  // exp(l/T - max), unnormalised probability
};

bool ranks_before(const Candidate& a, const Candidate& b) {
  return a.weight != b.weight ? a.weight > b.weight : a.id < b.id;
}

// Sorts the head of `kept` by rank and returns how many tokens top_p keeps: each token while the
// tokens ranked above it sum to less than top_p of the total (the smallest prefix reaching it).
// Sorting a 150k vocabulary per token is slow and the kept set is usually small, so only a
// growing head is sorted; the result equals that of a full sort since the rank is a total order.
std::size_t top_p_prefix_length(std::vector<Candidate>& kept, float top_p) {
  double total = 0;
  for (const Candidate& c : kept) total += c.weight;
  const double limit = static_cast<double>(top_p) * total;
  std::size_t sorted = std::min<std::size_t>(kept.size(), 64);
  for (;;) {
    std::nth_element(kept.begin(), kept.begin() + (sorted - 1), kept.end(), ranks_before);
    std::sort(kept.begin(), kept.begin() + sorted, ranks_before);
    double before = 0;
    std::size_t keep = 0;
    while (keep < sorted && (keep == 0 || before < limit)) {
      before += kept[keep].weight;
      ++keep;
    }
    if (before >= limit || sorted == kept.size()) return keep;
    sorted = std::min(kept.size(), sorted * 8);
  }
}

// Random path: temperature, softmax, min_p, top_k, top_p, draw.
Result<std::int32_t> draw(std::span<const float> processed, const SamplingParams& params,
                          SamplingRng& rng) {
  const double t = params.temperature;
  double max_scaled = -std::numeric_limits<double>::infinity();
  for (float v : processed) max_scaled = std::max(max_scaled, v / t);
  if (!std::isfinite(max_scaled)) return nothing_left();

  // min_p is relative to the most likely token, whose weight is 1.
  const double min_weight = params.min_p;
  std::vector<Candidate> kept;
  for (std::size_t id = 0; id < processed.size(); ++id) {
    if (!std::isfinite(processed[id])) continue;
    const double w = std::exp(processed[id] / t - max_scaled);
    if (w > 0 && w >= min_weight) kept.push_back({static_cast<std::int32_t>(id), w});
  }
  if (kept.empty()) return nothing_left();

  if (params.top_k > 0 && static_cast<std::size_t>(params.top_k) < kept.size()) {
    std::nth_element(kept.begin(), kept.begin() + (params.top_k - 1), kept.end(), ranks_before);
    kept.resize(params.top_k);
    // nth_element leaves the first k in no particular order; id order makes the draw fixed.
    std::sort(kept.begin(), kept.end(),
              [](const Candidate& a, const Candidate& b) { return a.id < b.id; });
  }

  if (params.top_p < 1.0f) kept.resize(top_p_prefix_length(kept, params.top_p));

  double total = 0;
  for (const Candidate& c : kept) total += c.weight;
  const double target = rng.next_uniform() * total;
  double cumulative = 0;
  for (const Candidate& c : kept) {
    cumulative += c.weight;
    if (target < cumulative) return c.id;
  }
  return kept.back().id;  // rounding left target == total
}

}  // namespace

std::vector<double> log_softmax(std::span<const float> logits) {
  double max_v = -std::numeric_limits<double>::infinity();
  for (float v : logits) max_v = std::max(max_v, static_cast<double>(v));
  double sum = 0;
  for (float v : logits) sum += std::exp(static_cast<double>(v) - max_v);
  const double log_z = max_v + std::log(sum);
  std::vector<double> out(logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) out[i] = static_cast<double>(logits[i]) - log_z;
  return out;
}

Result<SampledToken> sample_token(std::span<const float> logits, const SamplingParams& params,
                                  const SequenceContext& sequence, SamplingRng& rng) {
  PLEXUS_RETURN_IF_ERROR(check_row(logits));

  std::vector<float> processed(logits.begin(), logits.end());
  mask_stop_tokens_before_min(processed, params, sequence.output_ids.size(),
                              sequence.eos_token_ids);
  apply_logit_bias(processed, params);
  apply_penalties(processed, params, sequence.prompt_ids, sequence.output_ids);

  SampledToken out;
  if (params.temperature < kGreedyTemperature) {
    out.token = argmax_first(processed);
    if (!std::isfinite(processed[out.token])) return nothing_left();
  } else {
    PLEXUS_ASSIGN_OR_RETURN(out.token, draw(processed, params, rng));
  }

  if (params.logprobs) {
    const std::vector<double> raw = log_softmax(logits);
    out.logprob = static_cast<float>(raw[out.token]);
    const std::size_t n = std::min<std::size_t>(std::max(*params.logprobs, 0), raw.size());
    std::vector<std::int32_t> ids(raw.size());
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int32_t>(i);
    std::partial_sort(ids.begin(), ids.begin() + n, ids.end(), [&](std::int32_t a, std::int32_t b) {
      return raw[a] != raw[b] ? raw[a] > raw[b] : a < b;
    });
    out.top_logprobs.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      out.top_logprobs.push_back({ids[i], static_cast<float>(raw[ids[i]])});
    }
  }
  return out;
}

}  // namespace plexus::sampling
