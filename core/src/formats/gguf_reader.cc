#include "gguf_reader.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

#include "checked_math.h"

namespace plexus::formats {
namespace {

constexpr std::uint64_t kMaxAlignment = std::uint64_t(1) << 24;
constexpr std::uint64_t kMaxTensorNameBytes = 1024;  // ggml itself stops at 64
constexpr std::uint32_t kMaxDims = 4;
// Smallest encodings, used to bound counts by the bytes left before anything is allocated.
constexpr std::uint64_t kMinKvBytes = 8 + 4 + 1;              // key length, type, a u8 value
constexpr std::uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;  // name length, n_dims, type, offset

std::size_t scalar_size(GgufType t) {
  switch (t) {
    case GgufType::kU8:
    case GgufType::kI8:
    case GgufType::kBool:
      return 1;
    case GgufType::kU16:
    case GgufType::kI16:
      return 2;
    case GgufType::kU32:
    case GgufType::kI32:
    case GgufType::kF32:
      return 4;
    case GgufType::kU64:
    case GgufType::kI64:
    case GgufType::kF64:
      return 8;
    case GgufType::kString:
    case GgufType::kArray:
      return 0;
  }
  return 0;
}

bool known_type(std::uint32_t t) { return t <= std::uint32_t(GgufType::kF64); }
bool is_integer(GgufType t) {
  switch (t) {
    case GgufType::kU8:
    case GgufType::kI8:
    case GgufType::kU16:
    case GgufType::kI16:
    case GgufType::kU32:
    case GgufType::kI32:
    case GgufType::kU64:
    case GgufType::kI64:
      return true;
    default:
      return false;
  }
}

template <typename T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// An integer element at p, widened; `negative` tells a signed value below zero apart.
struct Wide {
  bool negative;
  std::uint64_t magnitude_or_value;  // the value when !negative, else -value
};
Wide load_integer(GgufType t, const std::byte* p) {
  std::int64_t s = 0;
  switch (t) {
    case GgufType::kU8:
      return {false, load<std::uint8_t>(p)};
    case GgufType::kU16:
      return {false, load<std::uint16_t>(p)};
    case GgufType::kU32:
      return {false, load<std::uint32_t>(p)};
    case GgufType::kU64:
      return {false, load<std::uint64_t>(p)};
    case GgufType::kI8:
      s = load<std::int8_t>(p);
      break;
    case GgufType::kI16:
      s = load<std::int16_t>(p);
      break;
    case GgufType::kI32:
      s = load<std::int32_t>(p);
      break;
    case GgufType::kI64:
      s = load<std::int64_t>(p);
      break;
    default:
      return {false, 0};
  }
  if (s < 0) return {true, std::uint64_t(0) - std::uint64_t(s)};
  return {false, std::uint64_t(s)};
}

// f32 metadata (rms eps 1e-5, rope theta) is written from decimal configs: recover the
// decimal by going through the shortest representation that round-trips the float.
double float_to_decimal_double(float f) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), f);
  double d = f;
  std::from_chars(buf, r.ptr, d);
  return d;
}

// A bounds-checked cursor; every read names the field it reads for the error message.
class Cursor {
 public:
  Cursor(std::span<const std::byte> bytes, const std::string& file) : b_(bytes), file_(file) {}

  std::uint64_t pos() const { return pos_; }
  std::uint64_t left() const { return b_.size() - pos_; }
  const std::byte* here() const { return b_.data() + pos_; }

  Status error(std::string_view field, std::string_view what) const {
    return Status::corruption(file_ + ": corrupt GGUF: " + std::string(field) + " (at byte " +
                              std::to_string(pos_) + "): " + std::string(what));
  }
  Status need(std::uint64_t n, std::string_view field) const {
    if (n > left()) {
      return error(field, "needs " + std::to_string(n) + " bytes but the file has " +
                              std::to_string(left()) + " left (truncated file?)");
    }
    return Status();
  }
  template <typename T>
  Result<T> read(std::string_view field) {
    PLEXUS_RETURN_IF_ERROR(need(sizeof(T), field));
    T v = load<T>(here());
    pos_ += sizeof(T);
    return v;
  }
  Result<const std::byte*> take(std::uint64_t n, std::string_view field) {
    PLEXUS_RETURN_IF_ERROR(need(n, field));
    const std::byte* p = here();
    pos_ += n;
    return p;
  }
  Result<std::string_view> string(std::string_view field, std::uint64_t max_len) {
    PLEXUS_ASSIGN_OR_RETURN(std::uint64_t len, read<std::uint64_t>(field));
    if (len > max_len) {
      return error(field, "string length " + std::to_string(len) + " exceeds the limit of " +
                              std::to_string(max_len));
    }
    PLEXUS_ASSIGN_OR_RETURN(const std::byte* p, take(len, field));
    return std::string_view(reinterpret_cast<const char*>(p), len);
  }

