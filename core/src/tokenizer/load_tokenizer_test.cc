#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "plexus/tokenizer.h"

namespace plexus {
namespace {

constexpr const char* kSmolDir = "tests/fixtures/tokenizer/smollm2";

TEST(LoadTokenizerTest, AcceptsDirectoryAndJsonFile) {
  auto from_dir = load_tokenizer_for_model(kSmolDir);
  ASSERT_TRUE(from_dir.ok()) << from_dir.status().to_string();
  auto from_file = load_tokenizer_for_model(std::string(kSmolDir) + "/tokenizer.json");
  ASSERT_TRUE(from_file.ok()) << from_file.status().to_string();
  const std::string text = "Hello <|im_start|>user\n12 apples";
  EXPECT_EQ((*from_dir)->encode(text, true), (*from_file)->encode(text, true));
  EXPECT_FALSE((*from_dir)->adds_bos());
}

TEST(LoadTokenizerTest, SpecialTokensAndVocabulary) {
  auto tok = load_tokenizer_for_model(kSmolDir);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const auto im_start = (*tok)->token_to_id("<|im_start|>");
  ASSERT_TRUE(im_start.has_value());
  EXPECT_TRUE((*tok)->is_special(*im_start));
  EXPECT_EQ((*tok)->id_to_token(*im_start), "<|im_start|>");
  const auto ids = (*tok)->encode("<|im_start|>", false);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0], *im_start);
  EXPECT_EQ((*tok)->decode(ids, true), "");
  EXPECT_EQ((*tok)->decode(ids, false), "<|im_start|>");
  const auto space_the = (*tok)->token_to_id("\u0120the");  // "Ġthe"
  ASSERT_TRUE(space_the.has_value());
  EXPECT_FALSE((*tok)->is_special(*space_the));
  EXPECT_EQ((*tok)->decode(std::vector<int32_t>{*space_the}, false), " the");
  EXPECT_FALSE((*tok)->id_to_token(-1).has_value());
  EXPECT_FALSE((*tok)->id_to_token((*tok)->vocab_size()).has_value());
}

TEST(LoadTokenizerTest, AddsBosFromTemplate) {
  auto tok = load_tokenizer_for_model("tests/fixtures/tokenizer/spm-byte-fallback");
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  ASSERT_TRUE((*tok)->bos_id().has_value());
  EXPECT_TRUE((*tok)->adds_bos());
  EXPECT_EQ((*tok)->encode("hi", true).front(), *(*tok)->bos_id());
  EXPECT_NE((*tok)->encode("hi", false).front(), *(*tok)->bos_id());
}

TEST(LoadTokenizerTest, ErrorsSayWhatIsWrong) {
  auto missing = load_tokenizer_for_model("/nonexistent/model");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);

  const auto dir = std::filesystem::temp_directory_path() / "plexus_tokenizer_test";
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  auto bad_json = load_tokenizer_json(write("bad.json", "{\"model\": "));
  ASSERT_FALSE(bad_json.ok());
  EXPECT_EQ(bad_json.status().code(), StatusCode::kCorruption);

  auto unigram = load_tokenizer_json(write("unigram.json", R"({"model": {"type": "Unigram"}})"));
  ASSERT_FALSE(unigram.ok());
  EXPECT_EQ(unigram.status().code(), StatusCode::kUnsupported);

  auto bad_merge = load_tokenizer_json(
      write("merge.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})"));
  ASSERT_FALSE(bad_merge.ok());
  EXPECT_NE(bad_merge.status().message().find("a b"), std::string::npos);

  auto bad_bos = load_tokenizer_json(
      write("bos.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
        "post_processor": {"type": "TemplateProcessing",
          "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}],
          "special_tokens": {"<s>": {"ids": [99]}}}})"));
  ASSERT_FALSE(bad_bos.ok());
  EXPECT_NE(bad_bos.status().message().find("99"), std::string::npos);

  auto not_gguf = load_tokenizer_for_model(write("x.gguf", "not a gguf"));
  EXPECT_FALSE(not_gguf.ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace plexus
