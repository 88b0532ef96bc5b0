// A minimal quant plugin: it accepts checkpoints whose quantization_config says
// "quant_method": "template" and keeps every weight dense. Copy this folder to start a plugin
// of your own; docs/plugins.md explains each field.
#include <memory>

#include "plexus/plugin.h"

namespace {

class TemplateScheme final : public plexus::QuantScheme {
 public:
  explicit TemplateScheme(int bits) {
    summary_.method = "template";
    summary_.bits = bits;
    summary_.group_size = -1;
    summary_.detail = "example plugin";
  }
  const plexus::QuantSummary& summary() const override { return summary_; }
  double bytes_per_weight() const override { return summary_.bits / 8.0; }
  bool is_quantized(std::string_view) const override { return false; }
  // "Keeps weights dense": the layers are the built-in dense ones.
  plexus::Result<std::unique_ptr<plexus::Linear>> create_linear(
      const plexus::LinearSpec& spec, const plexus::WeightSource& weights) const override {
    return plexus::dense_quant_scheme().create_linear(spec, weights);
  }

 private:
  plexus::QuantSummary summary_;
};

plexus::Result<std::unique_ptr<plexus::QuantScheme>> create(const plexus::QuantContext& context) {
  int bits = 16;
  if (const auto* b = context.quantization_config->if_contains("bits")) {
    if (!b->is_int64() || b->get_int64() != 16) {
      return plexus::Status::invalid_argument("template quantization: 'bits' must be 16");
    }
  }
  return std::unique_ptr<plexus::QuantScheme>(new TemplateScheme(bits));
}

const char* const kMethods[] = {"template", nullptr};

const plexus::PluginDescriptor kDescriptor = {
    PLEXUS_PLUGIN_ABI_FIELDS,
    plexus::PluginKind::kQuant,
    "quant-template",
    "0.1.0",
    PLEXUS_TOOLCHAIN_TAG,
    "Template for out-of-tree plugins (keeps weights dense)",
    kMethods,
    nullptr,  // create_model
    &create,  // create_quant
    nullptr,  // create_frontend
    nullptr,  // score: null means "runs anywhere"
};

}  // namespace

PLEXUS_PLUGIN_ENTRY(kDescriptor)