 private:
  std::span<const std::byte> b_;
  const std::string& file_;
  std::uint64_t pos_ = 0;
};

Status read_value(Cursor& c, GgufType type, const std::string& field, GgufValue* out) {
  out->type = type;
  if (type == GgufType::kString) {
    PLEXUS_ASSIGN_OR_RETURN(out->str, c.string(field, c.left()));
    return Status();
  }
  if (type != GgufType::kArray) {
    const std::size_t size = scalar_size(type);
    const std::byte* p = nullptr;
    PLEXUS_ASSIGN_OR_RETURN(p, c.take(size, field));
    if (type == GgufType::kBool && std::uint8_t(*p) > 1) {
      return c.error(field, "bool value " + std::to_string(std::uint8_t(*p)) + " is not 0 or 1");
    }
    out->data = p;
    return Status();
  }
  PLEXUS_ASSIGN_OR_RETURN(std::uint32_t elem, c.read<std::uint32_t>(field + " element type"));
  if (!known_type(elem)) {
    return c.error(field, "unknown array element type " + std::to_string(elem));
  }
  out->elem_type = GgufType(elem);
  if (out->elem_type == GgufType::kArray) {
    return c.error(field, "nested arrays are not supported");
  }
  PLEXUS_ASSIGN_OR_RETURN(out->count, c.read<std::uint64_t>(field + " element count"));
  const std::uint64_t min_elem =
      out->elem_type == GgufType::kString ? 8 : scalar_size(out->elem_type);
  std::uint64_t min_bytes;
  if (!checked_mul(out->count, min_elem, &min_bytes) || min_bytes > c.left()) {
    return c.error(field, "array of " + std::to_string(out->count) + " " +
                              std::string(gguf_type_name(out->elem_type)) +
                              " elements does not fit in the " + std::to_string(c.left()) +
                              " bytes left");
  }
  if (out->elem_type == GgufType::kString) {
    out->strings.reserve(out->count);
    for (std::uint64_t i = 0; i < out->count; ++i) {
      PLEXUS_ASSIGN_OR_RETURN(std::string_view s,
                              c.string(field + "[" + std::to_string(i) + "]", c.left()));
      out->strings.push_back(s);
    }
    return Status();
  }
  PLEXUS_ASSIGN_OR_RETURN(out->data, c.take(min_bytes, field));
  if (out->elem_type == GgufType::kBool) {
    for (std::uint64_t i = 0; i < out->count; ++i) {
      if (std::uint8_t(out->data[i]) > 1) {
        return c.error(field, "bool element " + std::to_string(i) + " is not 0 or 1");
      }
    }
  }
  return Status();
}

}  // namespace

std::string_view gguf_type_name(GgufType t) {
  switch (t) {
    case GgufType::kU8:
      return "u8";
    case GgufType::kI8:
      return "i8";
    case GgufType::kU16:
      return "u16";
    case GgufType::kI16:
      return "i16";
    case GgufType::kU32:
      return "u32";
    case GgufType::kI32:
      return "i32";
    case GgufType::kF32:
      return "f32";
    case GgufType::kBool:
      return "bool";
    case GgufType::kString:
      return "string";
    case GgufType::kArray:
      return "array";
    case GgufType::kU64:
      return "u64";
    case GgufType::kI64:
      return "i64";
    case GgufType::kF64:
      return "f64";
  }
  return "?";
}

std::string GgufValue::type_description() const {
  if (!is_array()) return std::string(gguf_type_name(type));
  return "array[" + std::string(gguf_type_name(elem_type)) + "]";
}

Result<std::unique_ptr<GgufFile>> GgufFile::open(const std::string& path) {
  PLEXUS_ASSIGN_OR_RETURN(auto file, MappedFile::open(path));
  std::unique_ptr<GgufFile> g(new GgufFile());
  g->name_ = path;
  g->file_ = file;
  PLEXUS_RETURN_IF_ERROR(g->parse_all(file->bytes()));
  return g;
}

