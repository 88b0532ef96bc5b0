// quant-gptq: GPTQ 2/3/4/8-bit checkpoints (v1 and v2 zero conventions, act-order).
#include <memory>

#include "gptq_config.h"
#include "gptq_linear.h"
#include "packed_kernel.h"
#include "plexus/plugin.h"

namespace plexus::gptq {
namespace {

class GptqScheme final : public QuantScheme {
 public:
  GptqScheme(GptqConfig config, quant::Activations activations)
      : config_(config), activations_(activations) {
    summary_.method = "gptq";
    summary_.bits = config_.bits;
    summary_.group_size = config_.group_size;
    summary_.detail = std::string(config_.sym ? "sym" : "asym") +
                      (config_.desc_act ? ", desc_act" : "") +
                      (config_.format == CheckpointFormat::kGptqV2 ? ", gptq_v2" : ", gptq v1");
    if (!config_.dynamic.empty()) {
      summary_.detail += ", " + std::to_string(config_.dynamic.size()) + " dynamic rules";
    }
    if (activations_ == quant::Activations::kInt8) summary_.detail += ", int8 activations";
  }
  const QuantSummary& summary() const override { return summary_; }
  double bytes_per_weight() const override { return config_.bytes_per_weight(); }
  bool is_quantized(std::string_view module) const override {
    // A tied lm_head is the embedding table, which GPTQ never packs.
    return !module.ends_with("embed_tokens") && config_.is_quantized(module);
  }
  // One Linear per call: a MoE model builds each expert's projections this way too. A module
  // gets the settings its `dynamic` rule gives it.
  Result<std::unique_ptr<Linear>> create_linear(const LinearSpec& spec,
                                                const WeightSource& weights) const override {
    PLEXUS_ASSIGN_OR_RETURN(
        std::unique_ptr<GptqLinear> linear,
        GptqLinear::load(config_.resolved(spec.prefix), spec, weights, activations_));
    return std::unique_ptr<Linear>(std::move(linear));
  }

 private:
  GptqConfig config_;
  quant::Activations activations_;
  QuantSummary summary_;
};

Result<std::unique_ptr<QuantScheme>> create(const QuantContext& context) {
  PLEXUS_ASSIGN_OR_RETURN(GptqConfig config, parse_gptq_config(*context.quantization_config));
  PLEXUS_ASSIGN_OR_RETURN(const quant::Activations activations,
                          quant::read_activations(*context.manifest));
  return std::unique_ptr<QuantScheme>(new GptqScheme(config, activations));
}

const char* const kMethods[] = {"gptq", nullptr};

const PluginDescriptor kDescriptor = {
    PLEXUS_PLUGIN_ABI_FIELDS,
    PluginKind::kQuant,
    "quant-gptq",
    "0.1.0",
    PLEXUS_TOOLCHAIN_TAG,
    "GPTQ 2/3/4/8-bit weights (act-order, sym/asym, gptq v1 and v2)",
    kMethods,
    nullptr,
    &create,
    nullptr,
    nullptr,
};

}  // namespace
}  // namespace plexus::gptq

PLEXUS_PLUGIN_ENTRY(plexus::gptq::kDescriptor)
