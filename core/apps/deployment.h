// Deployment — what one manifest brings up: its plugins, the model's description, the quant
// scheme and the front ends. Shared by `serve`, `run` and `validate`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "cli_args.h"
#include "engine/engine.h"
#include "manifest/manifest.h"
#include "memory/memory_plan.h"
#include "memory/process_memory.h"
#include "model_text.h"
#include "plexus/communicator.h"
#include "plexus/weight_source.h"
#include "plugins/plugin_host.h"

namespace plexus::cli {

// The manifest named by args.positional[0], or the built-in default when there is none; with
// --model the default's [model] path is replaced. Overrides apply in both cases.
Result<Manifest> manifest_from_args(const Args& args);

// Discovers plugins: --plugin-path directories, the manifest's search paths, then the defaults.
void discover_plugins(const Manifest& manifest, const Args& args, PluginHost& host);

struct Deployment {
  // Front ends stop first; then the engine ends, delivering its last events to front ends that
  // still exist (stopped, so they only record them); then the front ends go.
  ~Deployment();

  Manifest manifest;
  std::unique_ptr<PluginHost> host;
  std::unique_ptr<WeightSource> weights;  // outlives the model built from it
  boost::json::object hf_config;
  std::shared_ptr<Model> model;  // rank 0
  // With weights and tensor_parallel N > 1 on the CPU: ranks 1..N-1 and the in-process group
  // joining all N (rank r uses communicators[r]); each rank runs on its own thread.
  std::vector<std::unique_ptr<Communicator>> communicators;
  std::vector<std::shared_ptr<Model>> other_ranks;
  std::shared_ptr<QuantScheme> quant;  // null for dense weights
  // With weights: the process's memory just before the model loads them and just after (every
  // rank built, the checkpoint's mapped pages released): after.rss - before.rss is what holding
  // the weights costs.
  ProcessMemory before_weights, after_weights;
  // With an engine: the tokenizer and chat template, the memory plan, the model the engine
  // drives (rank 0, or all ranks joined) and the engine itself.
  std::unique_ptr<ModelText> text;
  MemoryPlanInput plan_input;
  MemoryPlan plan;
  std::shared_ptr<Model> engine_model;
  std::unique_ptr<engine::Engine> engine;
  // Last, so they are destroyed first: front ends use the engine.
  std::vector<std::shared_ptr<Frontend>> frontends;
};

// Reads the model's config (config.json of a HF folder, or GGUF metadata), creates the model
// and quant scheme through their plugins, and creates (does not start) the front ends.
// `frontend_override` replaces the manifest's front ends with one plugin; an empty
// `frontend_override` with `no_frontends` creates none. With `with_weights` the model loads
// its weights and can run forward passes. With `with_engine` (which implies weights) the
// memory plan is made — failing here, before any front end exists, when max_model_len cannot
// fit — and the engine thread starts; front ends receive it in their context.
struct LoadOptions {
  std::string frontend_override;
  bool no_frontends = false;
  bool with_weights = false;
  bool with_engine = false;
};
Result<std::unique_ptr<Deployment>> load_deployment(Manifest manifest, const Args& args,
                                                    const LoadOptions& options);

// For the offline commands (run, bench): the manifest from `args`, logging at warn unless
// PLEXUS_LOG says otherwise, and the deployment with its engine but no front ends.
Result<std::unique_ptr<Deployment>> load_offline_engine(const Args& args);

// The model's Hugging Face config without loading weights: config.json of a folder, or the
// metadata of a GGUF file.
Result<boost::json::object> read_model_config(const Manifest& manifest);

// The quant scheme the checkpoint and the manifest agree on, built by its plugin; null for
// dense checkpoints.
Result<std::shared_ptr<QuantScheme>> create_quant_scheme(const Manifest& manifest,
                                                         const boost::json::object& hf_config,
                                                         PluginHost& host);

// Multi-line human summary of the model and quant scheme, for the start-up log.
std::string describe(const Deployment& d);

}  // namespace plexus::cli
