#include "plexus/weight_source.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "memory/process_memory.h"
#include "test_writers.h"

namespace plexus {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  explicit TempDir(std::string_view name) : path_(formats::testing::temp_path(std::string(name))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(std::string_view name) const { return (fs::path(path_) / name).string(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void write_text(const std::string& path, std::string_view text) { std::ofstream(path) << text; }

TEST(OpenWeightSource, ExplainsWhatItCannotOpen) {
  auto missing = open_weight_source("no/such/model");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  TempDir dir("open");
  write_text(dir.file("notes.txt"), "hello");
  auto text = open_weight_source(dir.file("notes.txt"));
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("neither a GGUF file"), std::string::npos);
  auto empty_dir = open_weight_source(dir.path());
  ASSERT_FALSE(empty_dir.ok());
  EXPECT_NE(empty_dir.status().message().find("config.json"), std::string::npos);
  write_text(dir.file("config.json"), "{}");
  auto no_weights = open_weight_source(dir.path());
  ASSERT_FALSE(no_weights.ok());
  EXPECT_NE(no_weights.status().message().find("model.safetensors"), std::string::npos);
  write_text(dir.file("config.json"), "{\"a\": ");
  auto bad_config = open_weight_source(dir.path());
  ASSERT_FALSE(bad_config.ok());
  EXPECT_EQ(bad_config.status().code(), StatusCode::kCorruption);
}

// RssFile of this process, in KiB (file-backed resident pages, which the mapping's are).
std::int64_t rss_file_kib() { return read_process_memory().file / 1024; }

TEST(OpenWeightSource, ReleasePagesDropsTheMappingFromTheResidentSetAndKeepsTheData) {
  TempDir dir("release");
  write_text(dir.file("config.json"), "{}");
  constexpr std::int64_t kFloats = std::int64_t{4} << 20;  // 16 MiB
  const std::string header = R"({"w":{"dtype":"F32","shape":[)" + std::to_string(kFloats) +
                             R"(],"data_offsets":[0,)" + std::to_string(kFloats * 4) + "]}}";
  std::vector<float> values(static_cast<std::size_t>(kFloats));
  for (std::int64_t i = 0; i < kFloats; ++i) values[std::size_t(i)] = float(i % 1000);
  {
    std::ofstream out(dir.file("model.safetensors"), std::ios::binary);
    const std::uint64_t length = header.size();
    out.write(reinterpret_cast<const char*>(&length), 8);
    out << header;
    out.write(reinterpret_cast<const char*>(values.data()), std::streamsize(kFloats * 4));
  }
  auto source = open_weight_source(dir.path());
  ASSERT_TRUE(source.ok()) << source.status().to_string();
  auto check = [&] {
    auto w = (*source)->load("w", DType::kF32);
    ASSERT_TRUE(w.ok()) << w.status().to_string();
    ASSERT_EQ(0, std::memcmp(w->tensor.data(), values.data(), values.size() * 4));
  };
  auto touch = [&] {  // reads every page of the tensor in place
    auto raw = (*source)->raw("w");
    ASSERT_TRUE(raw.ok());
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < raw->nbytes; i += 4096) sum += std::uint8_t(raw->data[i]);
    volatile std::uint64_t sink = sum;
    (void)sink;
  };
  touch();
  std::int64_t before = rss_file_kib();
  (*source)->release_pages();
  std::int64_t after = rss_file_kib();
  ASSERT_GT(before, 0);
  EXPECT_LT(after, before - 12 * 1024) << "RssFile " << before << " -> " << after << " KiB";
  check();  // still readable: faulted back in

  // load() drops the pages of the tensor it has just copied, so a checkpoint is not held twice
  // while it loads.
  touch();
  before = rss_file_kib();
  check();
  after = rss_file_kib();
  EXPECT_LT(after, before - 12 * 1024) << "RssFile " << before << " -> " << after << " KiB";
}

TEST(OpenWeightSource, RefusesBadShardIndexes) {
  TempDir dir("index");
  write_text(dir.file("config.json"), "{}");
  fs::copy_file("core/src/formats/testdata/dtypes.safetensors", dir.file("a.safetensors"));
  write_text(dir.file("model.safetensors.index.json"),
             R"({"weight_map": {"f32": "../a.safetensors"}})");
  auto escape = open_weight_source(dir.path());
  ASSERT_FALSE(escape.ok());
  EXPECT_NE(escape.status().message().find("plain file names"), std::string::npos);
  write_text(dir.file("model.safetensors.index.json"),
             R"({"weight_map": {"missing": "a.safetensors"}})");
  auto missing = open_weight_source(dir.path());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no such tensor"), std::string::npos);
  write_text(dir.file("model.safetensors.index.json"), R"({"weights": {}})");
  EXPECT_FALSE(open_weight_source(dir.path()).ok());
  write_text(dir.file("model.safetensors.index.json"),
             R"({"weight_map": {"f32": "a.safetensors"}})");
  auto ok = open_weight_source(dir.path());
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ((*ok)->names(), std::vector<std::string>{"f32"});
  auto none = (*ok)->load("f16", DType::kF32);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

TEST(OpenWeightSource, CorruptGgufNamesTheFile) {
  TempDir dir("gguf");
  formats::testing::ByteWriter w = formats::testing::valid_gguf();
  w.data().resize(w.size() - 1);  // tensor data one byte short
  formats::testing::write_file(dir.file("m.gguf"), w.data());
  auto r = open_weight_source(dir.file("m.gguf"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find(dir.file("m.gguf")), std::string::npos);
  EXPECT_NE(r.status().message().find("t.weight"), std::string::npos);
}

TEST(OpenWeightSource, GgufWithoutArchitectureIsRefused) {
  TempDir dir("arch");
  formats::testing::write_file(dir.file("m.gguf"), formats::testing::valid_gguf().data());
  auto r = open_weight_source(dir.file("m.gguf"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("general.architecture"), std::string::npos);
}

}  // namespace
}  // namespace plexus
