#include "sampling/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <vector>

namespace plexus::sampling {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

SequenceContext no_history() { return {}; }

std::int32_t sample_ok(std::span<const float> logits, const SamplingParams& p, SamplingRng& rng,
                       const SequenceContext& seq = {}) {
  Result<SampledToken> r = sample_token(logits, p, seq, rng);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? r->token : -1;
}

// Counts of each token over `draws` samples with one seeded stream.
std::vector<int> histogram(const std::vector<float>& logits, const SamplingParams& p, int draws,
                           std::uint64_t seed = 42) {
  SamplingRng rng(seed);
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < draws; ++i) {
    const std::int32_t t = sample_ok(logits, p, rng);
    if (t >= 0) ++counts[t];
  }
  return counts;
}

// Pearson's chi-square of observed counts against expected probabilities (zero ones skipped,
// and then their counts must be zero).
double chi_square(const std::vector<int>& counts, const std::vector<double>& probs) {
  int total = 0;
  for (int c : counts) total += c;
  double chi2 = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (probs[i] == 0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " has probability 0";
      continue;
    }
    const double e = probs[i] * total;
    chi2 += (counts[i] - e) * (counts[i] - e) / e;
  }
  return chi2;
}

std::vector<double> softmax(const std::vector<float>& logits, double t) {
  long double max_v = -INFINITY, sum = 0;
  for (float v : logits) max_v = std::max<long double>(max_v, v / t);
  for (float v : logits) sum += std::exp(v / t - max_v);
  std::vector<double> out;
  for (float v : logits) out.push_back(static_cast<double>(std::exp(v / t - max_v) / sum));
  return out;
}

std::vector<float> log_of(const std::vector<double>& probs) {
  std::vector<float> out;
  for (double p : probs) out.push_back(static_cast<float>(std::log(p)));
  return out;
}

// Chi-square critical values at p = 0.001: a correct sampler with a fixed seed passes; a wrong
// distribution over 20k draws is far above.
constexpr double kChi2Df3 = 16.27;
constexpr double kChi2Df1 = 10.83;

TEST(SamplerTest, GreedyTakesFirstOfTiedMaxima) {
  SamplingParams p;
  p.temperature = 0;
  const std::vector<float> logits = {0.1f, 3.0f, -1.0f, 3.0f, 2.9f};
  SamplingRng rng(1);
  EXPECT_EQ(sample_ok(logits, p, rng), 1);
  // Below kGreedyTemperature counts as greedy too.
  p.temperature = 1e-6f;
  EXPECT_EQ(sample_ok(logits, p, rng), 1);
}

TEST(SamplerTest, GreedyDoesNotAdvanceTheRng) {
  SamplingParams p;
  p.temperature = 0;
  const std::vector<float> logits = {0, 1, 2};
  SamplingRng used(9), fresh(9);
  for (int i = 0; i < 5; ++i) sample_ok(logits, p, used);
  EXPECT_EQ(used.next_uniform(), fresh.next_uniform());
}

TEST(SamplerTest, GreedyUsesProcessedLogits) {
  SamplingParams p;
  p.temperature = 0;
  const std::vector<float> logits = {1.0f, 2.0f, 1.5f};
  SamplingRng rng(1);
  p.logit_bias = {{0, 5.0f}};
  EXPECT_EQ(sample_ok(logits, p, rng), 0);
  p.logit_bias.clear();
  p.repetition_penalty = 2.0f;  // 2.0 / 2 = 1.0 < 1.5
  const std::vector<std::int32_t> prompt = {1};
  EXPECT_EQ(sample_ok(logits, p, rng, {prompt, {}, {}}), 2);
}

TEST(SamplerTest, TemperatureMatchesSoftmaxOfScaledLogits) {
  const std::vector<float> logits = {1.0f, 0.2f, -0.5f, 2.0f};
  for (float t : {0.5f, 1.0f, 2.0f}) {
    SamplingParams p;
    p.temperature = t;
    const std::vector<int> counts = histogram(logits, p, 20000);
    EXPECT_LT(chi_square(counts, softmax(logits, t)), kChi2Df3) << "temperature " << t;
    // The test can fail: the same counts do not fit another temperature.
    EXPECT_GT(chi_square(counts, softmax(logits, t * 1.5)), 100) << "temperature " << t;
  }
}

