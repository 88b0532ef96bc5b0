// gguf_reader.h — a hardened reader of GGUF v2/v3 files (metadata and tensor directory).
//
// Use:
//   PLEXUS_ASSIGN_OR_RETURN(auto gguf, GgufFile::open("model.gguf"));
//   PLEXUS_ASSIGN_OR_RETURN(auto tokens, gguf->string_array("tokenizer.ggml.tokens"));
//   PLEXUS_ASSIGN_OR_RETURN(auto eos, gguf->uint("tokenizer.ggml.eos_token_id"));
//   const GgufValue* tmpl = gguf->find("tokenizer.chat_template");  // nullptr when absent
//
// Typed getters (NotFound when the key is absent, InvalidArgument when its type does not fit):
//   string(key)        a string value
//   uint(key)          any integer type holding a non-negative value (u8..u64, i8..i64)
//   integer(key)       any integer type whose value fits int64
//   number(key)        any integer or float type, as double (f32 values keep their decimal
//                      meaning: 1e-5f comes back as 1e-05, not 9.99999974e-06)
//   boolean(key)       a bool
//   string_array(key)  an array of strings
//   float_array(key)   an array of f32/f64 (or integers), as float
//   int_array(key)     an array of any integer type whose values fit int32
//
// Contract:
// - `open` maps the file and checks every field before use: magic, version 2 or 3, counts and
//   string/array lengths against the bytes left, n_dims <= 4, element-count overflow, ggml type
//   ids, general.alignment (a power of two), tensor offsets (aligned, in the file, not
//   overlapping). A bad file gives one Corruption error naming the file, the field and the
//   offset; nothing past it is read. Nested arrays are refused (no known writer makes them).
// - Strings and tensor data are views into the mapping: they live as long as the GgufFile.
// - Tensor dims are stored as GGUF has them, fastest dimension first (ne[0] = row length).
// Thread safety: immutable after open; safe to read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ggml_types.h"
#include "mapped_file.h"
#include "plexus/status.h"

namespace plexus::formats {

enum class GgufType : std::uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

std::string_view gguf_type_name(GgufType t);

struct GgufValue {
  GgufType type = GgufType::kU8;
  // Scalars other than strings: their bytes in the file (little-endian, unaligned).
  // Arrays of numbers/bools: the first element's bytes; `count` elements of `elem_type`.
  const std::byte* data = nullptr;
  std::string_view str;                   // type == kString
  GgufType elem_type = GgufType::kU8;     // type == kArray
  std::uint64_t count = 0;                // type == kArray
  std::vector<std::string_view> strings;  // type == kArray && elem_type == kString

  bool is_array() const { return type == GgufType::kArray; }
  // "u32", "string", "array[string]".
  std::string type_description() const;
};

struct GgufTensorInfo {
  std::string_view name;
  std::vector<std::int64_t> dims;  // fastest first, 1..4 entries
  const GgmlTypeTraits* type = nullptr;
  std::uint64_t offset = 0;  // from the start of the data section
  std::uint64_t numel = 0;
  std::uint64_t nbytes = 0;
  const std::byte* data = nullptr;  // in the mapping
};

class GgufFile {
 public:
  static Result<std::unique_ptr<GgufFile>> open(const std::string& path);
  // Parses bytes held by the caller (tests, fuzzing); `bytes` must outlive the GgufFile.
  // `name` stands for the file in messages.
  static Result<std::unique_ptr<GgufFile>> parse(std::span<const std::byte> bytes,
                                                 std::string name);

  const std::string& path() const { return name_; }
  std::uint32_t version() const { return version_; }
  std::uint64_t alignment() const { return alignment_; }
  std::uint64_t data_offset() const { return data_offset_; }
  // MappedFile::release_pages() of the file, or of the pages inside [p, p + n) (nothing for
  // parsed caller bytes).
  void release_pages() const;
  void release_pages(const std::byte* p, std::size_t n) const;

  // Keys in file order.
  const std::vector<std::string_view>& keys() const { return key_order_; }
  const GgufValue* find(std::string_view key) const;

  Result<std::string> string(std::string_view key) const;
  Result<std::uint64_t> uint(std::string_view key) const;
  Result<std::int64_t> integer(std::string_view key) const;
  Result<double> number(std::string_view key) const;
  Result<bool> boolean(std::string_view key) const;
  Result<std::vector<std::string>> string_array(std::string_view key) const;
  Result<std::vector<float>> float_array(std::string_view key) const;
  Result<std::vector<std::int32_t>> int_array(std::string_view key) const;

  // Tensors in file order.
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;

 private:
  GgufFile() = default;
  Status parse_all(std::span<const std::byte> bytes);
  Result<const GgufValue*> typed(std::string_view key) const;
  Status wrong_type(std::string_view key, const GgufValue& v, std::string_view wanted) const;

  std::string name_;
  std::shared_ptr<const MappedFile> file_;  // null when parsing caller-owned bytes
  std::uint32_t version_ = 0;
  std::uint64_t alignment_ = 32;
  std::uint64_t data_offset_ = 0;
  std::map<std::string_view, GgufValue, std::less<>> kv_;
  std::vector<std::string_view> key_order_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string_view, std::size_t, std::less<>> tensor_index_;
};

}  // namespace plexus::formats