Result<std::unique_ptr<GgufFile>> GgufFile::parse(std::span<const std::byte> bytes,
                                                  std::string name) {
  std::unique_ptr<GgufFile> g(new GgufFile());
  g->name_ = std::move(name);
  PLEXUS_RETURN_IF_ERROR(g->parse_all(bytes));
  return g;
}

Status GgufFile::parse_all(std::span<const std::byte> bytes) {
  Cursor c(bytes, name_);
  PLEXUS_ASSIGN_OR_RETURN(const std::byte* magic, c.take(4, "magic"));
  if (std::memcmp(magic, "GGUF", 4) != 0) {
    return Status::corruption(name_ + ": not a GGUF file (the first 4 bytes are not 'GGUF')");
  }
  PLEXUS_ASSIGN_OR_RETURN(version_, c.read<std::uint32_t>("version"));
  if (version_ != 2 && version_ != 3) {
    return Status::unsupported(name_ + ": GGUF version " + std::to_string(version_) +
                               " is not supported (plexus reads versions 2 and 3; convert the "
                               "model again with a current llama.cpp)");
  }
  PLEXUS_ASSIGN_OR_RETURN(std::uint64_t n_tensors, c.read<std::uint64_t>("tensor_count"));
  PLEXUS_ASSIGN_OR_RETURN(std::uint64_t n_kv, c.read<std::uint64_t>("metadata_kv_count"));
  std::uint64_t min_bytes = 0;
  if (!checked_mul(n_kv, kMinKvBytes, &min_bytes) || min_bytes > c.left()) {
    return c.error("metadata_kv_count",
                   std::to_string(n_kv) + " entries cannot fit in a file of this size");
  }
  if (!checked_mul(n_tensors, kMinTensorInfoBytes, &min_bytes) || min_bytes > c.left()) {
    return c.error("tensor_count",
                   std::to_string(n_tensors) + " tensors cannot fit in a file of this size");
  }

  for (std::uint64_t i = 0; i < n_kv; ++i) {
    const std::string field = "metadata key #" + std::to_string(i);
    PLEXUS_ASSIGN_OR_RETURN(std::string_view key, c.string(field, c.left()));
    const std::string named = "metadata '" + std::string(key) + "'";
    PLEXUS_ASSIGN_OR_RETURN(std::uint32_t type, c.read<std::uint32_t>(named + " type"));
    if (!known_type(type)) return c.error(named, "unknown value type " + std::to_string(type));
    GgufValue value;
    PLEXUS_RETURN_IF_ERROR(read_value(c, GgufType(type), named, &value));
    if (!kv_.emplace(key, std::move(value)).second) {
      return c.error(named, "the key appears twice");
    }
    key_order_.push_back(key);
  }

  if (const GgufValue* a = find("general.alignment")) {
    if (a->is_array() || !is_integer(a->type)) {
      return Status::corruption(name_ + ": corrupt GGUF: general.alignment has type " +
                                a->type_description() + "; it must be an unsigned integer");
    }
    Wide w = load_integer(a->type, a->data);
    if (w.negative || !is_power_of_two(w.magnitude_or_value) ||
        w.magnitude_or_value > kMaxAlignment) {
      return Status::corruption(name_ +
                                ": corrupt GGUF: general.alignment must be a power of "
                                "two between 1 and " +
                                std::to_string(kMaxAlignment));
    }
    alignment_ = w.magnitude_or_value;
  }

  tensors_.reserve(n_tensors);
  for (std::uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensorInfo t;
    const std::string field = "tensor #" + std::to_string(i);
    PLEXUS_ASSIGN_OR_RETURN(t.name, c.string(field + " name", kMaxTensorNameBytes));
    const std::string named = "tensor '" + std::string(t.name) + "'";
    PLEXUS_ASSIGN_OR_RETURN(std::uint32_t n_dims, c.read<std::uint32_t>(named + " n_dims"));
    if (n_dims > kMaxDims) {
      return c.error(named + " n_dims", std::to_string(n_dims) + " dimensions (at most 4)");
    }
    for (std::uint32_t d = 0; d < n_dims; ++d) {
      PLEXUS_ASSIGN_OR_RETURN(std::uint64_t dim, c.read<std::uint64_t>(named + " dims"));
      if (dim > std::uint64_t(INT64_MAX)) {
        return c.error(named + " dims", "dimension " + std::to_string(dim) + " is too large");
      }
      t.dims.push_back(std::int64_t(dim));
    }
    if (!checked_numel(t.dims, &t.numel)) {
      return c.error(named + " dims", "the element count overflows");
    }
    PLEXUS_ASSIGN_OR_RETURN(std::uint32_t type, c.read<std::uint32_t>(named + " type"));
    t.type = ggml_type_traits(type);
    if (t.type == nullptr) {
      return c.error(named + " type", "unknown ggml type " + std::to_string(type));
    }
    const std::uint64_t row = t.dims.empty() ? 1 : std::uint64_t(t.dims[0]);
    if (row % t.type->block_size != 0) {
      return c.error(named + " dims", "row length " + std::to_string(row) +
                                          " is not a multiple of the " + std::string(t.type->name) +
                                          " block size " + std::to_string(t.type->block_size));
    }
    if (!checked_mul(t.numel / t.type->block_size, t.type->type_size, &t.nbytes)) {
      return c.error(named + " dims", "the byte size overflows");
    }
    PLEXUS_ASSIGN_OR_RETURN(t.offset, c.read<std::uint64_t>(named + " offset"));
    if (t.offset % alignment_ != 0) {
      return c.error(named + " offset", "offset " + std::to_string(t.offset) +
                                            " is not a multiple of the alignment " +
                                            std::to_string(alignment_));
    }
    if (!tensor_index_.emplace(t.name, tensors_.size()).second) {
      return c.error(named, "the tensor name appears twice");
    }
    tensors_.push_back(std::move(t));
  }

  if (!checked_align_up(c.pos(), alignment_, &data_offset_)) {
    return c.error("data section", "offset overflows");
  }
  const std::uint64_t file_size = bytes.size();
  if (!tensors_.empty() && data_offset_ > file_size) {
    return c.error("data section",
                   "starts at byte " + std::to_string(data_offset_) + ", past the end of the file");
  }
  std::vector<const GgufTensorInfo*> by_offset;
  by_offset.reserve(tensors_.size());
  for (GgufTensorInfo& t : tensors_) {
    std::uint64_t begin, end;
    if (!checked_add(data_offset_, t.offset, &begin) || !checked_add(begin, t.nbytes, &end) ||
        end > file_size) {
      return Status::corruption(name_ + ": corrupt GGUF: tensor '" + std::string(t.name) +
                                "' data (offset " + std::to_string(t.offset) + ", " +
                                std::to_string(t.nbytes) + " bytes) runs past the end of the " +
                                std::to_string(file_size) + "-byte file (truncated download?)");
    }
    t.data = bytes.data() + begin;
    by_offset.push_back(&t);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const GgufTensorInfo* a, const GgufTensorInfo* b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const GgufTensorInfo* prev = by_offset[i - 1];
    if (by_offset[i]->offset < prev->offset + prev->nbytes && by_offset[i]->nbytes > 0 &&
        prev->nbytes > 0) {
      return Status::corruption(name_ + ": corrupt GGUF: tensors '" + std::string(prev->name) +
                                "' and '" + std::string(by_offset[i]->name) + "' overlap");
    }
  }
  return Status();
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = kv_.find(key);
  return it == kv_.end() ? nullptr : &it->second;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Result<const GgufValue*> GgufFile::typed(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) {
    return Status::not_found(name_ + ": GGUF metadata has no key '" + std::string(key) + "'");
  }
  return v;
}