TEST(SamplerTest, TopKNeverSamplesOutsideTheTopK) {
  const std::vector<float> logits = {0.5f, 2.0f, 0.1f, 1.9f, 1.0f, 0.0f};
  SamplingParams p;
  p.top_k = 2;
  const std::vector<int> counts = histogram(logits, p, 10000);
  EXPECT_EQ(counts[1] + counts[3], 10000);
  // Renormalised over the two kept tokens.
  std::vector<double> expected(6, 0.0);
  const double z = std::exp(2.0) + std::exp(1.9);
  expected[1] = std::exp(2.0) / z;
  expected[3] = std::exp(1.9) / z;
  EXPECT_LT(chi_square(counts, expected), kChi2Df1);
}

TEST(SamplerTest, TopKTiesBreakToLowerId) {
  const std::vector<float> logits = {1.0f, 3.0f, 3.0f, 3.0f};
  SamplingParams p;
  p.top_k = 2;
  const std::vector<int> counts = histogram(logits, p, 4000);
  EXPECT_EQ(counts[3], 0);
  EXPECT_EQ(counts[0], 0);
  EXPECT_GT(counts[1], 1500);
  EXPECT_GT(counts[2], 1500);
}

TEST(SamplerTest, TopPKeepsSmallestSetReachingP) {
  const std::vector<double> probs = {0.1, 0.5, 0.25, 0.15};
  const std::vector<float> logits = log_of(probs);
  SamplingParams p;
  // 0.5 < 0.7, 0.5 + 0.25 >= 0.7: keep tokens 1 and 2.
  p.top_p = 0.7f;
  std::vector<int> counts = histogram(logits, p, 20000);
  EXPECT_LT(chi_square(counts, {0, 0.5 / 0.75, 0.25 / 0.75, 0}), kChi2Df1);
  // 0.75 < 0.8: token 3 (0.15) joins.
  p.top_p = 0.8f;
  counts = histogram(logits, p, 20000);
  EXPECT_LT(chi_square(counts, {0, 0.5 / 0.9, 0.25 / 0.9, 0.15 / 0.9}), 13.82);
  // Less than the top token's probability: only it.
  p.top_p = 0.3f;
  counts = histogram(logits, p, 1000);
  EXPECT_EQ(counts[1], 1000);
}

