#include "safetensors_reader.h"

#include <gtest/gtest.h>

#include "test_writers.h"

namespace plexus::formats {
namespace {

using testing::ByteWriter;
using testing::safetensors_bytes;

Result<std::unique_ptr<SafetensorsFile>> parse(const ByteWriter& w) {
  return SafetensorsFile::parse(w.data(), "test.safetensors");
}

void expect_corrupt(const ByteWriter& w, std::string_view field) {
  auto r = parse(w);
  ASSERT_FALSE(r.ok()) << "expected an error mentioning " << field;
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().to_string();
  EXPECT_NE(r.status().message().find("test.safetensors"), std::string::npos);
  EXPECT_NE(r.status().message().find(field), std::string::npos) << r.status().message();
}

TEST(SafetensorsReader, ReadsAValidFile) {
  ByteWriter w = safetensors_bytes(
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[16,24]},)"
      R"("a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
      24);
  auto r = parse(w);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ((*r)->tensors().size(), 2u);
  EXPECT_EQ((*r)->tensors()[0].name, "a");
  const SafetensorsTensor* b = (*r)->find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->dtype, DType::kBF16);
  EXPECT_EQ(b->shape, (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(b->nbytes, 8u);
  EXPECT_EQ((*r)->metadata().at("format"), "pt");
  EXPECT_EQ((*r)->find("c"), nullptr);
}

TEST(SafetensorsReader, ReadsTheDtypeFixture) {
  auto r = SafetensorsFile::open("core/src/formats/testdata/dtypes.safetensors");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)->tensors().size(), 7u);
  EXPECT_EQ((*r)->find("f8_e4m3")->dtype, DType::kF8E4M3);
}

TEST(SafetensorsReader, RejectsHugeOrTruncatedHeaders) {
  ByteWriter tiny;
  tiny.bytes("abc");
  expect_corrupt(tiny, "shorter than");
  ByteWriter huge;
  huge.u64(100'000'001).bytes("{}");
  expect_corrupt(huge, "exceeds the limit");
  ByteWriter past;
  past.u64(1000).bytes("{}");
  expect_corrupt(past, "past the end");
  ByteWriter wrap;
  wrap.u64(~std::uint64_t(0)).bytes("{}");
  expect_corrupt(wrap, "header length");
}

TEST(SafetensorsReader, RejectsMalformedJson) {
  expect_corrupt(safetensors_bytes(R"({"a":{"dtype":"F32",)", 0), "not valid JSON");
  expect_corrupt(safetensors_bytes("[1,2]", 0), "not a JSON object");
  expect_corrupt(safetensors_bytes(R"({"a":5})", 0), "not an object");
  expect_corrupt(safetensors_bytes(R"({"__metadata__":{"k":1}})", 0), "__metadata__");
  std::string deep(10000, '[');
  expect_corrupt(safetensors_bytes(deep, 0), "JSON");
}

TEST(SafetensorsReader, RejectsWrongElementTypes) {
  expect_corrupt(safetensors_bytes(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", 4), "dtype");
  expect_corrupt(
      safetensors_bytes(R"({"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}})", 4), "shape");
  expect_corrupt(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
                 "shape");
  expect_corrupt(
      safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4), "shape");
  expect_corrupt(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4),
                 "data_offsets");
  expect_corrupt(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,-4]}})", 4),
                 "data_offsets");
  auto unknown =
      parse(safetensors_bytes(R"({"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}})", 1));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnsupported);
  // Lower-case spellings are plexus manifest aliases, not safetensors dtypes.
  EXPECT_FALSE(
      parse(safetensors_bytes(R"({"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}})", 4))
          .ok());
}

TEST(SafetensorsReader, RejectsTooManyDimsAndOverflowingShapes) {
  expect_corrupt(
      safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1],"data_offsets":[0,4]}})", 4),
      "dimensions");
  expect_corrupt(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],)"
                                   R"("data_offsets":[0,4]}})",
                                   4),
                 "overflows");
  // numel fits in int64 but numel * 4 bytes does not.
  expect_corrupt(
      safetensors_bytes(
          R"({"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}})", 4),
      "overflows");
  expect_corrupt(
      safetensors_bytes(
          R"({"a":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4]}})", 4),
      "shape");
}

TEST(SafetensorsReader, RejectsOffsetsOutsideTheBufferOrWrongSizes) {
  expect_corrupt(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4),
                 "outside");
  expect_corrupt(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8),
                 "outside");
  expect_corrupt(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 8),
                 "need 8");
  expect_corrupt(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],)"
                                   R"("data_offsets":[18446744073709551612,0]}})",
                                   4),
                 "outside");
}

TEST(SafetensorsReader, RejectsOverlappingTensors) {
  expect_corrupt(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                   12),
                 "overlap");
}

}  // namespace
}  // namespace plexus::formats
