#include "deployment.h"

#include <malloc.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/tensor_parallel_model.h"
#include "kernels/cpu/thread_pool.h"
#include "memory_planning.h"
#include "plexus/logging.h"
#include "plexus/weight_source.h"

namespace plexus::cli {

namespace fs = std::filesystem;

namespace {
Status start_engine(Deployment& d);
}  // namespace

Result<Manifest> manifest_from_args(const Args& args) {
  if (args.positional.size() > 1) {
    return Status::invalid_argument("expected at most one manifest, got '" + args.positional[1] +
                                    "' too");
  }
  std::vector<std::string> overrides = args.overrides;
  if (!args.model.empty()) {
    // --model without a manifest: the default deployment with that model. Inserted first so an
    // explicit --set model.path still wins.
    boost::json::string quoted(args.model);
    overrides.insert(overrides.begin(), "model.path=" + boost::json::serialize(quoted));
    overrides.insert(
        overrides.begin() + 1,
        "model.served_name=" + boost::json::serialize(boost::json::string(
                                   fs::path(args.model).filename().replace_extension().string())));
  }
  if (args.positional.empty()) {
    return parse_manifest(default_manifest_text(), "<default manifest>", overrides);
  }
  return load_manifest_file(args.positional[0], overrides);
}

void discover_plugins(const Manifest& manifest, const Args& args, PluginHost& host) {
  std::vector<std::string> dirs = args.plugin_paths;
  dirs.insert(dirs.end(), manifest.plugins.resolved_search_paths.begin(),
              manifest.plugins.resolved_search_paths.end());
  host.discover(PluginHost::default_search_path(dirs));
}

namespace {

Result<boost::json::object> read_json_object(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::not_found("cannot open " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text.str(), ec);
  if (ec) return Status::corruption(file.string() + " is not valid JSON: " + ec.message());
  if (!v.is_object()) return Status::corruption(file.string() + " is not a JSON object");
  return std::move(v.as_object());
}

// The checkpoint's quantization config: config.json's quantization_config, else a legacy file
// beside it (AutoAWQ's quant_config.json, AutoGPTQ's quantize_config.json). Empty if none.
Result<boost::json::object> find_quantization_config(const Manifest& m,
                                                     const boost::json::object& hf_config) {
  if (const auto* q = hf_config.if_contains("quantization_config"); q && q->is_object()) {
    return q->as_object();
  }
  const fs::path dir = m.model.resolved_path;
  for (const char* legacy : {"quant_config.json", "quantize_config.json"}) {
    std::error_code ec;
    if (fs::is_regular_file(dir / legacy, ec)) {
      PLEXUS_ASSIGN_OR_RETURN(boost::json::object o, read_json_object(dir / legacy));
      if (!o.contains("quant_method")) {
        o["quant_method"] = std::string(legacy) == "quant_config.json" ? "awq" : "gptq";
      }
      return o;
    }
  }
  return boost::json::object();
}

}  // namespace

Result<std::shared_ptr<QuantScheme>> create_quant_scheme(const Manifest& m,
                                                         const boost::json::object& hf_config,
                                                         PluginHost& host) {
  PLEXUS_ASSIGN_OR_RETURN(boost::json::object qconfig, find_quantization_config(m, hf_config));
  std::string method;
  if (const auto* qm = qconfig.if_contains("quant_method"); qm && qm->is_string()) {
    method = std::string(qm->get_string());
  }
  const std::string wanted(quant_method_name(m.quant.scheme));
  const std::string where = m.where("quant.scheme");
  if (method.empty() && m.quant.activations != "f32") {
    return Status::invalid_argument(
        m.where("quant.activations") + ": [quant] activations = \"" + m.quant.activations +
        "\" applies to AWQ/GPTQ checkpoints, and this one has no quantization_config: remove it "
        "(dense layers follow [model] dtype)");
  }
  if (wanted == "none") {
    if (!method.empty()) {
      return Status::invalid_argument(
          where + ": [quant] scheme is \"none\" but the checkpoint is " + method +
          "-quantized: use scheme = \"auto\" or \"" + method + "\"");
    }
    return std::shared_ptr<QuantScheme>();
  }
  if (method.empty()) {
    if (wanted == "auto") return std::shared_ptr<QuantScheme>();
    return Status::invalid_argument(where + ": [quant] scheme is \"" + wanted +
                                    "\" but the checkpoint has no quantization_config: use "
                                    "scheme = \"auto\" or a " +
                                    wanted + " checkpoint");
  }
  if (wanted != "auto" && wanted != method) {
    return Status::invalid_argument(where + ": [quant] scheme is \"" + wanted +
                                    "\" but the checkpoint is " + method + "-quantized");
  }
  std::string plugin = m.quant.plugin;
  if (plugin.empty()) {
    PLEXUS_ASSIGN_OR_RETURN(const PluginRecord* r, host.find_provider(PluginKind::kQuant, method));
    plugin = r->name;
  }
  ConfigView view = m.quant_view();
  QuantContext context{&qconfig, &view};
  return host.create_quant(plugin, context);
}

Result<boost::json::object> read_model_config(const Manifest& m) {
  std::error_code ec;
  const fs::path path = m.model.resolved_path;
  if (!fs::exists(path, ec)) {
    return Status::not_found(m.where("model.path") + ": [model] path '" + m.model.path +
                             "' does not exist (for the default model run scripts/fetch-model)");
  }
  if (fs::is_directory(path, ec)) return read_json_object(path / "config.json");
  PLEXUS_ASSIGN_OR_RETURN(auto weights, open_weight_source(path.string()));
  return weights->config();
}

namespace {

// The memory plan, then the engine over rank 0 (or all ranks joined).
Status start_engine(Deployment& d) {
  const Manifest& m = d.manifest;
  PLEXUS_ASSIGN_OR_RETURN(d.text, load_model_text(d));
  d.plan_input = memory_plan_input(m, *d.model, d.quant.get(), true);
  PLEXUS_ASSIGN_OR_RETURN(d.plan, plan_memory(d.plan_input));
  logger().info("memory plan: {}", describe(d.plan_input, d.plan));
  d.engine_model = d.other_ranks.empty()
                       ? d.model
                       : std::make_shared<engine::TensorParallelModel>(d.model, d.other_ranks);
  engine::BatchEngineConfig config;
  config.scheduler.max_num_seqs = m.scheduler.max_num_seqs;
  config.scheduler.max_num_batched_tokens = m.scheduler.max_num_batched_tokens;
  config.scheduler.max_model_len = d.plan_input.max_model_len;
  config.num_blocks = d.plan.num_blocks;
  config.block_size = m.scheduler.block_size;
  config.prefix_caching = m.scheduler.prefix_caching;
  config.eos_token_ids = d.text->stop_ids;
  config.tokenizer = d.text->tokenizer.get();
  PLEXUS_ASSIGN_OR_RETURN(d.engine, engine::Engine::start(*d.engine_model, std::move(config)));
  return Status();
}

}  // namespace

Result<std::unique_ptr<Deployment>> load_deployment(Manifest manifest, const Args& args,
                                                    const LoadOptions& options) {
  auto d = std::make_unique<Deployment>();
  d->manifest = std::move(manifest);
  d->host = std::make_unique<PluginHost>();
  discover_plugins(d->manifest, args, *d->host);
  const Manifest& m = d->manifest;

  std::error_code ec;
  if (!fs::exists(m.model.resolved_path, ec)) {
    return Status::not_found(m.where("model.path") + ": [model] path '" + m.model.path +
                             "' does not exist (for the default model run scripts/fetch-model)");
  }
  PLEXUS_ASSIGN_OR_RETURN(d->weights, open_weight_source(m.model.resolved_path));
  d->hf_config = d->weights->config();

  PLEXUS_ASSIGN_OR_RETURN(d->quant, create_quant_scheme(m, d->hf_config, *d->host));
  ConfigView model_view = m.model_view();
  ModelContext model_context{&d->hf_config, &model_view, Device::cpu(), 0,
                             m.devices.tensor_parallel};
  const bool with_weights = options.with_weights || options.with_engine;
  if (with_weights && m.devices.threads > 0) kernels::set_num_threads(m.devices.threads);
  if (with_weights) {
    // Dense checkpoints, and the modules a quantized one leaves dense, go through the built-in
    // scheme, kept in the manifest's dtype (f32 on CPU by default).
    model_context.weights = d->weights.get();
    model_context.dense_dtype = m.model.dtype.value_or(DType::kF32);
    model_context.dense = &dense_quant_scheme(model_context.dense_dtype);
    model_context.quant = d->quant ? d->quant.get() : model_context.dense;
  }
  const int tp = m.devices.tensor_parallel;
  if (with_weights && tp > 1) {
    d->communicators = make_in_process_group(tp);
    model_context.communicator = d->communicators[0].get();
  }
  if (with_weights) d->before_weights = read_process_memory();
  PLEXUS_ASSIGN_OR_RETURN(d->model, d->host->create_model(m.model.plugin, model_context));
  for (int rank = 1; with_weights && rank < tp; ++rank) {
    model_context.tensor_parallel_rank = rank;
    model_context.communicator = d->communicators[rank].get();
    PLEXUS_ASSIGN_OR_RETURN(auto shard, d->host->create_model(m.model.plugin, model_context));
    d->other_ranks.push_back(std::move(shard));
  }
  // Every rank has copied its weights out: the mapped checkpoint's pages need not stay resident
  // too (they are read back on demand, e.g. GGUF tokenizer metadata).
  if (with_weights) {
    d->weights->release_pages();
#if defined(__GLIBC__)
    malloc_trim(0);  // buffers the load freed (e.g. AWQ's repacking) go back to the system
#endif
    d->after_weights = read_process_memory();
    logger().info("weights loaded: resident memory {} -> {} (+{}; peak {})",
                  human_bytes(d->before_weights.rss), human_bytes(d->after_weights.rss),
                  human_bytes(d->after_weights.rss - d->before_weights.rss),
                  human_bytes(d->after_weights.peak_rss));
  }

  if (options.with_engine) PLEXUS_RETURN_IF_ERROR(start_engine(*d));

  FrontendContext fc;
  fc.served_models = {m.model.served_name};
  fc.plexus_version = PLEXUS_VERSION;
  if (d->engine) {
    fc.engine = d->engine.get();
    fc.tokenizer = d->text->tokenizer.get();
    fc.render_chat = [text = d->text.get()](const boost::json::array& messages,
                                            const boost::json::object& extra) {
      return text->render(messages, extra);
    };
  }
  if (options.no_frontends) return d;
  if (!options.frontend_override.empty()) {
    const std::string& name = options.frontend_override;
    ConfigView view("[[frontend]] (" + name + ")", {{"plugin", ConfigEntry{name, "command line"}}});
    fc.config = &view;
    PLEXUS_ASSIGN_OR_RETURN(auto f, d->host->create_frontend(name, fc));
    d->frontends.push_back(std::move(f));
    return d;
  }
  for (const FrontendSection& section : m.frontends) {
    fc.config = &section.settings;
    PLEXUS_ASSIGN_OR_RETURN(auto f, d->host->create_frontend(section.plugin, fc));
    d->frontends.push_back(std::move(f));
  }
  return d;
}

Result<std::unique_ptr<Deployment>> load_offline_engine(const Args& args) {
  PLEXUS_ASSIGN_OR_RETURN(Manifest manifest, manifest_from_args(args));
  if (std::getenv("PLEXUS_LOG") == nullptr) (void)set_log_level("warn");
  LoadOptions options;
  options.no_frontends = true;
  options.with_engine = true;
  return load_deployment(std::move(manifest), args, options);
}

Deployment::~Deployment() {
  for (auto& f : frontends) f->stop();
  engine.reset();
  frontends.clear();
}

std::string describe(const Deployment& d) {
  const ModelSummary& s = d.model->summary();
  std::ostringstream out;
  out << "model " << d.manifest.model.served_name << ": " << s.architecture << ", " << s.num_layers
      << " layers, hidden " << s.hidden_size << ", vocab " << s.vocab_size << ", "
      << double(s.total_parameters) / 1e6 << "M parameters";
  if (s.active_parameters != s.total_parameters) {
    out << " (" << double(s.active_parameters) / 1e6 << "M active per token)";
  }
  if (d.quant) {
    const QuantSummary& q = d.quant->summary();
    out << "; weights " << q.method << " " << q.bits << "-bit, group " << q.group_size << " ("
        << q.detail << ")";
  }
  return out.str();
}

}  // namespace plexus::cli