TEST(SamplerTest, TopPOnALargeVocabularyMatchesAFullSort) {
  // Thousands of tokens in the nucleus: more than the sampler's first sorted head.
  std::mt19937 gen(99);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> logits(2000);
  for (float& v : logits) v = uniform(gen);
  const float top_p = 0.5f;

  double max_v = *std::max_element(logits.begin(), logits.end());
  std::vector<std::pair<double, std::int32_t>> ranked;
  double total = 0;
  for (std::int32_t id = 0; id < 2000; ++id) {
    ranked.push_back({std::exp(logits[id] - max_v), id});
    total += ranked.back().first;
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<bool> in_nucleus(2000, false);
  double before = 0;
  std::size_t kept = 0;
  for (const auto& [w, id] : ranked) {
    if (kept > 0 && before >= top_p * total) break;
    in_nucleus[id] = true;
    before += w;
    ++kept;
  }
  ASSERT_GT(kept, 600u);  // more than the first two sorted heads (64, 512)

  SamplingParams p;
  p.top_p = top_p;
  const std::vector<int> counts = histogram(logits, p, 10000);
  std::size_t distinct = 0;
  for (std::int32_t id = 0; id < 2000; ++id) {
    if (counts[id] > 0) {
      ++distinct;
      EXPECT_TRUE(in_nucleus[id]) << "token " << id << " is outside the nucleus";
    }
  }
  EXPECT_GE(distinct, kept - 3);
}

TEST(SamplerTest, MinPDropsTokensBelowFractionOfTheTop) {
  const std::vector<double> probs = {0.5, 0.3, 0.15, 0.05};
  const std::vector<float> logits = log_of(probs);
  SamplingParams p;
  p.min_p = 0.35f;  // threshold 0.175: tokens 0 and 1 stay
  const std::vector<int> counts = histogram(logits, p, 20000);
  EXPECT_LT(chi_square(counts, {0.5 / 0.8, 0.3 / 0.8, 0, 0}), kChi2Df1);
}

TEST(SamplerTest, MinPAppliesAfterTemperature) {
  const std::vector<double> probs = {0.5, 0.3, 0.15, 0.05};
  const std::vector<float> logits = log_of(probs);
  SamplingParams p;
  p.min_p = 0.35f;
  p.temperature = 2.0f;  // ratios to the top become 0.77, 0.55, 0.32: only token 3 goes
  const std::vector<int> counts = histogram(logits, p, 20000);
  std::vector<double> expected = softmax(logits, 2.0);
  expected[3] = 0;
  const double z = expected[0] + expected[1] + expected[2];
  for (double& e : expected) e /= z;
  EXPECT_LT(chi_square(counts, expected), 13.82);
}

TEST(SamplerTest, AllOptionsTogetherStayInsideEveryFilter) {
  const std::vector<float> logits = {3.0f, 2.5f, 2.4f, 1.0f, 0.0f, 2.45f};
  SamplingParams p;
  p.temperature = 0.8f;
  p.top_k = 3;     // {0, 1, 5}
  p.top_p = 0.9f;  // of those
  p.min_p = 0.05f;
  const std::vector<int> counts = histogram(logits, p, 5000);
  EXPECT_EQ(counts[0] + counts[1] + counts[5], 5000);
}

TEST(SamplerTest, SameSeedSameSequenceDifferentSeedsDiffer) {
  // A row that depends on the history, so a divergence anywhere shows up later too.
  auto generate = [](std::uint64_t seed, int index) {
    SamplingParams p;
    p.temperature = 0.9f;
    p.top_p = 0.95f;
    p.presence_penalty = 0.5f;
    p.seed = seed;
    SamplingRng rng = SamplingRng::for_sequence(p.seed, index);
    std::vector<std::int32_t> out;
    for (int step = 0; step < 100; ++step) {
      std::vector<float> logits(50);
      for (int v = 0; v < 50; ++v) logits[v] = std::sin(0.37f * v + 0.11f * step);
      SequenceContext seq{{}, out, {}};
      Result<SampledToken> r = sample_token(logits, p, seq, rng);
      EXPECT_TRUE(r.ok());
      out.push_back(r->token);
    }
    return out;
  };
  EXPECT_EQ(generate(123, 0), generate(123, 0));
  EXPECT_NE(generate(123, 0), generate(124, 0));
  EXPECT_NE(generate(123, 0), generate(123, 1));  // n > 1: each completion its own stream
}

TEST(SamplerTest, SeededStreamIgnoresOtherSequencesInTheBatch) {
  const std::vector<float> logits = {0.3f, 0.1f, 0.9f, 0.4f, 0.2f};
  SamplingParams p;
  SamplingRng alone(77);
  std::vector<std::int32_t> expected;
  for (int i = 0; i < 50; ++i) expected.push_back(sample_ok(logits, p, alone));

  SamplingRng mine(77), other(78);
  std::vector<std::int32_t> batched;
  for (int i = 0; i < 50; ++i) {
    for (int j = 0; j < i % 3; ++j) sample_ok(logits, p, other);
    batched.push_back(sample_ok(logits, p, mine));
  }
  EXPECT_EQ(batched, expected);
}

TEST(SamplerTest, UnseededStreamsDiffer) {
  SamplingRng a = SamplingRng::for_sequence(std::nullopt, 0);
  SamplingRng b = SamplingRng::for_sequence(std::nullopt, 0);
  EXPECT_NE(a.next_uniform(), b.next_uniform());
}

TEST(SamplerTest, NonFiniteRowFailsThatRequestOnly) {
  SamplingParams p;
  SamplingRng rng(5), fresh(5);
  std::vector<float> logits = {0.1f, kNaN, 0.3f};
  Result<SampledToken> r = sample_token(logits, p, no_history(), rng);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_EQ(r.status().message(),
            "the model produced a non-finite logit (nan) for token 1; this request is ended");
  logits = {0.1f, 0.2f, kInf};
  r = sample_token(logits, p, no_history(), rng);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "the model produced a non-finite logit (inf) for token 2; this request is ended");
  logits = {-kInf, -kInf};
  EXPECT_FALSE(sample_token(logits, p, no_history(), rng).ok());
  p.temperature = 0;
  logits = {kNaN, 1.0f};
  EXPECT_FALSE(sample_token(logits, p, no_history(), rng).ok());
  // Errors draw nothing.
  EXPECT_EQ(rng.next_uniform(), fresh.next_uniform());
}

TEST(SamplerTest, NegativeInfinityTokensAreNeverSampled) {
  const std::vector<float> logits = {-kInf, 0.0f, -kInf, 0.5f};
  SamplingParams p;
  const std::vector<int> counts = histogram(logits, p, 5000);
  EXPECT_EQ(counts[0] + counts[2], 0);
}

