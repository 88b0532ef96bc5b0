// open_weight_source: picks the reader for a path.
#include <filesystem>
#include <fstream>

#include "gguf_weight_source.h"
#include "hf_weight_source.h"
#include "plexus/weight_source.h"

namespace plexus {

Result<std::unique_ptr<WeightSource>> open_weight_source(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    return Status::not_found("model path " + path + " does not exist");
  }
  if (fs::is_directory(st)) return formats::open_hf_weight_source(path);
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(magic, 4);
  if (in.gcount() == 4 && std::string_view(magic, 4) == "GGUF") {
    return formats::open_gguf_weight_source(path);
  }
  if (path.size() >= 12 && path.substr(path.size() - 12) == ".safetensors") {
    return Status::invalid_argument(path +
                                    " is a single safetensors file: give the model "
                                    "directory that holds it and its config.json");
  }
  return Status::invalid_argument(path +
                                  " is neither a GGUF file nor a Hugging Face model "
                                  "directory (config.json + *.safetensors)");
}

}  // namespace plexus
