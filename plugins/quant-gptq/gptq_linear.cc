#include "gptq_linear.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "packed_tensor.h"

namespace plexus::gptq {
namespace {

using quant::Block;
using quant::Shape2;

std::string str(std::int64_t v) { return std::to_string(v); }

// Repacks GPTQ codes [K/per, N] so that row i holds checkpoint row perm[i].
std::vector<std::uint32_t> permute_rows(const std::vector<std::uint32_t>& codes, int bits,
                                        std::int64_t k, std::int64_t n,
                                        const std::vector<std::int32_t>& perm) {
  const int per = 32 / bits;
  const std::uint32_t mask = (1u << bits) - 1;
  std::vector<std::uint32_t> out(codes.size(), 0);
  for (std::int64_t i = 0; i < k; ++i) {
    const std::int64_t src = perm[std::size_t(i)];
    const int src_shift = bits * int(src % per);
    const int dst_shift = bits * int(i % per);
    const std::uint32_t* from = codes.data() + (src / per) * n;
    std::uint32_t* to = out.data() + (i / per) * n;
    for (std::int64_t c = 0; c < n; ++c) to[c] |= ((from[c] >> src_shift) & mask) << dst_shift;
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<GptqLinear>> GptqLinear::load(const GptqConfig& config,
                                                     const LinearSpec& spec,
                                                     const WeightSource& weights,
                                                     quant::Activations activations) {
  const int bits = config.bits;
  if (bits != 2 && bits != 4 && bits != 8) {
    return Status::unsupported(spec.prefix + ": " + str(bits) +
                               "-bit GPTQ has no CPU kernel yet (2, 4 and 8 bits do)");
  }
  const int per = 32 / bits;
  const std::int64_t K = spec.in_features;
  const std::int64_t N = spec.out_features;
  const std::int64_t G = config.group_size > 0 ? config.group_size : K;
  const std::int64_t groups = (K + G - 1) / G;
  const std::string needs = str(bits) + "-bit GPTQ with group_size " + str(config.group_size) +
                            " and in/out features " + str(K) + "/" + str(N);
  if (K % per != 0 || N % per != 0) {
    return Status::invalid_argument(spec.prefix + ": " + needs + " needs in and out features " +
                                    "divisible by " + str(per) + " (codes per int32)");
  }
  if (G % per != 0 && G != K) {
    return Status::invalid_argument(spec.prefix + ": group_size " + str(G) +
                                    " is not a multiple of " + str(per) +
                                    " (codes per int32); this kernel needs whole words per group");
  }
  const int world = spec.shard == ShardKind::kNone ? 1 : spec.world;
  const bool col = spec.shard == ShardKind::kColumn && world > 1;
  const bool row = spec.shard == ShardKind::kRow && world > 1;

  // g_idx first: act-order decides whether a row split is possible at all.
  std::vector<std::int32_t> g_idx;
  if (weights.has(spec.prefix + ".g_idx")) {
    PLEXUS_ASSIGN_OR_RETURN(g_idx, quant::read_index(weights, spec.prefix + ".g_idx", K, needs));
  }
  bool sequential = true;
  for (std::int64_t k = 0; k < std::int64_t(g_idx.size()); ++k) {
    if (g_idx[std::size_t(k)] < 0 || g_idx[std::size_t(k)] >= groups) {
      return Status::invalid_argument(spec.prefix + ".g_idx[" + str(k) + "] is " +
                                      str(g_idx[std::size_t(k)]) + ", outside the " + str(groups) +
                                      " groups of " + needs);
    }
    sequential = sequential && g_idx[std::size_t(k)] == k / G;
  }

  std::int64_t n0 = 0, nl = N, k0 = 0, kl = K;
  if (col) {
    nl = N / world;
    n0 = spec.rank * nl;
    if (N % world != 0 || nl % per != 0) {
      return Status::invalid_argument(
          spec.prefix + ": a column-parallel split of " + str(N) + " outputs into " + str(world) +
          " parts needs parts divisible by " + str(per) + " (" + str(bits) +
          "-bit GPTQ packs that many zeros per int32); use another tensor_parallel_size");
    }
  }
  std::int64_t g0 = 0, gl = groups, local_group = G;
  if (row) {
    kl = K / world;
    k0 = spec.rank * kl;
    if (!sequential) {
      return Status::unsupported(
          spec.prefix +
          ": a row-parallel split of an act-order (desc_act) GPTQ layer is not "
          "supported: its groups are spread over all input rows. Use "
          "tensor_parallel_size 1 or a checkpoint quantized with desc_act=false");
    }
    if (groups == 1) {
      if (K % world != 0 || kl % per != 0) {
        return Status::invalid_argument(spec.prefix + ": a row-parallel split of " + str(K) +
                                        " inputs into " + str(world) +
                                        " parts needs parts divisible by " + str(per));
      }
      local_group = kl;  // every rank keeps the one group's scales and zeros
    } else {
      PLEXUS_ASSIGN_OR_RETURN(
          const quant::GroupRange range,
          quant::split_whole_groups(spec.prefix, K, world, spec.rank, G, groups));
      g0 = range.first;
      gl = range.count;
    }
  }

  std::unique_ptr<GptqLinear> l(new GptqLinear());
  PLEXUS_ASSIGN_OR_RETURN(l->qweight_,
                          quant::read_words(weights, spec.prefix + ".qweight", Shape2{K / per, N},
                                            Block{k0 / per, kl / per, n0, nl}, needs));
  PLEXUS_ASSIGN_OR_RETURN(
      l->qzeros_, quant::read_words(weights, spec.prefix + ".qzeros", Shape2{groups, N / per},
                                    Block{g0, gl, n0 / per, nl / per}, needs));
  PLEXUS_ASSIGN_OR_RETURN(l->scales_,
                          quant::read_f16(weights, spec.prefix + ".scales", Shape2{groups, N},
                                          Block{g0, gl, n0, nl}, needs));
  if (config.format == CheckpointFormat::kGptqV1) {
    // v1 stores zero - 1 in every field; GPTQModel adds 1 to each field as one word add.
    const std::uint32_t ones = bits == 2 ? 0x55555555u : bits == 4 ? 0x11111111u : 0x01010101u;
    for (std::uint32_t& w : l->qzeros_) w += ones;
  }
  if (!sequential) {
    std::vector<std::int32_t> perm(static_cast<std::size_t>(K));
    std::iota(perm.begin(), perm.end(), 0);
    std::stable_sort(perm.begin(), perm.end(), [&](std::int32_t a, std::int32_t b) {
      return g_idx[std::size_t(a)] < g_idx[std::size_t(b)];
    });
    for (std::int64_t i = 0; i < K; ++i) {
      if (g_idx[std::size_t(perm[std::size_t(i)])] != i / G) {
        return Status::unsupported(spec.prefix + ".g_idx does not split the " + str(K) +
                                   " rows into groups of " + str(G) +
                                   "; only such act-order layouts are supported");
      }
    }
    l->qweight_ = permute_rows(l->qweight_, bits, K, nl, perm);
    l->perm_ = std::move(perm);
  }
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
  l->matrix_.layout = kernels::QuantLayout::kGptq;
  l->matrix_.bits = bits;
  l->matrix_.n = nl;
  l->matrix_.k = kl;
  l->matrix_.group_size = local_group;
  l->matrix_.codes = l->qweight_.data();
  l->matrix_.zeros = l->qzeros_.data();
  l->matrix_.scales = l->scales_.data();
  PLEXUS_RETURN_IF_ERROR(kernels::check_quant_matrix(l->matrix_));
  l->kernel_ = quant::PackedKernel(activations, l->matrix_);
  return l;
}

Status GptqLinear::forward(const float* x, std::int64_t rows, float* y) const {
  const float* bias = bias_.empty() ? nullptr : bias_.data();
  if (perm_.empty()) return kernel_.run(x, matrix_, bias, y, rows);
  const std::int64_t K = matrix_.k;
  std::vector<float> permuted(std::size_t(rows * K));
  for (std::int64_t m = 0; m < rows; ++m) {
    for (std::int64_t i = 0; i < K; ++i) permuted[m * K + i] = x[m * K + perm_[std::size_t(i)]];
  }
  return kernel_.run(permuted.data(), matrix_, bias, y, rows);
}

std::size_t GptqLinear::resident_bytes() const {
  return qweight_.size() * 4 + qzeros_.size() * 4 + scales_.size() * 2 + bias_.size() * 4 +
         perm_.size() * 4;
}

Status GptqLinear::dequantize_reference(float* out) const {
  const std::int64_t N = matrix_.n, K = matrix_.k;
  std::vector<float> w(std::size_t(N * K));
  PLEXUS_RETURN_IF_ERROR(kernels::quant_dequantize_reference(matrix_, w.data()));
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t i = 0; i < K; ++i) {
      const std::int64_t k = perm_.empty() ? i : perm_[std::size_t(i)];
      out[n * K + k] = w[std::size_t(n * K + i)];
    }
  }
  return Status::ok_status();
}

}  // namespace plexus::gptq
