#include "safetensors_reader.h"

#include <algorithm>
#include <cstring>
#include <exception>

#include <boost/json.hpp>

#include "checked_math.h"
#include "plexus/tensor.h"

namespace plexus::formats {
namespace {

namespace json = boost::json;

// Reads a JSON number that must be a non-negative integer.
bool as_index(const json::value& v, std::uint64_t* out) {
  if (v.is_uint64()) {
    *out = v.get_uint64();
    return true;
  }
  if (v.is_int64() && v.get_int64() >= 0) {
    *out = std::uint64_t(v.get_int64());
    return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::open(const std::string& path) {
  PLEXUS_ASSIGN_OR_RETURN(auto file, MappedFile::open(path));
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->name_ = path;
  f->file_ = file;
  PLEXUS_RETURN_IF_ERROR(f->parse_all(file->bytes()));
  return f;
}

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::parse(std::span<const std::byte> bytes,
                                                                std::string name) {
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->name_ = std::move(name);
  PLEXUS_RETURN_IF_ERROR(f->parse_all(bytes));
  return f;
}

Status SafetensorsFile::parse_all(std::span<const std::byte> bytes) {
  auto corrupt = [&](const std::string& what) {
    return Status::corruption(name_ + ": corrupt safetensors file: " + what);
  };
  if (bytes.size() < 8) return corrupt("shorter than the 8-byte header length");
  std::uint64_t header_len;
  std::memcpy(&header_len, bytes.data(), 8);
  if (header_len > kMaxHeaderBytes) {
    return corrupt("header length " + std::to_string(header_len) + " exceeds the limit of " +
                   std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (header_len > bytes.size() - 8) {
    return corrupt("header length " + std::to_string(header_len) + " runs past the end of the " +
                   std::to_string(bytes.size()) + "-byte file");
  }
  const std::string_view header(reinterpret_cast<const char*>(bytes.data() + 8), header_len);
  const std::byte* buffer = bytes.data() + 8 + header_len;
  const std::uint64_t buffer_size = bytes.size() - 8 - header_len;

  json::value root;
  try {
    boost::system::error_code ec;
    root = json::parse(header, ec);
    if (ec) return corrupt("header is not valid JSON: " + ec.message());
  } catch (const std::exception& e) {
    return corrupt(std::string("header could not be parsed: ") + e.what());
  }
  if (!root.is_object()) return corrupt("header is not a JSON object");

  for (const auto& [key, value] : root.as_object()) {
    const std::string name(key);
    if (name == "__metadata__") {
      if (!value.is_object()) return corrupt("__metadata__ is not an object");
      for (const auto& [mk, mv] : value.as_object()) {
        if (!mv.is_string()) {
          return corrupt("__metadata__ value '" + std::string(mk) + "' is not a string");
        }
        metadata_[std::string(mk)] = std::string(mv.as_string());
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!value.is_object()) return corrupt(where + " entry is not an object");
    const json::object& entry = value.as_object();

    SafetensorsTensor t;
    t.name = name;
    const json::value* dtype = entry.if_contains("dtype");
    if (dtype == nullptr || !dtype->is_string()) return corrupt(where + " has no string 'dtype'");
    const std::string dtype_text(dtype->as_string());
    auto parsed = parse_dtype(dtype_text);
    if (!parsed || dtype_name(*parsed) != dtype_text) {
      return Status::unsupported(name_ + ": " + where + " has dtype '" + dtype_text +
                                 "', which plexus does not read");
    }
    t.dtype = *parsed;

    const json::value* shape = entry.if_contains("shape");
    if (shape == nullptr || !shape->is_array()) return corrupt(where + " has no array 'shape'");
    if (shape->as_array().size() > std::size_t(Tensor::kMaxDims)) {
      return corrupt(where + " shape has " + std::to_string(shape->as_array().size()) +
                     " dimensions (at most " + std::to_string(Tensor::kMaxDims) + ")");
    }
    for (const json::value& d : shape->as_array()) {
      std::uint64_t dim;
      if (!as_index(d, &dim) || dim > std::uint64_t(INT64_MAX)) {
        return corrupt(where + " shape holds something other than a non-negative integer");
      }
      t.shape.push_back(std::int64_t(dim));
    }
    if (!checked_numel(t.shape, &t.numel) ||
        !checked_mul(t.numel, dtype_size(t.dtype), &t.nbytes)) {
      return corrupt(where + " shape product overflows");
    }

    const json::value* offsets = entry.if_contains("data_offsets");
    std::uint64_t begin = 0, end = 0;
    if (offsets == nullptr || !offsets->is_array() || offsets->as_array().size() != 2 ||
        !as_index(offsets->as_array()[0], &begin) || !as_index(offsets->as_array()[1], &end)) {
      return corrupt(where + " data_offsets is not a pair of non-negative integers");
    }
    if (begin > end || end > buffer_size) {
      return corrupt(where + " data_offsets [" + std::to_string(begin) + ", " +
                     std::to_string(end) + ") lie outside the " + std::to_string(buffer_size) +
                     "-byte data buffer");
    }
    if (end - begin != t.nbytes) {
      return corrupt(where + " data_offsets span " + std::to_string(end - begin) +
                     " bytes but its shape and dtype need " + std::to_string(t.nbytes));
    }
    t.data = buffer + begin;
    tensors_.push_back(std::move(t));
  }

  // Overlap check on the byte ranges, in buffer order.
  std::vector<const SafetensorsTensor*> by_offset;
  for (const auto& t : tensors_) by_offset.push_back(&t);
  std::sort(
      by_offset.begin(), by_offset.end(),
      [](const SafetensorsTensor* a, const SafetensorsTensor* b) { return a->data < b->data; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const SafetensorsTensor* prev = by_offset[i - 1];
    if (prev->nbytes > 0 && by_offset[i]->nbytes > 0 &&
        by_offset[i]->data < prev->data + prev->nbytes) {
      return corrupt("tensors '" + prev->name + "' and '" + by_offset[i]->name +
                     "' overlap in the data buffer");
    }
  }
  std::sort(tensors_.begin(), tensors_.end(),
            [](const SafetensorsTensor& a, const SafetensorsTensor& b) { return a.name < b.name; });
  return Status();
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
  auto it =
      std::lower_bound(tensors_.begin(), tensors_.end(), name,
                       [](const SafetensorsTensor& t, std::string_view n) { return t.name < n; });
  if (it == tensors_.end() || it->name != name) return nullptr;
  return &*it;
}

void SafetensorsFile::release_pages() const {
  if (file_) file_->release_pages();
}

void SafetensorsFile::release_pages(const std::byte* p, std::size_t n) const {
  if (file_) file_->release_pages(p, n);
}

}  // namespace plexus::formats
