#include "packed_tensor.h"

#include <cstring>

namespace plexus::quant {
namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Status mismatch(const std::string& name, const TensorInfo& info, const std::string& want,
                const std::string& needs) {
  return Status::invalid_argument(name + " is " + info.type_name + " " + shape_text(info.shape) +
                                  "; " + needs + " needs " + want);
}

// Copies `block` of a 2-D tensor of `elem`-byte elements into `out`.
template <class T>
Result<std::vector<T>> read_block(const WeightSource& weights, const std::string& name, Shape2 full,
                                  Block block, std::initializer_list<DType> dtypes,
                                  const char* want_type, const std::string& needs) {
  PLEXUS_ASSIGN_OR_RETURN(RawTensor raw, weights.raw(name));
  const std::string want = std::string(want_type) + " " + shape_text({full.rows, full.cols});
  bool type_ok = false;
  for (DType d : dtypes) type_ok = type_ok || (raw.info.dtype && *raw.info.dtype == d);
  if (!type_ok || raw.info.shape != std::vector<std::int64_t>{full.rows, full.cols} ||
      raw.nbytes != std::size_t(full.rows * full.cols) * sizeof(T)) {
    return mismatch(name, raw.info, want, needs);
  }
  std::vector<T> out(std::size_t(block.rows * block.cols));
  for (std::int64_t r = 0; r < block.rows; ++r) {
    const std::byte* src =
        raw.data + ((block.row0 + r) * full.cols + block.col0) * std::int64_t(sizeof(T));
    std::memcpy(out.data() + r * block.cols, src, std::size_t(block.cols) * sizeof(T));
  }
  return out;
}

}  // namespace

Result<std::vector<std::uint32_t>> read_words(const WeightSource& weights, const std::string& name,
                                              Shape2 full, Block block, const std::string& needs) {
  return read_block<std::uint32_t>(weights, name, full, block, {DType::kI32, DType::kU32}, "I32",
                                   needs);
}

Result<std::vector<std::uint16_t>> read_f16(const WeightSource& weights, const std::string& name,
                                            Shape2 full, Block block, const std::string& needs) {
  return read_block<std::uint16_t>(weights, name, full, block, {DType::kF16}, "F16", needs);
}

Result<std::vector<std::int32_t>> read_index(const WeightSource& weights, const std::string& name,
                                             std::int64_t length, const std::string& needs) {
  PLEXUS_ASSIGN_OR_RETURN(RawTensor raw, weights.raw(name));
  const bool is64 = raw.info.dtype && *raw.info.dtype == DType::kI64;
  const bool is32 = raw.info.dtype && *raw.info.dtype == DType::kI32;
  if ((!is32 && !is64) || raw.info.shape != std::vector<std::int64_t>{length} ||
      raw.nbytes != std::size_t(length) * (is64 ? 8 : 4)) {
    return mismatch(name, raw.info, "I32 [" + std::to_string(length) + "]", needs);
  }
  std::vector<std::int32_t> out(static_cast<std::size_t>(length));
  for (std::int64_t i = 0; i < length; ++i) {
    if (is64) {
      std::int64_t v;
      std::memcpy(&v, raw.data + i * 8, 8);
      out[std::size_t(i)] = std::int32_t(v);
    } else {
      std::memcpy(&out[std::size_t(i)], raw.data + i * 4, 4);
    }
  }
  return out;
}

Result<GroupRange> split_whole_groups(const std::string& prefix, std::int64_t K, int world,
                                      int rank, std::int64_t G, std::int64_t groups) {
  const std::int64_t kl = K / world;
  if (K % world != 0 || kl % G != 0) {
    auto str = [](std::int64_t v) { return std::to_string(v); };
    return Status::invalid_argument(
        prefix + ": a row-parallel split of " + str(K) + " inputs into " + str(world) +
        " parts of " + str(kl) + " cuts its groups of " + str(G) +
        " rows; use a tensor_parallel_size that divides the group count " + str(groups));
  }
  return GroupRange{rank * kl / G, kl / G};
}

}  // namespace plexus::quant
