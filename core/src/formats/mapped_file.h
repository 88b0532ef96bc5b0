// mapped_file.h — a read-only memory mapping of a whole file.
//
// Weights are read in place from the page cache: readers hand out pointers into the mapping, so
// the MappedFile (held by shared_ptr) must outlive every view made from it. An empty file is a
// valid mapping of zero bytes. Thread safety: immutable; reads from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "plexus/status.h"

namespace plexus::formats {

class MappedFile {
 public:
  // IoError naming the path and the OS reason when the file cannot be opened or mapped.
  static Result<std::shared_ptr<const MappedFile>> open(const std::string& path);

  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const std::string& path() const { return path_; }
  std::span<const std::byte> bytes() const { return {data_, size_}; }
  std::size_t size() const { return size_; }
  // Drops this process's resident pages of the mapping (advice only): the bytes stay readable,
  // a later read faults them back in from the page cache or the file. For after a load that
  // copied what it needs, so the copy and the mapping do not both count as resident.
  void release_pages() const;
  // The same for the whole pages inside [p, p + n), clamped to the mapping (bytes outside it
  // are ignored, so caller-owned memory is never touched): for a tensor just copied out, so a
  // large checkpoint's load does not hold it twice.
  void release_pages(const std::byte* p, std::size_t n) const;

 private:
  MappedFile(std::string path, const std::byte* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace plexus::formats
