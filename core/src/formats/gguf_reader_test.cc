#include "gguf_reader.h"

#include <gtest/gtest.h>

#include <random>

#include "test_writers.h"

namespace plexus::formats {
namespace {

using testing::ByteWriter;
using testing::gguf_header;
using testing::gguf_tensor_info;

Result<std::unique_ptr<GgufFile>> parse(const ByteWriter& w) {
  return GgufFile::parse(w.data(), "test.gguf");
}

// The error must be a Corruption (or Unsupported) naming the file and mentioning `field`.
void expect_error(const ByteWriter& w, std::string_view field,
                  StatusCode code = StatusCode::kCorruption) {
  auto r = parse(w);
  ASSERT_FALSE(r.ok()) << "expected an error mentioning " << field;
  EXPECT_EQ(r.status().code(), code) << r.status().to_string();
  EXPECT_NE(r.status().message().find("test.gguf"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(field), std::string::npos) << r.status().message();
}

TEST(GgufReader, ReadsValidMinimalFile) {
  ByteWriter w = testing::valid_gguf(8);
  auto r = parse(w);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const GgufFile& g = **r;
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(g.alignment(), 32u);
  ASSERT_EQ(g.tensors().size(), 1u);
  const GgufTensorInfo* t = g.find_tensor("t.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->numel, 8u);
  EXPECT_EQ(t->nbytes, 32u);
  EXPECT_EQ(t->data - w.data().data(), std::ptrdiff_t(g.data_offset()));
  float v;
  std::memcpy(&v, t->data + 4 * 5, 4);
  EXPECT_EQ(v, 5.0f);
}

TEST(GgufReader, ReadsTinyFixtureMetadata) {
  auto r = GgufFile::open("core/src/formats/testdata/tiny.gguf");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const GgufFile& g = **r;
  EXPECT_EQ(*g.string("general.architecture"), "llama");
  EXPECT_EQ(*g.uint("llama.embedding_length"), 32u);
  EXPECT_EQ(*g.integer("test.negative"), -7);
  EXPECT_FALSE(g.uint("test.negative").ok());
  EXPECT_EQ(*g.uint("test.big"), std::uint64_t(1) << 40);
  EXPECT_EQ(*g.number("test.f64"), 0.125);
  EXPECT_EQ(*g.number("llama.attention.layer_norm_rms_epsilon"), 1e-6);
  EXPECT_TRUE(*g.boolean("test.flag"));
  auto tokens = g.string_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 16u);
  EXPECT_EQ((*tokens)[3], "tok3");
  auto types = g.int_array("tokenizer.ggml.token_type");
  ASSERT_TRUE(types.ok());
  EXPECT_EQ(types->back(), 3);
  auto scores = g.float_array("tokenizer.ggml.scores");
  ASSERT_TRUE(scores.ok());
  EXPECT_EQ((*scores)[2], -0.5f);
  auto i16 = g.int_array("test.i16_array");
  ASSERT_TRUE(i16.ok()) << i16.status().to_string();
  EXPECT_EQ(*i16, (std::vector<std::int32_t>{-3, 4}));
  EXPECT_EQ(*g.string("tokenizer.chat_template"), "{{ messages }}");
  EXPECT_EQ(g.find("no.such.key"), nullptr);
  EXPECT_EQ(g.string("no.such.key").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(g.string("llama.block_count").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(g.string_array("tokenizer.ggml.token_type").ok());
  EXPECT_EQ(g.tensors().size(), 11u);
  EXPECT_EQ(g.keys().front(), "general.architecture");
}

TEST(GgufReader, RejectsBadMagic) {
  ByteWriter w = testing::valid_gguf();
  std::memcpy(w.data().data(), "GGML", 4);
  expect_error(w, "not a GGUF file");
}

TEST(GgufReader, RejectsUnsupportedVersions) {
  expect_error(gguf_header(0, 0, 1), "version 1", StatusCode::kUnsupported);
  expect_error(gguf_header(0, 0, 4), "version 4", StatusCode::kUnsupported);
  EXPECT_TRUE(parse(gguf_header(0, 0, 2)).ok());
}

TEST(GgufReader, RejectsCountsLargerThanTheFile) {
  expect_error(gguf_header(0, std::uint64_t(1) << 60), "metadata_kv_count");
  expect_error(gguf_header(~std::uint64_t(0), 0), "tensor_count");
  expect_error(gguf_header(3, 0), "tensor_count");
}

TEST(GgufReader, RejectsHugeStrings) {
  ByteWriter w = gguf_header(0, 1);
  w.u64(~std::uint64_t(0)).bytes("key").zeros(16);  // key length 2^64-1
  expect_error(w, "metadata key #0");
  ByteWriter v = gguf_header(0, 1);
  v.str("k").u32(8).u64(std::uint64_t(1) << 40).bytes("short");  // string value too long
  expect_error(v, "metadata 'k'");
}

TEST(GgufReader, RejectsHugeArrays) {
  ByteWriter w = gguf_header(0, 1);
  w.str("a").u32(9).u32(4).u64(std::uint64_t(1) << 62).u32(1);  // u32 array, 2^62 elements
  expect_error(w, "does not fit");
  ByteWriter s = gguf_header(0, 1);
  s.str("a").u32(9).u32(8).u64(std::uint64_t(1) << 61);  // string array, 2^61 strings
  expect_error(s, "does not fit");
  ByteWriter o = gguf_header(0, 1);
  o.str("a").u32(9).u32(4).u64(std::uint64_t(1) << 62 | 1);  // count * 4 wraps around
  expect_error(o, "does not fit");
}

TEST(GgufReader, RejectsWrongElementTypes) {
  ByteWriter unknown = gguf_header(0, 1);
  unknown.str("k").u32(13).u32(0);
  expect_error(unknown, "unknown value type 13");
  ByteWriter elem = gguf_header(0, 1);
  elem.str("k").u32(9).u32(99).u64(1).u32(0);
  expect_error(elem, "unknown array element type 99");
  ByteWriter nested = gguf_header(0, 1);
  nested.str("k").u32(9).u32(9).u64(1);
  expect_error(nested, "nested arrays");
  ByteWriter boolean = gguf_header(0, 1);
  boolean.str("k").u32(7).u8(2);
  expect_error(boolean, "not 0 or 1");
  ByteWriter dup = gguf_header(0, 2);
  dup.str("k").u32(4).u32(1).str("k").u32(4).u32(2);
  expect_error(dup, "twice");
}

TEST(GgufReader, RejectsBadAlignmentKey) {
  for (std::uint32_t a : {0u, 3u, 48u, 1u << 30}) {
    ByteWriter w = gguf_header(0, 1);
    w.str("general.alignment").u32(4).u32(a);
    expect_error(w, "general.alignment");
  }
  ByteWriter s = gguf_header(0, 1);
  s.str("general.alignment").u32(8).str("32");
  expect_error(s, "general.alignment");
}

TEST(GgufReader, RejectsTooManyDims) {
  ByteWriter w = gguf_header(1, 0);
  gguf_tensor_info(w, "t", {32, 1, 1, 1, 1}, 0, 0);
  expect_error(w, "n_dims");
  ByteWriter huge = gguf_header(1, 0);
  huge.str("t").u32(0xFFFFFFFFu).zeros(64);
  expect_error(huge, "n_dims");
}

TEST(GgufReader, RejectsOverflowingShapes) {
  ByteWriter w = gguf_header(1, 0);
  gguf_tensor_info(w, "t", {std::uint64_t(1) << 32, std::uint64_t(1) << 32}, 0, 0);
  expect_error(w, "overflows");
  ByteWriter neg = gguf_header(1, 0);
  gguf_tensor_info(neg, "t", {~std::uint64_t(0)}, 0, 0);
  expect_error(neg, "too large");
  // numel fits in int64 but numel * 8 bytes does not.
  ByteWriter bytes = gguf_header(1, 0);
  gguf_tensor_info(bytes, "t", {std::uint64_t(1) << 62}, 28, 0);  // F64
  expect_error(bytes, "overflows");
}

TEST(GgufReader, RejectsUnknownGgmlTypeAndPartialBlocks) {
  ByteWriter w = gguf_header(1, 0);
  gguf_tensor_info(w, "t", {32}, 4, 0);  // 4 was Q4_2, removed from ggml
  expect_error(w, "unknown ggml type 4");
  ByteWriter b = gguf_header(1, 0);
  gguf_tensor_info(b, "t", {33}, 2, 0);  // Q4_0 rows must be whole blocks of 32
  expect_error(b, "block size");
}

TEST(GgufReader, RejectsMisalignedOffsets) {
  ByteWriter w = gguf_header(1, 0);
  gguf_tensor_info(w, "t", {8}, 0, 4);
  w.pad_to(32).zeros(64);
  expect_error(w, "not a multiple of the alignment");
}

TEST(GgufReader, RejectsDataPastTheEnd) {
  ByteWriter w = gguf_header(1, 0);
  gguf_tensor_info(w, "t", {8}, 0, 0);
  w.pad_to(32).zeros(31);  // one byte short of 8 floats
  expect_error(w, "past the end");
  ByteWriter far = gguf_header(1, 0);
  gguf_tensor_info(far, "t", {8}, 0, ~std::uint64_t(31));  // offset + size wraps
  far.pad_to(32).zeros(32);
  expect_error(far, "past the end");
  // Padding to the alignment itself runs past the file.
  ByteWriter pad = gguf_header(1, 1);
  pad.str("general.alignment").u32(4).u32(1u << 16);
  gguf_tensor_info(pad, "t", {0}, 0, 0);
  expect_error(pad, "data section");
}

TEST(GgufReader, RejectsOverlapsAndDuplicates) {
  ByteWriter w = gguf_header(2, 0);
  gguf_tensor_info(w, "a", {16}, 0, 0);
  gguf_tensor_info(w, "b", {16}, 0, 32);
  w.pad_to(32).zeros(128);
  expect_error(w, "overlap");
  ByteWriter d = gguf_header(2, 0);
  gguf_tensor_info(d, "a", {8}, 0, 0);
  gguf_tensor_info(d, "a", {8}, 0, 32);
  d.pad_to(32).zeros(64);
  expect_error(d, "twice");
}

TEST(GgufReader, EveryTruncationOfTheFixtureIsAnError) {
  std::ifstream in("core/src/formats/testdata/tiny.gguf", std::ios::binary);
  std::vector<char> text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(text.size(), 1000u);
  std::vector<std::byte> bytes(text.size());
  std::memcpy(bytes.data(), text.data(), text.size());
  ASSERT_TRUE(GgufFile::parse(bytes, "tiny.gguf").ok());
  for (std::size_t n = 0; n < bytes.size(); n += (n < 2048 ? 1 : 97)) {
    auto r = GgufFile::parse(std::span(bytes.data(), n), "tiny.gguf");
    ASSERT_FALSE(r.ok()) << "a " << n << "-byte prefix parsed";
  }
}

TEST(GgufReader, RandomByteFlipsNeverCrash) {
  std::ifstream in("core/src/formats/testdata/tiny.gguf", std::ios::binary);
  std::vector<char> text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> original(text.size());
  std::memcpy(original.data(), text.data(), text.size());
  std::mt19937 rng(1234);
  int errors = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<std::byte> bytes = original;
    const std::size_t header = 2048;  // flip inside the metadata and tensor infos
    for (int k = 0; k < 3; ++k) {
      bytes[rng() % header] = std::byte(rng() & 0xFF);
    }
    auto r = GgufFile::parse(bytes, "flipped.gguf");
    if (!r.ok()) ++errors;
  }
  EXPECT_GT(errors, 0);  // the flips did reach fields that are checked
}

}  // namespace
}  // namespace plexus::formats
