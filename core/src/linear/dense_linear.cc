// The built-in "none" quantization scheme: dense weights kept as f32, bf16 or f16, multiplied
// by the batch-invariant CPU GEMM on the default thread pool.
#include <memory>

#include "kernels/cpu/gemm.h"
#include "plexus/quant.h"
#include "plexus/weight_source.h"

namespace plexus {
namespace {

class DenseLinear final : public Linear {
 public:
  DenseLinear(OwnedTensor weight, std::optional<OwnedTensor> bias, DType dtype)
      : weight_(std::move(weight)), bias_(std::move(bias)), dtype_(dtype) {}

  Status forward(const float* x, std::int64_t rows, float* y) const override {
    // Batch-invariant by contract: each output's K-reduction order is fixed (kernels/cpu/gemm.h).
    return kernels::gemm(x, weight_.tensor.data(), dtype_,
                         bias_ ? bias_->tensor.data_as<const float>() : nullptr, y, rows,
                         out_features(), in_features());
  }
  std::int64_t in_features() const override { return weight_.tensor.dim(1); }
  std::int64_t out_features() const override { return weight_.tensor.dim(0); }
  std::size_t resident_bytes() const override {
    return weight_.tensor.nbytes() + (bias_ ? bias_->tensor.nbytes() : 0);
  }

 private:
  OwnedTensor weight_;
  std::optional<OwnedTensor> bias_;
  DType dtype_;
};

class DenseScheme final : public QuantScheme {
 public:
  explicit DenseScheme(DType storage) : storage_(storage) {
    summary_.method = "none";
    summary_.bits = int(dtype_size(storage)) * 8;
    summary_.group_size = -1;
    summary_.detail = std::string("dense ") + std::string(dtype_name(storage));
  }
  const QuantSummary& summary() const override { return summary_; }
  double bytes_per_weight() const override { return double(dtype_size(storage_)); }
  bool is_quantized(std::string_view) const override { return false; }

  Result<std::unique_ptr<Linear>> create_linear(const LinearSpec& spec,
                                                const WeightSource& weights) const override {
    ShardSpec shard;
    if (spec.shard != ShardKind::kNone) {
      shard = {spec.shard == ShardKind::kColumn ? 0 : 1, spec.rank, spec.world};
    }
    const std::string weight_name = spec.prefix + ".weight";
    PLEXUS_ASSIGN_OR_RETURN(OwnedTensor w, weights.load(weight_name, storage_, shard));
    const std::int64_t want_out =
        spec.shard == ShardKind::kColumn ? spec.out_features / spec.world : spec.out_features;
    const std::int64_t want_in =
        spec.shard == ShardKind::kRow ? spec.in_features / spec.world : spec.in_features;
    if (w.tensor.ndim() != 2 || w.tensor.dim(0) != want_out || w.tensor.dim(1) != want_in) {
      return Status::invalid_argument(weight_name + " is " + w.tensor.describe() +
                                      ", the model's config needs [" + std::to_string(want_out) +
                                      ", " + std::to_string(want_in) + "]");
    }
    std::optional<OwnedTensor> bias;
    // A row-parallel layer adds its bias once, on rank 0, after the partial sums.
    if (spec.bias && (spec.shard != ShardKind::kRow || spec.rank == 0)) {
      ShardSpec bias_shard;
      if (spec.shard == ShardKind::kColumn) bias_shard = {0, spec.rank, spec.world};
      PLEXUS_ASSIGN_OR_RETURN(OwnedTensor b,
                              weights.load(spec.prefix + ".bias", DType::kF32, bias_shard));
      if (b.tensor.numel() != want_out) {
        return Status::invalid_argument(spec.prefix + ".bias is " + b.tensor.describe() +
                                        ", the model's config needs [" + std::to_string(want_out) +
                                        "]");
      }
      bias = std::move(b);
    }
    return std::unique_ptr<Linear>(new DenseLinear(std::move(w), std::move(bias), storage_));
  }

 private:
  DType storage_;
  QuantSummary summary_;
};

}  // namespace

const QuantScheme& dense_quant_scheme(DType storage) {
  static const DenseScheme f32(DType::kF32), bf16(DType::kBF16), f16(DType::kF16);
  if (storage == DType::kBF16) return bf16;
  if (storage == DType::kF16) return f16;
  return f32;
}

}  // namespace plexus
