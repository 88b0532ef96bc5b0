// models-deepseek: Llama/Qwen2-style dense models and DeepSeek-V2/V3 (MLA + MoE).
#include <memory>

#include "activation_size.h"
#include "deepseek_model.h"
#include "dense_model.h"
#include "model_config.h"
#include "parameter_count.h"
#include "plexus/plugin.h"

namespace plexus::deepseek {
namespace {

class DeepseekFamilyModel final : public Model {
 public:
  DeepseekFamilyModel(ModelConfig config) : config_(std::move(config)) {
    summary_ = summarize(config_);
  }
  const ModelSummary& summary() const override { return summary_; }
  KvLayout kv_layout() const override {
    return {summary_.num_layers, summary_.kv_values_per_token_per_layer};
  }
  std::int64_t activation_bytes(std::int64_t num_tokens) const override {
    return deepseek::activation_bytes(config_, 1, num_tokens);
  }
  Status forward(const ForwardBatch&, const KvCacheView&, float*) override {
    return Status::failed_precondition(summary_.architecture +
                                       " was created without weights (describe-only)");
  }

 private:
  ModelConfig config_;
  ModelSummary summary_;
};

Result<std::unique_ptr<Model>> create(const ModelContext& context) {
  PLEXUS_ASSIGN_OR_RETURN(ModelConfig config, parse_model_config(*context.hf_config));
  if (context.weights) {
    if (config.mla) return DeepseekModel::load(config, context);
    return DenseModel::load(config, context);
  }
  return std::unique_ptr<Model>(new DeepseekFamilyModel(std::move(config)));
}

const char* const kArchitectures[] = {"LlamaForCausalLM", "Qwen2ForCausalLM",
                                      "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM", nullptr};

const PluginDescriptor kDescriptor = {
    PLEXUS_PLUGIN_ABI_FIELDS,
    PluginKind::kModel,
    "models-deepseek",
    "0.1.0",
    PLEXUS_TOOLCHAIN_TAG,
    "Llama/Qwen2-style dense models and DeepSeek-V2/V3 MoE with MLA",
    kArchitectures,
    &create,
    nullptr,
    nullptr,
    nullptr,
};

}  // namespace
}  // namespace plexus::deepseek

PLEXUS_PLUGIN_ENTRY(plexus::deepseek::kDescriptor)