TEST(SamplerTest, MinTokensSuppressesEos) {
  const std::vector<float> logits = {0.0f, 5.0f, 1.0f, 4.0f};  // EOS = 1 is the favourite
  const std::vector<std::int32_t> eos = {1};
  SamplingParams p;
  p.temperature = 0;
  p.min_tokens = 3;
  p.stop_token_ids = {3};
  SamplingRng rng(1);
  std::vector<std::int32_t> out;
  for (int i = 0; i < 3; ++i) {
    const std::int32_t t = sample_ok(logits, p, rng, {{}, out, eos});
    EXPECT_EQ(t, 2) << i;  // EOS and the stop token are masked
    out.push_back(t);
  }
  EXPECT_EQ(sample_ok(logits, p, rng, {{}, out, eos}), 1);

  // Random sampling never picks them either.
  p.temperature = 1.0f;
  std::vector<std::int32_t> none;
  for (int i = 0; i < 2000; ++i) {
    const std::int32_t t = sample_ok(logits, p, rng, {{}, none, eos});
    ASSERT_TRUE(t == 0 || t == 2) << t;
  }
}

TEST(SamplerTest, EverythingMaskedIsAnError) {
  const std::vector<float> logits = {-kInf, 5.0f, -kInf};
  SamplingParams p;
  p.min_tokens = 1;
  const std::vector<std::int32_t> eos = {1};
  SamplingRng rng(1);
  EXPECT_EQ(sample_token(logits, p, {{}, {}, eos}, rng).status().code(), StatusCode::kInternal);
  p.temperature = 0;
  EXPECT_EQ(sample_token(logits, p, {{}, {}, eos}, rng).status().code(), StatusCode::kInternal);
}

TEST(SamplerTest, LogprobsAreRawLogSoftmax) {
  const std::vector<float> logits = {1.5f, -0.25f, 3.0f, 3.0f, 0.0f, -7.0f, 2.25f};
  // Reference in long double, written independently of log_softmax().
  long double sum = 0;
  for (float v : logits) sum += std::exp(static_cast<long double>(v));
  auto ref = [&](int id) { return static_cast<double>(logits[id] - std::log(sum)); };

  SamplingParams p;
  p.logprobs = 4;
  p.temperature = 0.3f;  // processing must not change the returned logprobs
  p.logit_bias = {{5, 20.0f}};
  SamplingRng rng(3);
  Result<SampledToken> r = sample_token(logits, p, no_history(), rng);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->token, 5);
  ASSERT_TRUE(r->logprob.has_value());
  EXPECT_NEAR(*r->logprob, ref(5), 1e-6);
  ASSERT_EQ(r->top_logprobs.size(), 4u);
  const std::vector<std::int32_t> order = {2, 3, 6, 0};  // ties by id
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(r->top_logprobs[i].token, order[i]);
    EXPECT_NEAR(r->top_logprobs[i].logprob, ref(order[i]), 1e-6);
  }

  const std::vector<double> all = log_softmax(logits);
  double total = 0;
  for (double lp : all) total += std::exp(lp);
  EXPECT_NEAR(total, 1.0, 1e-12);

  p.logprobs = 0;
  r = sample_token(logits, p, no_history(), rng);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->logprob.has_value());
  EXPECT_TRUE(r->top_logprobs.empty());
  p.logprobs.reset();
  r = sample_token(logits, p, no_history(), rng);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->logprob.has_value());
}

TEST(SamplerTest, LogprobsStayAccurateForLargeLogits) {
  const std::vector<float> logits = {1000.0f, 999.0f, -1000.0f};
  SamplingParams p;
  p.temperature = 0;
  p.logprobs = 3;
  SamplingRng rng(1);
  Result<SampledToken> r = sample_token(logits, p, no_history(), rng);
  ASSERT_TRUE(r.ok());
  const double log_z = 1000.0 + std::log1p(std::exp(-1.0));
  EXPECT_NEAR(*r->logprob, 1000.0 - log_z, 1e-6);
  EXPECT_NEAR(r->top_logprobs[1].logprob, 999.0 - log_z, 1e-6);
  EXPECT_TRUE(std::isfinite(r->top_logprobs[2].logprob));
}

TEST(SamplerTest, PenaltiesShiftTheDistributionByTheFormula) {
  // Frequency penalty 1 on token 0 seen twice: its logit drops by 2.
  const std::vector<float> logits = {2.0f, 0.0f};
  SamplingParams p;
  p.frequency_penalty = 1.0f;
  const std::vector<std::int32_t> out = {0, 0};
  SamplingRng rng(11);
  std::vector<int> counts(2, 0);
  for (int i = 0; i < 20000; ++i) ++counts[sample_ok(logits, p, rng, {{}, out, {}})];
  EXPECT_LT(chi_square(counts, {0.5, 0.5}), kChi2Df1);
}

}  // namespace
}  // namespace plexus::sampling