Status GgufFile::wrong_type(std::string_view key, const GgufValue& v,
                            std::string_view wanted) const {
  return Status::invalid_argument(name_ + ": GGUF metadata '" + std::string(key) + "' is " +
                                  v.type_description() + ", expected " + std::string(wanted));
}

Result<std::string> GgufFile::string(std::string_view key) const {
  PLEXUS_ASSIGN_OR_RETURN(const GgufValue* v, typed(key));
  if (v->type != GgufType::kString) return wrong_type(key, *v, "a string");
  return std::string(v->str);
}

Result<std::uint64_t> GgufFile::uint(std::string_view key) const {
  PLEXUS_ASSIGN_OR_RETURN(const GgufValue* v, typed(key));
  if (!is_integer(v->type)) return wrong_type(key, *v, "an unsigned integer");
  Wide w = load_integer(v->type, v->data);
  if (w.negative) return wrong_type(key, *v, "a non-negative integer");
  return w.magnitude_or_value;
}

Result<std::int64_t> GgufFile::integer(std::string_view key) const {
  PLEXUS_ASSIGN_OR_RETURN(const GgufValue* v, typed(key));
  if (!is_integer(v->type)) return wrong_type(key, *v, "an integer");
  Wide w = load_integer(v->type, v->data);
  if (w.negative) return std::int64_t(std::uint64_t(0) - w.magnitude_or_value);
  if (w.magnitude_or_value > std::uint64_t(INT64_MAX)) {
    return wrong_type(key, *v, "an integer that fits int64");
  }
  return std::int64_t(w.magnitude_or_value);
}

