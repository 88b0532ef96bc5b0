// Test helpers shared by quant-awq's and quant-gptq's tests: the fixtures made by
// tools/quant/make_quant_fixtures.py (tests/fixtures/quant/<variant>/) and a model built through
// the real plugin path (plugin host -> models-deepseek -> this quant plugin).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engine/single_sequence.h"
#include "formats/safetensors_reader.h"
#include "plexus/dtype.h"
#include "plexus/linear.h"
#include "plexus/quant.h"
#include "plexus/weight_source.h"
#include "plugins/plugin_host.h"

namespace plexus::quant_test {

inline const std::string kFixtures = std::string(PLEXUS_SOURCE_DIR) + "/tests/fixtures/quant/";
inline const std::string kPlugins = std::string(PLEXUS_BINARY_DIR) + "/lib/plexus/plugins/";

// max |got - want| over the row, divided by max |want| over the row.
inline double row_relative_error(std::span<const float> got, std::span<const float> want) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, double(std::fabs(got[i] - want[i])));
    scale = std::max(scale, double(std::fabs(want[i])));
  }
  return diff / std::max(scale, 1e-30);
}

// reference.safetensors of one variant.
struct Reference {
  std::unique_ptr<formats::SafetensorsFile> file;

  const formats::SafetensorsTensor* find(const std::string& name) const {
    const auto* t = file->find(name);
    EXPECT_NE(t, nullptr) << name;
    return t;
  }
  std::span<const float> floats(const std::string& name) const {
    const auto* t = find(name);
    if (!t) return {};
    return {reinterpret_cast<const float*>(t->data), std::size_t(t->numel)};
  }
  std::vector<std::int32_t> ints(const std::string& name) const {
    const auto* t = find(name);
    if (!t) return {};
    const auto* p = reinterpret_cast<const std::int32_t*>(t->data);
    return {p, p + t->numel};
  }
};

// One fixture variant opened: its weights, reference and quantization_config.
struct Variant {
  std::unique_ptr<WeightSource> weights;
  Reference ref;
  boost::json::object qconfig;

  Status open(const std::string& name) {
    const std::string dir = kFixtures + name;
    PLEXUS_ASSIGN_OR_RETURN(weights, open_weight_source(dir));
    PLEXUS_ASSIGN_OR_RETURN(ref.file,
                            formats::SafetensorsFile::open(dir + "/reference.safetensors"));
    if (const auto* q = weights->config().if_contains("quantization_config")) {
      qconfig = q->as_object();
    }
    return Status::ok_status();
  }
};

// The dequantised weight recorded by the library, `dequant/<module>` f16 [out, in], must equal
// `ours` (f32 [out, in]) rounded to f16, bit for bit. Returns the number of mismatches.
inline std::int64_t count_f16_mismatches(const Reference& ref, const std::string& module,
                                         const std::vector<float>& ours) {
  const auto* t = ref.find("dequant/" + module);
  if (!t) return -1;
  EXPECT_EQ(t->dtype, DType::kF16);
  EXPECT_EQ(std::size_t(t->numel), ours.size());
  const auto* want = reinterpret_cast<const std::uint16_t*>(t->data);
  std::int64_t bad = 0;
  for (std::size_t i = 0; i < ours.size() && i < t->numel; ++i) {
    if (f32_to_f16(ours[i]) != want[i]) {
      if (bad < 5) {
        ADD_FAILURE() << module << " element " << i << ": ours " << ours[i] << ", library "
                      << f16_to_f32(want[i]);
      }
      ++bad;
    }
  }
  return bad;
}

