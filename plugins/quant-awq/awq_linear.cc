#include "awq_linear.h"

#include <string>
#include <utility>
#include <vector>

#include "packed_tensor.h"

namespace plexus::awq {
namespace {

using quant::Block;
using quant::Shape2;

std::string str(std::int64_t v) { return std::to_string(v); }

}  // namespace

Result<std::unique_ptr<AwqLinear>> AwqLinear::load(const AwqConfig& config, const LinearSpec& spec,
                                                   const WeightSource& weights,
                                                   quant::Activations activations) {
  const std::int64_t K = spec.in_features;
  const std::int64_t N = spec.out_features;
  const std::int64_t G = config.group_size > 0 ? config.group_size : K;
  const std::string needs = "4-bit AWQ with group_size " + str(config.group_size) +
                            " and in/out features " + str(K) + "/" + str(N);
  if (N % 8 != 0 || K % G != 0) {
    return Status::invalid_argument(spec.prefix + ": " + needs +
                                    " needs out features divisible by 8 and in features by the "
                                    "group size");
  }
  const std::int64_t groups = K / G;
  const int world = spec.shard == ShardKind::kNone ? 1 : spec.world;
  const bool col = spec.shard == ShardKind::kColumn && world > 1;
  const bool row = spec.shard == ShardKind::kRow && world > 1;

  std::int64_t n0 = 0, nl = N, k0 = 0, kl = K, g0 = 0, gl = groups, local_group = G;
  if (col) {
    nl = N / world;
    n0 = spec.rank * nl;
    if (N % world != 0 || nl % 8 != 0) {
      return Status::invalid_argument(
          spec.prefix + ": a column-parallel split of " + str(N) + " outputs into " + str(world) +
          " parts needs parts divisible by 8 (AWQ packs 8 columns per int32); use another "
          "tensor_parallel_size");
    }
  }
  if (row) {
    kl = K / world;
    k0 = spec.rank * kl;
    if (groups == 1) {
      if (K % world != 0) {
        return Status::invalid_argument(spec.prefix + ": " + str(K) + " inputs do not split into " +
                                        str(world) + " parts");
      }
      local_group = kl;
    } else {
      PLEXUS_ASSIGN_OR_RETURN(
          const quant::GroupRange range,
          quant::split_whole_groups(spec.prefix, K, world, spec.rank, G, groups));
      g0 = range.first;
      gl = range.count;
    }
  }

  std::unique_ptr<AwqLinear> l(new AwqLinear());
  PLEXUS_ASSIGN_OR_RETURN(l->qweight_,
                          quant::read_words(weights, spec.prefix + ".qweight", Shape2{K, N / 8},
                                            Block{k0, kl, n0 / 8, nl / 8}, needs));
  PLEXUS_ASSIGN_OR_RETURN(l->qzeros_,
                          quant::read_words(weights, spec.prefix + ".qzeros", Shape2{groups, N / 8},
                                            Block{g0, gl, n0 / 8, nl / 8}, needs));
  PLEXUS_ASSIGN_OR_RETURN(l->scales_,
                          quant::read_f16(weights, spec.prefix + ".scales", Shape2{groups, N},
                                          Block{g0, gl, n0, nl}, needs));
  if (spec.bias && (!row || spec.rank == 0)) {
    ShardSpec shard;
    if (col) shard = {0, spec.rank, world};
    PLEXUS_ASSIGN_OR_RETURN(OwnedTensor b, weights.load(spec.prefix + ".bias", DType::kF32, shard));
    if (b.tensor.numel() != nl) {
      return Status::invalid_argument(spec.prefix + ".bias is " + b.tensor.describe() + "; " +
                                      needs + " needs [" + str(nl) + "]");
    }
    const float* p = b.tensor.data_as<const float>();
    l->bias_.assign(p, p + nl);
  }
  l->matrix_.layout = kernels::QuantLayout::kAwqGemm;
  l->matrix_.bits = 4;
  l->matrix_.n = nl;
  l->matrix_.k = kl;
  l->matrix_.group_size = local_group;
  l->matrix_.codes = l->qweight_.data();
  l->matrix_.zeros = l->qzeros_.data();
  l->matrix_.scales = l->scales_.data();
  PLEXUS_RETURN_IF_ERROR(kernels::check_quant_matrix(l->matrix_));
  // The same codes in GPTQ's word order (8 rows per word) run the one-row kernel markedly
  // faster; still 4 bits a code, and bit-identical results. Shapes it cannot take stay as stored.
  if (kl % 8 == 0 && (local_group % 8 == 0 || local_group == kl)) {
    std::vector<std::uint32_t> codes(l->qweight_.size()), zeros(l->qzeros_.size());
    PLEXUS_RETURN_IF_ERROR(kernels::repack_awq_as_gptq(l->matrix_, codes.data(), zeros.data()));
    l->qweight_ = std::move(codes);
    l->qzeros_ = std::move(zeros);
    l->matrix_.layout = kernels::QuantLayout::kGptq;
    l->matrix_.codes = l->qweight_.data();
    l->matrix_.zeros = l->qzeros_.data();
  }
  l->kernel_ = quant::PackedKernel(activations, l->matrix_);
  return l;
}

Status AwqLinear::forward(const float* x, std::int64_t rows, float* y) const {
  return kernel_.run(x, matrix_, bias_.empty() ? nullptr : bias_.data(), y, rows);
}

std::size_t AwqLinear::resident_bytes() const {
  return qweight_.size() * 4 + qzeros_.size() * 4 + scales_.size() * 2 + bias_.size() * 4;
}

Status AwqLinear::dequantize_reference(float* out) const {
  return kernels::quant_dequantize_reference(matrix_, out);
}

}  // namespace plexus::awq
