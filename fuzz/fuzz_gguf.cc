// libFuzzer target: GGUF parsing, typed metadata getters, config synthesis and dequantisation.
#include <cstddef>
#include <cstdint>
#include <span>

#include "gguf_config.h"
#include "gguf_reader.h"
#include "tensor_load.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace plexus::formats;
  auto bytes = std::span(reinterpret_cast<const std::byte*>(data), size);
  auto parsed = GgufFile::parse(bytes, "fuzz.gguf");
  if (!parsed.ok()) return 0;
  const GgufFile& g = **parsed;
  for (std::string_view key : g.keys()) {
    (void)g.string(key);
    (void)g.uint(key);
    (void)g.integer(key);
    (void)g.number(key);
    (void)g.boolean(key);
    (void)g.string_array(key);
    (void)g.float_array(key);
    (void)g.int_array(key);
  }
  (void)gguf_model_config(g, g.find_tensor("output.weight") != nullptr, 0);
  // Dequantise the first rows of each tensor the parser accepted (bounded work per input).
  for (const GgufTensorInfo& t : g.tensors()) {
    if (t.dims.empty() || t.numel == 0) continue;
    StoredTensor s;
    s.name = std::string(t.name);
    s.data = t.data;
    s.ggml = t.type;
    const std::int64_t row = t.dims[0];
    const std::int64_t rows = std::int64_t(t.numel / std::uint64_t(row));
    if (row > 4096) continue;
    s.shape = {std::min<std::int64_t>(rows, 4), row};
    (void)load_stored(s, plexus::DType::kF32, {});
  }
  return 0;
}
