// hf_weight_source.h — WeightSource over a Hugging Face model directory (see
// plexus/weight_source.h): config.json plus model.safetensors or model.safetensors.index.json
// with its shards.
#pragma once

#include <memory>
#include <string>

#include "plexus/weight_source.h"

namespace plexus::formats {

Result<std::unique_ptr<WeightSource>> open_hf_weight_source(const std::string& dir);

}  // namespace plexus::formats
