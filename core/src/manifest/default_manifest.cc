// The built-in manifest, used when `plexus` is started without one. examples/manifests/
// smollm2-cpu.toml is the same deployment with every choice explained.
#include "manifest.h"

namespace plexus {

std::string_view default_manifest_text() {
  return R"toml(# plexus built-in manifest: SmolLM2-135M-Instruct on the CPU.
[model]
path = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
served_name = "smollm2"
dtype = "auto"
max_model_len = 4096

[quant]
scheme = "auto"

[devices]
backend = "cpu"
tensor_parallel = 1
cpu_kv_cache = "2GiB"
threads = 0

[scheduler]
max_num_seqs = 64
max_num_batched_tokens = 2048
prefix_caching = true
block_size = 16

[[frontend]]
plugin = "frontend-http"
host = "127.0.0.1"
port = 8000
api_key_env = "PLEXUS_API_KEY"

[plugins]
search_paths = []

[logging]
level = "info"
)toml";
}

}  // namespace plexus
