#include "tensor_load.h"

#include <algorithm>
#include <cstring>

#include "checked_math.h"

namespace plexus::formats {
namespace {

bool is_compute_float(DType t) { return t == DType::kF32 || t == DType::kBF16 || t == DType::kF16; }

// Source element i (dense) as float.
float dense_to_f32(DType t, const std::byte* p) {
  switch (t) {
    case DType::kF32: {
      float v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case DType::kF16: {
      std::uint16_t v;
      std::memcpy(&v, p, 2);
      return f16_to_f32(v);
    }
    case DType::kBF16: {
      std::uint16_t v;
      std::memcpy(&v, p, 2);
      return bf16_to_f32(v);
    }
    case DType::kI32: {
      std::int32_t v;
      std::memcpy(&v, p, 4);
      return float(v);
    }
    case DType::kI8:
      return float(std::int8_t(*p));
    case DType::kU8:
      return float(std::uint8_t(*p));
    case DType::kF8E4M3:
      return f8e4m3_to_f32(std::uint8_t(*p));
    default:
      return 0.0f;  // unreachable: load_stored refuses other dtypes first
  }
}

bool dense_convertible(DType t) {
  return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16 || t == DType::kI32 ||
         t == DType::kI8 || t == DType::kU8 || t == DType::kF8E4M3;
}

void store_f32(const float* src, std::uint64_t n, DType dst, std::byte* out) {
  switch (dst) {
    case DType::kF32:
      std::memcpy(out, src, n * 4);
      return;
    case DType::kBF16:
      for (std::uint64_t i = 0; i < n; ++i) {
        std::uint16_t v = f32_to_bf16(src[i]);
        std::memcpy(out + 2 * i, &v, 2);
      }
      return;
    case DType::kF16:
      for (std::uint64_t i = 0; i < n; ++i) {
        std::uint16_t v = f32_to_f16(src[i]);
        std::memcpy(out + 2 * i, &v, 2);
      }
      return;
    default:
      return;
  }
}

// The dense dtype whose bytes a ggml plain type stores (for same-dtype copies).
std::optional<DType> ggml_as_dtype(const GgmlTypeTraits& g) {
  switch (GgmlType(g.id)) {
    case GgmlType::kF32:
      return DType::kF32;
    case GgmlType::kF16:
      return DType::kF16;
    case GgmlType::kBF16:
      return DType::kBF16;
    default:
      return std::nullopt;
  }
}

// Converts stored elements [first, first + n) into `out` as `dst`.
Status convert_range(const StoredTensor& t, std::uint64_t first, std::uint64_t n, DType dst,
                     std::byte* out) {
  const std::optional<DType> same = t.dense ? t.dense : ggml_as_dtype(*t.ggml);
  if (same && *same == dst) {
    const std::size_t size = dtype_size(dst);
    std::memcpy(out, t.data + first * size, n * size);
    return Status();
  }
  constexpr std::uint64_t kChunk = 4096;
  float tmp[kChunk];
  const std::size_t out_size = dtype_size(dst);
  for (std::uint64_t done = 0; done < n; done += kChunk) {
    const std::uint64_t m = std::min(kChunk, n - done);
    if (t.dense) {
      const std::size_t in_size = dtype_size(*t.dense);
      for (std::uint64_t i = 0; i < m; ++i) {
        tmp[i] = dense_to_f32(*t.dense, t.data + (first + done + i) * in_size);
      }
    } else {
      PLEXUS_RETURN_IF_ERROR(ggml_dequantize(*t.ggml, t.data, first + done, m, tmp));
    }
    store_f32(tmp, m, dst, out + done * out_size);
  }
  return Status();
}

}  // namespace

Result<std::vector<std::int64_t>> rope_unpermute_rows(std::int64_t rows, std::int64_t n_head) {
  if (n_head <= 0 || rows % (2 * n_head) != 0) {
    return Status::invalid_argument(
        "cannot undo the GGUF RoPE row permutation: " + std::to_string(rows) +
        " rows are not a multiple of 2 x " + std::to_string(n_head) + " heads");
  }
  const std::int64_t head_dim = rows / n_head;
  const std::int64_t half = head_dim / 2;
  std::vector<std::int64_t> map(rows);
  // HF row h*hd + j*half + i was written to row h*hd + 2*i + j (pairs made adjacent).
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t h = r / head_dim, within = r % head_dim;
    const std::int64_t j = within / half, i = within % half;
    map[r] = h * head_dim + 2 * i + j;
  }
  return map;
}

Result<OwnedTensor> load_stored(const StoredTensor& t, DType compute_dtype, ShardSpec shard) {
  const std::optional<DType> stored = t.dense ? t.dense : ggml_as_dtype(*t.ggml);
  const bool copy = stored && *stored == compute_dtype;
  if (!copy && !is_compute_float(compute_dtype)) {
    return Status::invalid_argument("cannot load " + t.name + " as " +
                                    std::string(dtype_name(compute_dtype)) +
                                    ": the compute dtype must be F32, BF16 or F16 (or the "
                                    "tensor's own dtype)");
  }
  if (!copy && t.dense && !dense_convertible(*t.dense)) {
    return Status::unsupported("cannot convert " + t.name + " from " +
                               std::string(dtype_name(*t.dense)) + " to " +
                               std::string(dtype_name(compute_dtype)));
  }
  if (!copy && t.ggml && !t.ggml->dequantizable) {
    return Status::unsupported("cannot load " + t.name + ": plexus cannot dequantise ggml type " +
                               std::string(t.ggml->name) +
                               " yet (supported: F32, F16, BF16, Q4_0, Q4_1, Q8_0)");
  }

  const int ndim = int(t.shape.size());
  std::vector<std::int64_t> out_shape = t.shape;
  std::int64_t begin = 0, end = 0;  // along shard.dim
  if (shard.dim != -1) {
    if (shard.world < 1 || shard.rank < 0 || shard.rank >= shard.world) {
      return Status::invalid_argument("bad shard of " + t.name + ": rank " +
                                      std::to_string(shard.rank) + " of world " +
                                      std::to_string(shard.world));
    }
    if (shard.dim < 0 || shard.dim >= ndim || shard.dim > 1) {
      return Status::invalid_argument("cannot shard " + t.name + " along dim " +
                                      std::to_string(shard.dim) + ": it has " +
                                      std::to_string(ndim) + " dims (shard dim 0 or 1)");
    }
    const std::int64_t size = t.shape[shard.dim];
    if (size % shard.world != 0) {
      return Status::invalid_argument("cannot split " + t.name + " dim " +
                                      std::to_string(shard.dim) + " (" + std::to_string(size) +
                                      ") into " + std::to_string(shard.world) +
                                      " equal parts: choose a tensor_parallel size that divides "
                                      "it");
    }
    const std::int64_t part = size / shard.world;
    begin = part * shard.rank;
    end = begin + part;
    out_shape[shard.dim] = part;
  }
  if (!t.row_map.empty() && (ndim == 0 || std::int64_t(t.row_map.size()) != t.shape[0])) {
    return Status::internal("row map of " + t.name + " does not match its shape");
  }

  std::uint64_t numel = 0, out_numel = 0, out_bytes = 0;
  if (!checked_numel(t.shape, &numel) || !checked_numel(out_shape, &out_numel) ||
      !checked_mul(out_numel, dtype_size(compute_dtype), &out_bytes)) {
    return Status::internal("shape of " + t.name + " overflows");
  }
  PLEXUS_ASSIGN_OR_RETURN(Buffer buffer, Buffer::allocate(cpu_allocator(), out_bytes));
  std::byte* out = static_cast<std::byte*>(buffer.data());
  const std::size_t out_size = dtype_size(compute_dtype);

  const std::int64_t rows = ndim == 0 ? 1 : t.shape[0];
  const std::uint64_t row_elems = rows == 0 ? 0 : numel / std::uint64_t(rows);
  auto stored_row = [&](std::int64_t r) { return t.row_map.empty() ? r : t.row_map[r]; };

  if (shard.dim <= 0) {
    const std::int64_t rb = shard.dim == 0 ? begin : 0;
    const std::int64_t re = shard.dim == 0 ? end : rows;
    if (t.row_map.empty()) {
      PLEXUS_RETURN_IF_ERROR(convert_range(t, std::uint64_t(rb) * row_elems,
                                           std::uint64_t(re - rb) * row_elems, compute_dtype, out));
    } else {
      for (std::int64_t r = rb; r < re; ++r) {
        PLEXUS_RETURN_IF_ERROR(convert_range(t, std::uint64_t(stored_row(r)) * row_elems, row_elems,
                                             compute_dtype,
                                             out + std::uint64_t(r - rb) * row_elems * out_size));
      }
    }
  } else {
    // dim 1: each row keeps columns [begin, end) of its dim-1 blocks of `inner` elements.
    std::uint64_t inner = 1;
    for (int d = 2; d < ndim; ++d) inner *= std::uint64_t(t.shape[d]);
    const std::uint64_t take = std::uint64_t(end - begin) * inner;
    for (std::int64_t r = 0; r < rows; ++r) {
      PLEXUS_RETURN_IF_ERROR(
          convert_range(t, std::uint64_t(stored_row(r)) * row_elems + std::uint64_t(begin) * inner,
                        take, compute_dtype, out + std::uint64_t(r) * take * out_size));
    }
  }
  OwnedTensor result;
  result.tensor = buffer.view(compute_dtype, out_shape);
  result.buffer = std::move(buffer);
  return result;
}

}  // namespace plexus::formats