Result<double> GgufFile::number(std::string_view key) const {
  PLEXUS_ASSIGN_OR_RETURN(const GgufValue* v, typed(key));
  if (v->type == GgufType::kF32) return float_to_decimal_double(load<float>(v->data));
  if (v->type == GgufType::kF64) return load<double>(v->data);
  if (!is_integer(v->type)) return wrong_type(key, *v, "a number");
  Wide w = load_integer(v->type, v->data);
  return w.negative ? -double(w.magnitude_or_value) : double(w.magnitude_or_value);
}

Result<bool> GgufFile::boolean(std::string_view key) const {
  PLEXUS_ASSIGN_OR_RETURN(const GgufValue* v, typed(key));
  if (v->type != GgufType::kBool) return wrong_type(key, *v, "a bool");
  return std::uint8_t(*v->data) != 0;
}

Result<std::vector<std::string>> GgufFile::string_array(std::string_view key) const {
  PLEXUS_ASSIGN_OR_RETURN(const GgufValue* v, typed(key));
  if (!v->is_array() || v->elem_type != GgufType::kString) {
    return wrong_type(key, *v, "an array of strings");
  }
  return std::vector<std::string>(v->strings.begin(), v->strings.end());
}

Result<std::vector<float>> GgufFile::float_array(std::string_view key) const {
  PLEXUS_ASSIGN_OR_RETURN(const GgufValue* v, typed(key));
  if (!v->is_array() || v->elem_type == GgufType::kString || v->elem_type == GgufType::kBool) {
    return wrong_type(key, *v, "an array of numbers");
  }
  const std::size_t size = scalar_size(v->elem_type);
  std::vector<float> out(v->count);
  for (std::uint64_t i = 0; i < v->count; ++i) {
    const std::byte* p = v->data + i * size;
    if (v->elem_type == GgufType::kF32) {
      out[i] = load<float>(p);
    } else if (v->elem_type == GgufType::kF64) {
      out[i] = float(load<double>(p));
    } else {
      Wide w = load_integer(v->elem_type, p);
      out[i] = w.negative ? -float(w.magnitude_or_value) : float(w.magnitude_or_value);
    }
  }
  return out;
}

Result<std::vector<std::int32_t>> GgufFile::int_array(std::string_view key) const {
  PLEXUS_ASSIGN_OR_RETURN(const GgufValue* v, typed(key));
  if (!v->is_array() || !is_integer(v->elem_type)) {
    return wrong_type(key, *v, "an array of integers");
  }
  const std::size_t size = scalar_size(v->elem_type);
  std::vector<std::int32_t> out(v->count);
  for (std::uint64_t i = 0; i < v->count; ++i) {
    Wide w = load_integer(v->elem_type, v->data + i * size);
    const std::uint64_t limit =
        w.negative ? std::uint64_t(INT32_MAX) + 1 : std::uint64_t(INT32_MAX);
    if (w.magnitude_or_value > limit) {
      return Status::invalid_argument(name_ + ": GGUF metadata '" + std::string(key) +
                                      "' element " + std::to_string(i) +
                                      " does not fit a 32-bit integer");
    }
    out[i] = w.negative ? std::int32_t(-std::int64_t(w.magnitude_or_value))
                        : std::int32_t(w.magnitude_or_value);
  }
  return out;
}

void GgufFile::release_pages() const {
  if (file_) file_->release_pages();
}

void GgufFile::release_pages(const std::byte* p, std::size_t n) const {
  if (file_) file_->release_pages(p, n);
}

}  // namespace plexus::formats
