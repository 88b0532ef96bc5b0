// `plexus plan [MANIFEST] [--model PATH]`: what a deployment needs, from the model's config and
// the manifest alone (no weights are read): parameters, weight bytes per quantization scheme,
// KV-cache bytes per token and what the manifest's KV budget holds.
#include <boost/json.hpp>
#include <cstdio>

#include "commands.h"
#include "deployment.h"
#include "manifest/byte_size.h"

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
  const std::int64_t max_len =
      m.model.max_model_len > 0 ? m.model.max_model_len : s.max_position_embeddings;
  if (m.devices.backend == DeviceKind::kCpu && kv_bytes_per_token > 0) {
    const std::uint64_t budget = m.devices.cpu_kv_cache_bytes;
    const std::int64_t tokens = std::int64_t(budget / std::uint64_t(kv_bytes_per_token));
    std::printf(
        "KV budget    cpu_kv_cache %s holds %lld tokens: %.2f sequences of "
        "max_model_len %lld\n",
        format_byte_size(budget).c_str(), static_cast<long long>(tokens),
        double(tokens) / double(max_len), static_cast<long long>(max_len));
    if (tokens < max_len) {
      std::printf(
          "             max_model_len %lld does not fit: raise cpu_kv_cache to at least "
          "%s or lower max_model_len to %lld\n",
          static_cast<long long>(max_len),
          format_byte_size(std::uint64_t(max_len * kv_bytes_per_token)).c_str(),
          static_cast<long long>(tokens));
    }
  }
  return 0;
}

}  // namespace plexus::cli
