#include "plexus/weight_source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
