// libFuzzer target: safetensors header parsing and dtype conversion of the tensors it accepts.
#include <cstddef>
#include <cstdint>
#include <span>

#include "safetensors_reader.h"
#include "tensor_load.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace plexus::formats;
  auto bytes = std::span(reinterpret_cast<const std::byte*>(data), size);
  auto parsed = SafetensorsFile::parse(bytes, "fuzz.safetensors");
  if (!parsed.ok()) return 0;
  for (const SafetensorsTensor& t : (*parsed)->tensors()) {
    if (t.nbytes > (1u << 20)) continue;
    StoredTensor s;
    s.name = t.name;
    s.data = t.data;
    s.shape = t.shape;
    s.dense = t.dtype;
    (void)load_stored(s, plexus::DType::kF32, {});
    if (!t.shape.empty() && t.shape[0] % 2 == 0)
      (void)load_stored(s, plexus::DType::kBF16, {0, 1, 2});
  }
  return 0;
}