// The fused forward of `l` on 4 random rows against the double-precision product with `w`, its
// dequantised weight [out, in] (within 1e-5 of each row's scale), and each row alone giving its
// row of the batch bit for bit.
inline void expect_fused_matches_dequantised(const Linear& l, const std::vector<float>& w) {
  const std::int64_t in = l.in_features(), out = l.out_features(), M = 4;
  std::mt19937 rng(3);
  std::normal_distribution<float> d;
  std::vector<float> x(std::size_t(M * in)), y(std::size_t(M * out)),
      one(static_cast<std::size_t>(out));
  for (float& f : x) f = d(rng);
  ASSERT_TRUE(l.forward(x.data(), M, y.data()).ok());
  for (std::int64_t m = 0; m < M; ++m) {
    std::vector<float> want(static_cast<std::size_t>(out));
    for (std::int64_t n = 0; n < out; ++n) {
      double s = 0;
      for (std::int64_t k = 0; k < in; ++k) s += double(x[m * in + k]) * w[n * in + k];
      want[n] = float(s);
    }
    EXPECT_LT(row_relative_error({y.data() + m * out, std::size_t(out)}, want), 1e-5);
    ASSERT_TRUE(l.forward(x.data() + m * in, 1, one.data()).ok());
    EXPECT_EQ(0, std::memcmp(one.data(), y.data() + m * out, out * sizeof(float)));
  }
}

// Tensor-parallel slices of a layer whose full output for `x` is `y`: `load(shard, rank)` gives
// rank `rank` of 2. Column slices give the halves of y bit for bit; row slices, fed their half
// of x, sum to y within 1e-5.
template <typename Load>
void expect_column_slices_rebuild(Load load, const std::vector<float>& x,
                                  const std::vector<float>& y) {
  const std::int64_t half = std::int64_t(y.size()) / 2;
  std::vector<float> part(y.size());
  for (int rank = 0; rank < 2; ++rank) {
    auto col = load(ShardKind::kColumn, rank);
    ASSERT_TRUE(col.ok()) << col.status().to_string();
    ASSERT_EQ((*col)->out_features(), half);
    ASSERT_TRUE((*col)->forward(x.data(), 1, part.data()).ok());
    EXPECT_EQ(0, std::memcmp(part.data(), y.data() + rank * half, half * sizeof(float)));
  }
}
template <typename Load>
void expect_row_slices_sum(Load load, const std::vector<float>& x, const std::vector<float>& y) {
  const std::int64_t half_in = std::int64_t(x.size()) / 2;
  std::vector<float> part(y.size()), sum(y.size(), 0.0f);
  for (int rank = 0; rank < 2; ++rank) {
    auto r = load(ShardKind::kRow, rank);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    ASSERT_EQ((*r)->in_features(), half_in);
    ASSERT_TRUE((*r)->forward(x.data() + rank * half_in, 1, part.data()).ok());
    for (std::size_t n = 0; n < y.size(); ++n) sum[n] += part[n];
  }
  EXPECT_LT(row_relative_error(sum, y), 1e-5);
}

// models-deepseek with the named quant plugin's scheme, as `plexus run` would build it; with
// `dense` (ModelContext::dense) for what the checkpoint leaves dense. An empty plugin name
// builds a dense checkpoint through `dense` alone, as `plexus run` does.
struct QuantModel {
  PluginHost host;
  ConfigView manifest;
  std::shared_ptr<QuantScheme> scheme;
  std::shared_ptr<Model> model;

  Status build(const std::string& quant_plugin, const Variant& v,
               const QuantScheme* dense = nullptr, DType dense_dtype = DType::kF32) {
    PLEXUS_RETURN_IF_ERROR(host.load(kPlugins + "libplexus-models-deepseek.so"));
    ModelContext context{&v.weights->config(), &manifest};
    context.weights = v.weights.get();
    context.dense = dense;
    context.dense_dtype = dense_dtype;
    if (quant_plugin.empty()) {
      context.quant = dense ? dense : &dense_quant_scheme();
    } else {
      PLEXUS_RETURN_IF_ERROR(host.load(kPlugins + "libplexus-" + quant_plugin + ".so"));
      PLEXUS_ASSIGN_OR_RETURN(scheme,
                              host.create_quant(quant_plugin, QuantContext{&v.qconfig, &manifest}));
      context.quant = scheme.get();
    }
    PLEXUS_ASSIGN_OR_RETURN(model, host.create_model("models-deepseek", context));
    return Status::ok_status();
  }
};

