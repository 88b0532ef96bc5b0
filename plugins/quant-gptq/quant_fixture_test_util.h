// Test helpers shared by quant-awq's and quant-gptq's tests: the fixtures made by
// tools/quant/make_quant_fixtures.py (tests/fixtures/quant/<variant>/) and a model built through
// the real plugin path (plugin host -> models-deepseek -> this quant plugin).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/single_sequence.h"
#include "formats/safetensors_reader.h"
#include "plexus/dtype.h"
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

// models-deepseek with the named quant plugin's scheme, as `plexus run` would build it.
struct QuantModel {
  PluginHost host;
  ConfigView manifest;
  std::shared_ptr<QuantScheme> scheme;
  std::shared_ptr<Model> model;

  Status build(const std::string& quant_plugin, const Variant& v) {
    PLEXUS_RETURN_IF_ERROR(host.load(kPlugins + "libplexus-models-deepseek.so"));
    PLEXUS_RETURN_IF_ERROR(host.load(kPlugins + "libplexus-" + quant_plugin + ".so"));
    PLEXUS_ASSIGN_OR_RETURN(scheme,
                            host.create_quant(quant_plugin, QuantContext{&v.qconfig, &manifest}));
    ModelContext context{&v.weights->config(), &manifest};
    context.weights = v.weights.get();
    context.quant = scheme.get();
    PLEXUS_ASSIGN_OR_RETURN(model, host.create_model("models-deepseek", context));
    return Status::ok_status();
  }
};

// Prefill logits of every recorded prompt within `tolerance` (per row, relative) of transformers'.
inline void expect_prefill_matches(Model& model, const Reference& ref, double tolerance) {
  const std::int64_t vocab = model.summary().vocab_size;
  int prompts = 0;
  for (int p = 0; ref.file->find("prompt_" + std::to_string(p) + "/ids"); ++p, ++prompts) {
    SCOPED_TRACE("prompt " + std::to_string(p));
    const std::string key = "prompt_" + std::to_string(p) + "/";
    const std::vector<std::int32_t> ids = ref.ints(key + "ids");
    auto logits = engine::prefill_logits(model, ids);
    ASSERT_TRUE(logits.ok()) << logits.status().to_string();
    const auto want = ref.floats(key + "prefill_logits");
    ASSERT_EQ(want.size(), logits->size());
    for (std::size_t t = 0; t < ids.size(); ++t) {
      EXPECT_LT(row_relative_error({logits->data() + t * vocab, std::size_t(vocab)},
                                   want.subspan(t * vocab, vocab)),
                tolerance)
          << "position " << t;
    }
  }
  EXPECT_GT(prompts, 0);
}

}  // namespace plexus::quant_test
