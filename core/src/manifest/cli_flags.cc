// translate_cli_flags — vLLM's familiar command-line flags as manifest overrides, so
// `plexus serve m.toml --tensor-parallel-size 4` and `--set devices.tensor_parallel=4` are one
// thing, validated by one code path.
#include <array>

#include "manifest.h"

namespace plexus {
namespace {

enum class FlagValue {
  kNumber,  // passed through as written: TOML reads 4 or 0.85, validation refuses the rest
  kString,  // quoted, so "8000" or "true" stays a string
  kDtype,   // vLLM's dtype spellings, quoted
  kSet,     // --set: the value is already key=value
  kTrue,    // a switch without a value
  kFalse,
};

struct FlagSpec {
  std::string_view flag;
  std::string_view key;
  FlagValue value;
};

constexpr std::array<FlagSpec, 16> kFlags = {{
    {"--tensor-parallel-size", "devices.tensor_parallel", FlagValue::kNumber},
    {"-tp", "devices.tensor_parallel", FlagValue::kNumber},
    {"--gpu-memory-utilization", "devices.gpu_memory_utilization", FlagValue::kNumber},
    {"--max-model-len", "model.max_model_len", FlagValue::kNumber},
    {"--quantization", "quant.scheme", FlagValue::kString},
    {"--port", "frontend.port", FlagValue::kNumber},
    {"--host", "frontend.host", FlagValue::kString},
    {"--api-key", "frontend.api_key", FlagValue::kString},
    {"--served-model-name", "model.served_name", FlagValue::kString},
    {"--dtype", "model.dtype", FlagValue::kDtype},
    {"--max-num-seqs", "scheduler.max_num_seqs", FlagValue::kNumber},
    {"--max-num-batched-tokens", "scheduler.max_num_batched_tokens", FlagValue::kNumber},
    {"--block-size", "scheduler.block_size", FlagValue::kNumber},
    {"--enable-prefix-caching", "scheduler.prefix_caching", FlagValue::kTrue},
    {"--no-enable-prefix-caching", "scheduler.prefix_caching", FlagValue::kFalse},
    {"--set", "", FlagValue::kSet},
}};

// vLLM's --dtype names; anything else is passed on for validation to refuse with the list.
std::string_view manifest_dtype(std::string_view vllm) {
  if (vllm == "half" || vllm == "float16") return "f16";
  if (vllm == "bfloat16") return "bf16";
  if (vllm == "float" || vllm == "float32") return "f32";
  return vllm;
}

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

Result<std::vector<std::string>> translate_cli_flags(std::vector<std::string>& args) {
  std::vector<std::string> overrides;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {  // everything after "--" belongs to the caller untouched
      rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    const std::size_t eq = arg.find('=');
    const std::string_view name =
        eq == std::string::npos ? std::string_view(arg) : std::string_view(arg).substr(0, eq);
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& f : kFlags) {
      if (f.flag == name) spec = &f;
    }
    if (spec == nullptr) {
      rest.push_back(arg);
      continue;
    }
    if (spec->value == FlagValue::kTrue || spec->value == FlagValue::kFalse) {
      if (eq != std::string::npos) {
        return Status::invalid_argument(std::string(spec->flag) + " takes no value");
      }
      overrides.push_back(std::string(spec->key) +
                          (spec->value == FlagValue::kTrue ? "=true" : "=false"));
      continue;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
      value = args[++i];
    } else {
      const std::string example = spec->value == FlagValue::kSet ? "section.key=value" : "VALUE";
      return Status::invalid_argument(std::string(spec->flag) +
                                      " needs a value: " + std::string(spec->flag) + " " + example);
    }
    switch (spec->value) {
      case FlagValue::kSet:
        overrides.push_back(std::move(value));
        break;
      case FlagValue::kNumber:
        overrides.push_back(std::string(spec->key) + "=" + value);
        break;
      case FlagValue::kDtype:
        overrides.push_back(std::string(spec->key) + "=" + toml_string(manifest_dtype(value)));
        break;
      default:
        overrides.push_back(std::string(spec->key) + "=" + toml_string(value));
        break;
    }
  }
  args = std::move(rest);
  return overrides;
}

}  // namespace plexus
