// safetensors_reader.h — a hardened reader of one .safetensors file.
//
// Contract: `open` maps the file and checks the header before anything is used: the u64 header
// length (at most 100,000,000 bytes and inside the file), well-formed JSON whose top level is
// an object, each entry's dtype (a known safetensors spelling), shape (non-negative integers,
// at most Tensor::kMaxDims, no overflowing product), and data_offsets (begin <= end, inside the
// data buffer, end - begin == numel x dtype size, no two tensors overlapping). A bad file gives
// one Corruption error naming the file, the tensor and the field. Tensor data are views into
// the mapping (possibly unaligned: read with memcpy) and live as long as the SafetensorsFile.
// Thread safety: immutable after open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mapped_file.h"
#include "plexus/dtype.h"
#include "plexus/status.h"

namespace plexus::formats {

struct SafetensorsTensor {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<std::int64_t> shape;  // outermost first
  std::uint64_t numel = 0;
  std::uint64_t nbytes = 0;
  const std::byte* data = nullptr;
};

class SafetensorsFile {
 public:
  static constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

  static Result<std::unique_ptr<SafetensorsFile>> open(const std::string& path);
  // Parses caller-owned bytes (tests, fuzzing); `bytes` must outlive the result.
  static Result<std::unique_ptr<SafetensorsFile>> parse(std::span<const std::byte> bytes,
                                                        std::string name);

  const std::string& path() const { return name_; }
  // Sorted by name.
  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(std::string_view name) const;
  // The optional "__metadata__" string map.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // MappedFile::release_pages() of the file, or of the pages inside [p, p + n) (nothing for
  // parsed caller bytes).
  void release_pages() const;
  void release_pages(const std::byte* p, std::size_t n) const;

 private:
  SafetensorsFile() = default;
  Status parse_all(std::span<const std::byte> bytes);

  std::string name_;
  std::shared_ptr<const MappedFile> file_;
  std::vector<SafetensorsTensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace plexus::formats
