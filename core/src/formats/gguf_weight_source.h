// gguf_weight_source.h — WeightSource over one GGUF file (see plexus/weight_source.h).
#pragma once

#include <memory>
#include <string>

#include "plexus/weight_source.h"

namespace plexus::formats {

Result<std::unique_ptr<WeightSource>> open_gguf_weight_source(const std::string& path);

}  // namespace plexus::formats
