// quant-awq: AWQ 4-bit GEMM-layout checkpoints.
#include <memory>

#include "awq_config.h"
#include "awq_linear.h"
#include "packed_kernel.h"
#include "plexus/plugin.h"

namespace plexus::awq {
namespace {

class AwqScheme final : public QuantScheme {
 public:
  AwqScheme(AwqConfig config, quant::Activations activations)
      : config_(std::move(config)), activations_(activations) {
    summary_.method = "awq";
    summary_.bits = config_.bits;
    summary_.group_size = config_.group_size;
    summary_.detail = std::string(config_.zero_point ? "zero_point" : "symmetric") + ", " +
                      config_.version + " layout";
    if (activations_ == quant::Activations::kInt8) summary_.detail += ", int8 activations";
  }
  const QuantSummary& summary() const override { return summary_; }
  double bytes_per_weight() const override { return config_.bytes_per_weight(); }
  bool is_quantized(std::string_view module) const override {
    // AWQ packs the decoder layers' projections only: lm_head (or a tied embedding) stays dense.
    return module != "lm_head" && !module.ends_with("embed_tokens") && config_.is_quantized(module);
  }
  // One Linear per call: a MoE model builds each expert's projections this way too.
  Result<std::unique_ptr<Linear>> create_linear(const LinearSpec& spec,
                                                const WeightSource& weights) const override {
    PLEXUS_ASSIGN_OR_RETURN(std::unique_ptr<AwqLinear> linear,
                            AwqLinear::load(config_, spec, weights, activations_));
    return std::unique_ptr<Linear>(std::move(linear));
  }

 private:
  AwqConfig config_;
  quant::Activations activations_;
  QuantSummary summary_;
};

Result<std::unique_ptr<QuantScheme>> create(const QuantContext& context) {
  PLEXUS_ASSIGN_OR_RETURN(AwqConfig config, parse_awq_config(*context.quantization_config));
  PLEXUS_ASSIGN_OR_RETURN(const quant::Activations activations,
                          quant::read_activations(*context.manifest));
  return std::unique_ptr<QuantScheme>(new AwqScheme(std::move(config), activations));
}

const char* const kMethods[] = {"awq", nullptr};

const PluginDescriptor kDescriptor = {
    PLEXUS_PLUGIN_ABI_FIELDS,
    PluginKind::kQuant,
    "quant-awq",
    "0.1.0",
    PLEXUS_TOOLCHAIN_TAG,
    "AWQ 4-bit weights (GEMM layout, group sizes 32/64/128/-1)",
    kMethods,
    nullptr,
    &create,
    nullptr,
    nullptr,
};

}  // namespace
}  // namespace plexus::awq

PLEXUS_PLUGIN_ENTRY(plexus::awq::kDescriptor)
