// Dense models through the real plugin path (plugin host -> models-deepseek -> dense scheme)
// against logits recorded by transformers from the same checkpoints (tools/models/).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/single_sequence.h"
#include "formats/safetensors_reader.h"
#include "plexus/quant.h"
#include "plexus/weight_source.h"
#include "plugins/plugin_host.h"

namespace plexus {
namespace {

const std::string kFixtures = std::string(PLEXUS_SOURCE_DIR) + "/tests/fixtures/models/";

// max |got - want| over the row, divided by max |want| over the row.
double row_relative_error(std::span<const float> got, std::span<const float> want) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, double(std::fabs(got[i] - want[i])));
    scale = std::max(scale, double(std::fabs(want[i])));
  }
  return diff / std::max(scale, 1e-30);
}

struct Reference {
  std::unique_ptr<formats::SafetensorsFile> file;
  std::span<const float> floats(const std::string& name) const {
    const auto* t = file->find(name);
    EXPECT_NE(t, nullptr) << name;
    return {reinterpret_cast<const float*>(t->data), std::size_t(t->numel)};
  }
  std::vector<std::int32_t> ints(const std::string& name) const {
    const auto* t = file->find(name);
    EXPECT_NE(t, nullptr) << name;
    const auto* p = reinterpret_cast<const std::int32_t*>(t->data);
    return {p, p + t->numel};
  }
};

class DenseGolden : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string dir = kFixtures + GetParam();
    auto weights = open_weight_source(dir);
    ASSERT_TRUE(weights.ok()) << weights.status().to_string();
    weights_ = std::move(*weights);
    auto ref = formats::SafetensorsFile::open(dir + "/reference.safetensors");
    ASSERT_TRUE(ref.ok()) << ref.status().to_string();
    ref_.file = std::move(*ref);
    ASSERT_TRUE(host_
                    .load(std::string(PLEXUS_BINARY_DIR) +
                          "/lib/plexus/plugins/libplexus-models-deepseek.so")
                    .ok());
    ModelContext context{&weights_->config(), &manifest_};
    context.weights = weights_.get();
    context.quant = &dense_quant_scheme();
    auto model = host_.create_model("models-deepseek", context);
    ASSERT_TRUE(model.ok()) << model.status().to_string();
    model_ = *model;
  }

  ConfigView manifest_;
  PluginHost host_;
  std::unique_ptr<WeightSource> weights_;
  Reference ref_;
  std::shared_ptr<Model> model_;
};

TEST_P(DenseGolden, PrefillAndGreedyDecodeMatchTransformers) {
  const std::int64_t vocab = model_->summary().vocab_size;
  for (int p = 0; ref_.file->find("prompt_" + std::to_string(p) + "/ids"); ++p) {
    SCOPED_TRACE("prompt " + std::to_string(p));
    const std::string key = "prompt_" + std::to_string(p) + "/";
    const std::vector<std::int32_t> ids = ref_.ints(key + "ids");
    auto prefill = engine::prefill_logits(*model_, ids);
    ASSERT_TRUE(prefill.ok()) << prefill.status().to_string();
    const auto want_prefill = ref_.floats(key + "prefill_logits");
    ASSERT_EQ(want_prefill.size(), prefill->size());
    for (std::size_t t = 0; t < ids.size(); ++t) {
      EXPECT_LT(row_relative_error({prefill->data() + t * vocab, std::size_t(vocab)},
                                   want_prefill.subspan(t * vocab, vocab)),
                1e-4)
          << "prefill position " << t;
    }

    const auto want_decode = ref_.floats(key + "decode_logits");
    const std::vector<std::int32_t> want_tokens = ref_.ints(key + "decode_tokens");
    engine::GreedyOptions options;
    options.max_tokens = std::int32_t(want_tokens.size());
    std::size_t step = 0;
    options.observe_logits = [&](std::span<const float> logits) {
      // Step 0's logits are the prompt's last position; decode step s's are after s tokens.
      if (step > 0 && step <= want_tokens.size() - 1) {
        EXPECT_LT(row_relative_error(logits, want_decode.subspan((step - 1) * vocab, vocab)), 1e-4)
            << "decode step " << step - 1;
      }
      ++step;
    };
    auto tokens = engine::generate_greedy(*model_, ids, options);
    ASSERT_TRUE(tokens.ok()) << tokens.status().to_string();
    EXPECT_EQ(*tokens, want_tokens);
  }
}

INSTANTIATE_TEST_SUITE_P(TinyCheckpoints, DenseGolden,
                         ::testing::Values("llama_basic", "llama_gqa_tied", "llama_linear_rope",
                                           "llama_dynamic_rope", "llama3_rope", "llama_yarn_rope",
                                           "qwen2_bias"));

}  // namespace
}  // namespace plexus
