// `plexus plan [MANIFEST] [--model PATH]`: what a deployment needs, from the model's config and
// the manifest alone (no weights are read): parameters, weight bytes per quantization scheme,
// KV-cache bytes per token and the memory plan start-up would make (KV capacity, concurrency).
#include <boost/json.hpp>
#include <cstdio>

#include "commands.h"
#include "deployment.h"
#include "memory_planning.h"

namespace plexus::cli {
namespace {

std::string gb(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GB", bytes / 1e9);
  return buf;
}

}  // namespace

int command_plan(const std::vector<std::string>& argv) {
  Result<Args> args = parse_args(argv);
  if (!args.ok()) return fail(args.status().message(), 2);
  Result<Manifest> manifest = manifest_from_args(*args);
  if (!manifest.ok()) return fail(manifest.status().message());
  const Manifest& m = *manifest;
  PluginHost host;
  discover_plugins(m, *args, host);
  auto config = read_model_config(m);
  if (!config.ok()) return fail(config.status().message());
  auto quant = create_quant_scheme(m, *config, host);
  if (!quant.ok()) return fail(quant.status().message());
  ConfigView model_view = m.model_view();
  ModelContext context{&*config, &model_view};
  auto model = host.create_model(m.model.plugin, context);
  if (!model.ok()) return fail(model.status().message());
  const ModelSummary& s = (*model)->summary();
  const KvLayout kv = (*model)->kv_layout();

  std::printf("model        %s (%s)\n", m.model.path.c_str(), s.architecture.c_str());
  std::printf(
      "parameters   %lld total, %lld active per token; %lld layers, hidden %lld, "
      "vocab %lld\n",
      static_cast<long long>(s.total_parameters), static_cast<long long>(s.active_parameters),
      static_cast<long long>(s.num_layers), static_cast<long long>(s.hidden_size),
      static_cast<long long>(s.vocab_size));

  // Embeddings and the LM head stay dense in quantized checkpoints.
  const double dense_params = double(s.vocab_size * s.hidden_size) * 2;
  const double linear_params = double(s.total_parameters) - dense_params;
  std::printf("weights      f32 %s, bf16 %s", gb(double(s.total_parameters) * 4).c_str(),
              gb(double(s.total_parameters) * 2).c_str());
  for (const char* method : {"awq", "gptq"}) {
    auto provider = host.find_provider(PluginKind::kQuant, method);
    if (!provider.ok()) continue;
    boost::json::object qconfig{{"quant_method", method}, {"bits", 4}, {"group_size", 128}};
    ConfigView empty;
    auto scheme = host.create_quant((*provider)->name, QuantContext{&qconfig, &empty});
    if (!scheme.ok()) continue;
    std::printf(", %s 4-bit g128 %s", method,
                gb(linear_params * (*scheme)->bytes_per_weight() + dense_params * 2).c_str());
  }
  std::printf("\n");
  if (*quant) {
    std::printf("checkpoint   %s %d-bit, group %d: %s\n", (*quant)->summary().method.c_str(),
                (*quant)->summary().bits, (*quant)->summary().group_size,
                gb(linear_params * (*quant)->bytes_per_weight() + dense_params * 2).c_str());
  }
  const std::int64_t kv_bytes_per_token = kv.num_layers * kv.values_per_token * 4;
  std::printf("KV cache     %lld values per token per layer; %lld bytes per token (f32)\n",
              static_cast<long long>(kv.values_per_token),
              static_cast<long long>(kv_bytes_per_token));
  const int tp = m.devices.tensor_parallel;
  if (tp > 1) {
    std::printf("per rank     tensor_parallel %d: about %s of bf16 weights each\n", tp,
                gb(double(s.total_parameters) * 2 / tp).c_str());
  }
  // The same plan start-up makes, from estimates instead of loaded weights.
  const MemoryPlanInput in = memory_plan_input(m, **model, quant->get(), false);
  auto plan = plan_memory(in);
  if (plan.ok()) {
    std::printf("memory       %s\n", describe(in, *plan).c_str());
  } else {
    std::printf("memory       does not fit: %s\n", plan.status().message().c_str());
  }
  return 0;
}

}  // namespace plexus::cli
