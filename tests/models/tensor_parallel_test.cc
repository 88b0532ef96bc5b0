// Tensor parallelism on the CPU: two in-process ranks, each holding half of every attention
// and MLP layer, give the logits of the whole model (within 1e-5 relative) and the same greedy
// tokens, so the NCCL path later only swaps the communicator.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "engine/single_sequence.h"
#include "plexus/communicator.h"
#include "plexus/quant.h"
#include "plexus/weight_source.h"
#include "plugins/plugin_host.h"

namespace plexus {
namespace {

double row_relative_error(std::span<const float> got, std::span<const float> want) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, double(std::fabs(got[i] - want[i])));
    scale = std::max(scale, double(std::fabs(want[i])));
  }
  return diff / std::max(scale, 1e-30);
}

class TensorParallel : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto weights =
        open_weight_source(std::string(PLEXUS_SOURCE_DIR) + "/tests/fixtures/models/" + GetParam());
    ASSERT_TRUE(weights.ok()) << weights.status().to_string();
    weights_ = std::move(*weights);
    ASSERT_TRUE(host_
                    .load(std::string(PLEXUS_BINARY_DIR) +
                          "/lib/plexus/plugins/libplexus-models-deepseek.so")
                    .ok());
  }

  Result<std::shared_ptr<Model>> make(int rank, int world, Communicator* comm) {
    ModelContext context{&weights_->config(), &manifest_};
    context.weights = weights_.get();
    context.quant = &dense_quant_scheme();
    context.tensor_parallel_rank = rank;
    context.tensor_parallel_size = world;
    context.communicator = comm;
    return host_.create_model("models-deepseek", context);
  }

  ConfigView manifest_;
  PluginHost host_;
  std::unique_ptr<WeightSource> weights_;
};

TEST_P(TensorParallel, TwoRanksReproduceOne) {
  auto whole = make(0, 1, nullptr);
  ASSERT_TRUE(whole.ok()) << whole.status().to_string();
  auto group = make_in_process_group(2);
  auto rank0 = make(0, 2, group[0].get());
  auto rank1 = make(1, 2, group[1].get());
  ASSERT_TRUE(rank0.ok()) << rank0.status().to_string();
  ASSERT_TRUE(rank1.ok()) << rank1.status().to_string();
  EXPECT_EQ((*rank0)->kv_layout().values_per_token * 2, (*whole)->kv_layout().values_per_token);

  const std::vector<std::int32_t> prompt = {5, 17, 42, 99, 3, 64, 128, 7, 200, 11, 31};
  const std::int64_t vocab = (*whole)->summary().vocab_size;
  auto want = engine::prefill_logits(**whole, prompt);
  ASSERT_TRUE(want.ok());
  Result<std::vector<float>> got0 = Status::internal("not run"), got1 = got0;
  std::thread other([&] { got1 = engine::prefill_logits(**rank1, prompt); });
  got0 = engine::prefill_logits(**rank0, prompt);
  other.join();
  ASSERT_TRUE(got0.ok()) << got0.status().to_string();
  ASSERT_TRUE(got1.ok()) << got1.status().to_string();
  EXPECT_EQ(*got0, *got1);  // every rank holds the same logits, bit for bit
  for (std::size_t t = 0; t < prompt.size(); ++t) {
    EXPECT_LT(row_relative_error({got0->data() + t * vocab, std::size_t(vocab)},
                                 {want->data() + t * vocab, std::size_t(vocab)}),
              1e-5)
        << "position " << t;
  }

  engine::GreedyOptions options;
  options.max_tokens = 12;
  auto want_tokens = engine::generate_greedy(**whole, prompt, options);
  Result<std::vector<std::int32_t>> tokens0 = Status::internal("not run"), tokens1 = tokens0;
  std::thread other_decode([&] { tokens1 = engine::generate_greedy(**rank1, prompt, options); });
  tokens0 = engine::generate_greedy(**rank0, prompt, options);
  other_decode.join();
  ASSERT_TRUE(tokens0.ok() && tokens1.ok() && want_tokens.ok());
  EXPECT_EQ(*tokens0, *want_tokens);
  EXPECT_EQ(*tokens1, *want_tokens);
}

TEST_P(TensorParallel, AWorldThatDoesNotDivideTheHeadsIsRefused) {
  auto group = make_in_process_group(3);
  auto model = make(0, 3, group[0].get());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("tensor_parallel 3 does not divide num_attention_heads"),
            std::string::npos)
      << model.status().message();
}

INSTANTIATE_TEST_SUITE_P(TinyCheckpoints, TensorParallel,
                         ::testing::Values("llama_basic", "llama_gqa_tied", "qwen2_bias"));

}  // namespace
}  // namespace plexus