// `[quant] activations = "int8"` against transformers:
// - against `prefill_logits_int8`, transformers' forward with the same int8 rounding applied to
//   the input of every layer plexus runs with int8 activations
//   (tools/quant/make_quant_fixtures.py): the median position within kInt8SameRounding. Not every
//   position: an input that lands within float rounding of a rounding boundary (x * 127 / max|x| ~
//   n + 0.5) can round the other way in one of the two, which moves that position and the later
//   ones (through attention) by up to a 1e-2 in these tiny models (seen once in the fixtures, whose
//   prompts round ~1e5 inputs).
// - against the exact f32 forward (`prefill_logits`), every position within kInt8Tolerance: the
//   rounding of every layer's input (quant_gemm.h bounds it per layer) adds up over the model;
//   these tiny random models, with their flat logits, show it at its largest (measured: the
//   "[ int8 ]" lines of the test output).
inline constexpr double kInt8SameRounding = 1e-5;
inline constexpr double kInt8Tolerance = 5e-2;

// The [quant] section of a manifest that sets `activations`.
inline ConfigView quant_section(const std::string& activations) {
  return ConfigView("[quant]", {{"activations", ConfigEntry{activations, "test"}}});
}

// Per-row relative error of the prefill logits of every recorded prompt against transformers'
// (`prompt_<i>/<key>`), all positions of all prompts in turn.
inline std::vector<double> prefill_errors(Model& model, const Reference& ref,
                                          const std::string& key_name = "prefill_logits") {
  const std::int64_t vocab = model.summary().vocab_size;
  std::vector<double> errors;
  for (int p = 0; ref.file->find("prompt_" + std::to_string(p) + "/ids"); ++p) {
    const std::string key = "prompt_" + std::to_string(p) + "/";
    const std::vector<std::int32_t> ids = ref.ints(key + "ids");
    auto logits = engine::prefill_logits(model, ids);
    EXPECT_TRUE(logits.ok()) << "prompt " << p << ": " << logits.status().to_string();
    if (!logits.ok()) return {};
    const auto want = ref.floats(key + key_name);
    EXPECT_EQ(want.size(), logits->size()) << "prompt " << p;
    if (want.size() != logits->size()) return {};
    for (std::size_t t = 0; t < ids.size(); ++t) {
      errors.push_back(row_relative_error({logits->data() + t * vocab, std::size_t(vocab)},
                                          want.subspan(t * vocab, vocab)));
    }
  }
  EXPECT_FALSE(errors.empty());
  return errors;
}

// Every position of prefill_errors within `tolerance`; returns the largest error.
inline double expect_prefill_matches(Model& model, const Reference& ref, double tolerance,
                                     const std::string& key_name = "prefill_logits") {
  double largest = 0;
  const std::vector<double> errors = prefill_errors(model, ref, key_name);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    EXPECT_LT(errors[i], tolerance) << "position " << i << " of all prompts";
    largest = std::max(largest, errors[i]);
  }
  return largest;
}

inline double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// The model built with `[quant] activations = "int8"` (summary says so) against both references
// (kInt8SameRounding, kInt8Tolerance: see there). `int8_runs`: some layer takes the int8 kernel, so
// the logits must differ from the f32 forward's; else they must match it as the f32 path does.
inline void expect_int8_model_matches(const std::string& plugin, const Variant& v,
                                      const std::string& name, bool int8_runs) {
  QuantModel qm;
  qm.manifest = quant_section("int8");
  Status s = qm.build(plugin, v);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_NE(qm.scheme->summary().detail.find("int8 activations"), std::string::npos);
  const std::vector<double> same = prefill_errors(*qm.model, v.ref, "prefill_logits_int8");
  EXPECT_LT(median(same), kInt8SameRounding);
  const double same_largest =
      expect_prefill_matches(*qm.model, v.ref, kInt8Tolerance, "prefill_logits_int8");
  const double exact = expect_prefill_matches(*qm.model, v.ref, kInt8Tolerance);
  if (int8_runs) {
    EXPECT_GT(exact, 1e-5) << "the int8 kernel did not run";
  } else {
    EXPECT_LT(exact, 1e-3);
  }
  std::printf(
      "[ int8 ] %s: logits error against the same rounding: median %.1e, largest %.1e; "
      "against the exact f32 forward: largest %.1e\n",
      name.c_str(), median(same), same_largest, exact);
}

}  // namespace plexus::quant_test
