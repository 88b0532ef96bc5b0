// test_writers.h — tiny GGUF and safetensors writers for the parser tests.
//
// They write exactly the bytes a test asks for, so a test can build a file that is correct up
// to the one field it corrupts.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace plexus::formats::testing {

class ByteWriter {
 public:
  ByteWriter& u8(std::uint8_t v) { return raw(&v, 1); }
  ByteWriter& u32(std::uint32_t v) { return raw(&v, 4); }
  ByteWriter& u64(std::uint64_t v) { return raw(&v, 8); }
  ByteWriter& i32(std::int32_t v) { return raw(&v, 4); }
  ByteWriter& f32(float v) { return raw(&v, 4); }
  ByteWriter& bytes(std::string_view s) { return raw(s.data(), s.size()); }
  // GGUF string: u64 length + bytes.
  ByteWriter& str(std::string_view s) { return u64(s.size()).bytes(s); }
  ByteWriter& pad_to(std::size_t alignment) {
    while (buf_.size() % alignment != 0) buf_.push_back(std::byte{0});
    return *this;
  }
  ByteWriter& zeros(std::size_t n) {
    buf_.resize(buf_.size() + n);
    return *this;
  }
  ByteWriter& raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    buf_.insert(buf_.end(), b, b + n);
    return *this;
  }
  std::size_t size() const { return buf_.size(); }
  const std::vector<std::byte>& data() const { return buf_; }
  std::vector<std::byte>& data() { return buf_; }

 private:
  std::vector<std::byte> buf_;
};

// GGUF header: magic, version, tensor count, kv count.
inline ByteWriter gguf_header(std::uint64_t n_tensors, std::uint64_t n_kv,
                              std::uint32_t version = 3) {
  ByteWriter w;
  w.bytes("GGUF").u32(version).u64(n_tensors).u64(n_kv);
  return w;
}

// One tensor info: name, dims (fastest first), ggml type, offset.
inline void gguf_tensor_info(ByteWriter& w, std::string_view name,
                             const std::vector<std::uint64_t>& dims, std::uint32_t type,
                             std::uint64_t offset) {
  w.str(name).u32(std::uint32_t(dims.size()));
  for (std::uint64_t d : dims) w.u64(d);
  w.u32(type).u64(offset);
}

// A valid GGUF with one u32 key and one F32 tensor "t.weight" of `n` floats 0, 1, 2, ...
inline ByteWriter valid_gguf(std::uint64_t n = 8) {
  ByteWriter w = gguf_header(1, 1);
  w.str("general.alignment").u32(4).u32(32);
  gguf_tensor_info(w, "t.weight", {n}, 0, 0);
  w.pad_to(32);
  for (std::uint64_t i = 0; i < n; ++i) w.f32(float(i));
  return w;
}

// safetensors: u64 header length + header JSON + data.
inline ByteWriter safetensors_bytes(std::string_view header, std::size_t data_bytes) {
  ByteWriter w;
  w.u64(header.size()).bytes(header).zeros(data_bytes);
  return w;
}

inline void write_file(const std::string& path, const std::vector<std::byte>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

inline std::string temp_path(std::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string base = dir ? dir : "/tmp";
  return base + "/plexus_formats_" + std::to_string(::getpid()) + "_" + std::string(name);
}

}  // namespace plexus::formats::testing
