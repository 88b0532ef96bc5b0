// SmolLM2-135M-Instruct from its GGUF, end to end: the model's own chat template and
// tokenizer give transformers' token ids, and the model gives transformers' logits (its GGUF
// loader, dequantised to f32) within 1e-3 and the same 32-token greedy continuation.
// The GGUF comes from scripts/fetch-model (scripts/test runs it first).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/single_sequence.h"
#include "formats/safetensors_reader.h"
#include "plexus/chat_template.h"
#include "plexus/quant.h"
#include "plexus/tokenizer.h"
#include "plexus/weight_source.h"
#include "plugins/plugin_host.h"

namespace plexus {
namespace {

const std::string kSource = PLEXUS_SOURCE_DIR;
const std::string kGguf = kSource + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
const std::string kReference = kSource + "/tests/fixtures/models/smollm2/";

TEST(SmolLm2Golden, MatchesTransformersOnFivePrompts) {
  ASSERT_TRUE(std::filesystem::exists(kGguf)) << kGguf << " is missing: run scripts/fetch-model";
  auto weights = open_weight_source(kGguf);
  ASSERT_TRUE(weights.ok()) << weights.status().to_string();
  PluginHost host;
  ASSERT_TRUE(
      host.load(std::string(PLEXUS_BINARY_DIR) + "/lib/plexus/plugins/libplexus-models-deepseek.so")
          .ok());
  ConfigView manifest;
  ModelContext context{&(*weights)->config(), &manifest};
  context.weights = weights->get();
  context.quant = &dense_quant_scheme();
  auto model = host.create_model("models-deepseek", context);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  auto tokenizer = load_tokenizer_gguf(kGguf);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  auto source = (*weights)->metadata_string("tokenizer.chat_template");
  ASSERT_TRUE(source.ok());
  auto chat = ChatTemplate::compile(*source);
  ASSERT_TRUE(chat.ok()) << chat.status().to_string();

  std::ifstream meta_file(kReference + "reference.json");
  std::stringstream meta_text;
  meta_text << meta_file.rdbuf();
  const boost::json::object meta = boost::json::parse(meta_text.str()).as_object();
  auto ref = formats::SafetensorsFile::open(kReference + "reference.safetensors");
  ASSERT_TRUE(ref.ok()) << ref.status().to_string();
  auto ints = [&](const std::string& name) {
    const auto* t = (*ref)->find(name);
    const auto* p = reinterpret_cast<const std::int32_t*>(t->data);
    return std::vector<std::int32_t>(p, p + t->numel);
  };

  const std::int64_t vocab = (*model)->summary().vocab_size;
  const auto& prompts = meta.at("prompts").as_array();
  ASSERT_EQ(prompts.size(), 5u);
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    SCOPED_TRACE("prompt " + std::to_string(i));
    const std::string key = "prompt_" + std::to_string(i) + "/";
    const auto& p = prompts[i].as_object();
    auto text = chat->render(p.at("messages").as_array(),
                             boost::json::object{{"add_generation_prompt", true}});
    ASSERT_TRUE(text.ok()) << text.status().to_string();
    EXPECT_EQ(*text, p.at("templated_text").as_string());
    const std::vector<std::int32_t> ids = (*tokenizer)->encode(*text, false);
    ASSERT_EQ(ids, ints(key + "ids"));

    const auto* want = (*ref)->find(key + "last_logits");
    ASSERT_NE(want, nullptr);
    const auto* want_logits = reinterpret_cast<const float*>(want->data);
    engine::GreedyOptions options;
    options.max_tokens = 32;
    bool first = true;
    options.observe_logits = [&](std::span<const float> logits) {
      if (!first) return;
      first = false;
      double diff = 0, scale = 0;
      for (std::int64_t v = 0; v < vocab; ++v) {
        diff = std::max(diff, double(std::fabs(logits[v] - want_logits[v])));
        scale = std::max(scale, double(std::fabs(want_logits[v])));
      }
      EXPECT_LT(diff / scale, 1e-3) << "last-position logits";
    };
    auto tokens = engine::generate_greedy(**model, ids, options);
    ASSERT_TRUE(tokens.ok()) << tokens.status().to_string();
    EXPECT_EQ(*tokens, ints(key + "continuation"));
  }
}

}  // namespace
}  // namespace plexus
