// The SDK's load functions (plexus/tokenizer.h).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bpe_tokenizer.h"
#include "gguf_tokenizer.h"
#include "plexus/tokenizer.h"
#include "tokenizer_json.h"

#ifdef PLEXUS_TOKENIZER_GGUF
#include "formats/gguf_reader.h"
#endif

namespace plexus {
namespace {

namespace fs = std::filesystem;

// tokenizer.json files run to tens of MB; refuse anything absurd before reading it.
constexpr std::uintmax_t kMaxTokenizerJsonBytes = 512ull << 20;

Result<std::string> read_file(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return Status::not_found("cannot read tokenizer file " + path + ": " + ec.message());
  if (size > kMaxTokenizerJsonBytes) {
    return Status::invalid_argument(path + " is " + std::to_string(size >> 20) +
                                    " MiB; a tokenizer file over 512 MiB is not plausible");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error("cannot open " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in && !in.eof()) return Status::io_error("error reading " + path);
  return buffer.str();
}

Result<std::unique_ptr<Tokenizer>> build(tokenizer::TokenizerSpec spec, const std::string& name) {
  auto tok = tokenizer::BpeTokenizer::create(std::move(spec));
  if (!tok.ok()) return tok.status().with_context(name);
  return std::unique_ptr<Tokenizer>(std::move(tok).value());
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> load_tokenizer_json(const std::string& path) {
  PLEXUS_ASSIGN_OR_RETURN(std::string text, read_file(path));
  std::string config;
  const fs::path config_path = fs::path(path).parent_path() / "tokenizer_config.json";
  std::error_code ec;
  if (fs::is_regular_file(config_path, ec)) {
    auto c = read_file(config_path.string());
    if (c.ok()) config = std::move(c).value();
  }
  PLEXUS_ASSIGN_OR_RETURN(auto spec, tokenizer::parse_tokenizer_json(text, config, path));
  return build(std::move(spec), path);
}

Result<std::unique_ptr<Tokenizer>> load_tokenizer_gguf(const std::string& path) {
#ifdef PLEXUS_TOKENIZER_GGUF
  PLEXUS_ASSIGN_OR_RETURN(auto file, formats::GgufFile::open(path));
  tokenizer::GgufTokenizerMetadata meta;
  PLEXUS_ASSIGN_OR_RETURN(meta.model, file->string("tokenizer.ggml.model"));
  PLEXUS_ASSIGN_OR_RETURN(meta.tokens, file->string_array("tokenizer.ggml.tokens"));
  if (file->find("tokenizer.ggml.pre")) {
    PLEXUS_ASSIGN_OR_RETURN(meta.pre, file->string("tokenizer.ggml.pre"));
  }
  if (file->find("tokenizer.ggml.token_type")) {
    PLEXUS_ASSIGN_OR_RETURN(meta.token_types, file->int_array("tokenizer.ggml.token_type"));
  }
  if (file->find("tokenizer.ggml.merges")) {
    PLEXUS_ASSIGN_OR_RETURN(meta.merges, file->string_array("tokenizer.ggml.merges"));
  }
  if (file->find("tokenizer.ggml.scores")) {
    PLEXUS_ASSIGN_OR_RETURN(meta.scores, file->float_array("tokenizer.ggml.scores"));
  }
  const auto id = [&](const char* key, std::optional<int32_t>& out) -> Status {
    if (!file->find(key)) return Status();
    PLEXUS_ASSIGN_OR_RETURN(std::uint64_t v, file->uint(key));
    if (v > static_cast<std::uint64_t>(INT32_MAX)) {
      return Status::corruption(path + ": " + key + " is out of range");
    }
    out = static_cast<int32_t>(v);
    return Status();
  };
  const auto flag = [&](const char* key, std::optional<bool>& out) -> Status {
    if (!file->find(key)) return Status();
    PLEXUS_ASSIGN_OR_RETURN(bool v, file->boolean(key));
    out = v;
    return Status();
  };
  PLEXUS_RETURN_IF_ERROR(id("tokenizer.ggml.bos_token_id", meta.bos_id));
  PLEXUS_RETURN_IF_ERROR(id("tokenizer.ggml.eos_token_id", meta.eos_id));
  PLEXUS_RETURN_IF_ERROR(id("tokenizer.ggml.unknown_token_id", meta.unk_id));
  PLEXUS_RETURN_IF_ERROR(flag("tokenizer.ggml.add_bos_token", meta.add_bos));
  PLEXUS_RETURN_IF_ERROR(flag("tokenizer.ggml.add_eos_token", meta.add_eos));
  PLEXUS_RETURN_IF_ERROR(flag("tokenizer.ggml.add_space_prefix", meta.add_space_prefix));
  PLEXUS_ASSIGN_OR_RETURN(auto spec, tokenizer::spec_from_gguf_metadata(std::move(meta), path));
  return build(std::move(spec), path);
#else
  return Status::unsupported("cannot load the tokenizer of " + path +
                             ": plexus was built without the GGUF reader");
#endif
}

Result<std::unique_ptr<Tokenizer>> load_tokenizer_for_model(const std::string& path) {
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec)) {
    const fs::path json = p / "tokenizer.json";
    if (fs::is_regular_file(json, ec)) return load_tokenizer_json(json.string());
    return Status::not_found("no tokenizer.json in " + path +
                             "; give a tokenizer.json file, a .gguf file, or a model directory "
                             "holding tokenizer.json");
  }
  if (!fs::exists(p, ec))
    return Status::not_found("tokenizer or model " + path + " does not exist");
  if (p.extension() == ".gguf") return load_tokenizer_gguf(path);
  if (p.extension() == ".json") return load_tokenizer_json(path);
  return Status::invalid_argument(path +
                                  " is neither a .gguf file, a tokenizer.json nor a "
                                  "directory holding tokenizer.json");
}

}  // namespace plexus
