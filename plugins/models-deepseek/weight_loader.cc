#include "weight_loader.h"

#include <vector>

namespace plexus::deepseek {

Result<std::unique_ptr<Linear>> WeightLoader::linear(const std::string& prefix, std::int64_t in,
                                                     std::int64_t out, ShardKind shard) const {
  // Modules a quantized checkpoint leaves dense go to the dense scheme; a dense scheme (method
  // "none", maybe keeping bf16) builds everything itself.
  const bool dense = quant_.summary().method == "none";
  const QuantScheme& scheme = dense || quant_.is_quantized(prefix) ? quant_ : dense_;
  if (world_ == 1) shard = ShardKind::kNone;
  return scheme.create_linear(LinearSpec{prefix, in, out, false, shard, rank_, world_}, weights_);
}

Result<OwnedTensor> WeightLoader::vector(const std::string& name, std::int64_t n) const {
  PLEXUS_ASSIGN_OR_RETURN(OwnedTensor t, weights_.load(name, DType::kF32));
  if (t.tensor.numel() != n) {
    return Status::invalid_argument(name + " is " + t.tensor.describe() + ", expected [" +
                                    std::to_string(n) + "]");
  }
  return t;
}

Result<OwnedTensor> WeightLoader::matrix(const std::string& name, std::int64_t rows,
                                         std::int64_t cols, DType dtype) const {
  PLEXUS_ASSIGN_OR_RETURN(OwnedTensor t, weights_.load(name, dtype));
  if (t.tensor.ndim() != 2 || t.tensor.dim(0) != rows || t.tensor.dim(1) != cols) {
    return Status::invalid_argument(name + " is " + t.tensor.describe() + ", expected [" +
                                    std::to_string(rows) + ", " + std::to_string(cols) + "]");
  }
  return t;
}

Result<std::vector<float>> transposed_weight(const Linear& linear) {
  const std::int64_t in = linear.in_features(), out = linear.out_features();
  std::vector<float> identity(std::size_t(in * in), 0.0f);
  for (std::int64_t i = 0; i < in; ++i) identity[std::size_t(i * in + i)] = 1.0f;
  std::vector<float> wt(static_cast<std::size_t>(in * out));
  PLEXUS_RETURN_IF_ERROR(linear.forward(identity.data(), in, wt.data()));
  return wt;
}

}  // namespace plexus::deepseek
