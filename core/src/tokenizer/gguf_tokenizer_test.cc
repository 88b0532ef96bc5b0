#include "gguf_tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "plexus/tokenizer.h"
#include "test_corpus.h"
#include "utf8.h"

namespace plexus::tokenizer {
namespace {

constexpr const char* kSmolGguf = "models/SmolLM2-135M-Instruct.Q4_1.gguf";

// The SmolLM2 GGUF's own metadata gives the same ids as HF's conversion of it on the corpus.
TEST(GgufTokenizerTest, SmolLm2GgufMatchesTokenizerJson) {
  if (!std::filesystem::exists(kSmolGguf)) {
    GTEST_SKIP() << kSmolGguf << " is not here: run tools/tokenizer/fetch_tokenizers.py "
                 << "(or scripts/fetch-model)";
  }
  auto tok = load_tokenizer_for_model(kSmolGguf);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const auto corpus = testing::load_corpus();
  const auto golden = testing::load_golden("smollm2");
  ASSERT_EQ(corpus.size(), golden.cases.size());
  int mismatches = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    if ((*tok)->encode(corpus[i], false) != golden.cases[i].ids && ++mismatches <= 5) {
      ADD_FAILURE() << "corpus[" << i << "] ids differ";
    }
    if ((*tok)->decode(golden.cases[i].ids, true) != golden.cases[i].decode_skip &&
        ++mismatches <= 5) {
      ADD_FAILURE() << "corpus[" << i << "] decode differs";
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ((*tok)->bos_id(), 1);
  EXPECT_EQ((*tok)->eos_id(), 2);
  EXPECT_FALSE((*tok)->adds_bos());  // tokenizer.ggml.add_bos_token = false
}

// A real SentencePiece-style vocabulary with byte fallback, written as a GGUF "llama" tokenizer
// (tools/tokenizer/fetch_tokenizers.py), gives HF's ids and decodes for its tokenizer.json.
TEST(GgufTokenizerTest, LlamaGgufMatchesTokenizerJson) {
  auto tok = load_tokenizer_for_model("tests/fixtures/tokenizer/spm-byte-fallback/tokenizer.gguf");
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const auto corpus = testing::load_corpus();
  const auto golden = testing::load_golden("spm-byte-fallback");
  ASSERT_EQ(corpus.size(), golden.cases.size());
  EXPECT_TRUE((*tok)->adds_bos());
  int mismatches = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    std::vector<int32_t> full = golden.prefix;
    full.insert(full.end(), golden.cases[i].ids.begin(), golden.cases[i].ids.end());
    if ((*tok)->encode(corpus[i], true) != full && ++mismatches <= 5) {
      ADD_FAILURE() << "corpus[" << i << "] ids differ";
    }
    if (((*tok)->decode(full, false) != golden.cases[i].decode ||
         (*tok)->decode(full, true) != golden.cases[i].decode_skip) &&
        ++mismatches <= 5) {
      ADD_FAILURE() << "corpus[" << i << "] decode differs";
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// A SentencePiece vocabulary without merges: pairs merge by the score of what they make.
TEST(GgufTokenizerTest, LlamaVocabularyMergesByScore) {
  GgufTokenizerMetadata meta;
  meta.model = "llama";
  meta.tokens = {"<unk>", "<s>", "</s>", "\u2581", "a", "b", "ab", "\u2581a", "\u2581ab"};
  meta.token_types = {2, 3, 3, 1, 1, 1, 1, 1, 1};
  meta.scores = {0, 0, 0, -1, -1, -1, -3, -2, -4};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    meta.tokens.push_back(name);
    meta.token_types.push_back(6);
    meta.scores.push_back(0);
  }
  meta.bos_id = 1;
  meta.eos_id = 2;
  meta.unk_id = 0;
  auto spec = spec_from_gguf_metadata(meta, "test");
  ASSERT_TRUE(spec.ok()) << spec.status().to_string();
  auto tok = BpeTokenizer::create(std::move(spec).value());
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  // "▁ab": ▁a (score -2) beats ab (-3); then ▁a + b = ▁ab (-4).
  EXPECT_EQ((*tok)->encode("ab", true), (std::vector<int32_t>{1, 8}));
  // "é" is not in the vocabulary: its two UTF-8 bytes as byte tokens (after "▁").
  const auto ids = (*tok)->encode("é", false);
  EXPECT_EQ(ids, (std::vector<int32_t>{3, 9 + 0xC3, 9 + 0xA9}));
  EXPECT_EQ((*tok)->decode(ids, true), "é");
  EXPECT_EQ((*tok)->decode((*tok)->encode("ab <s>b", true), true), "ab  b");
}

TEST(GgufTokenizerTest, RejectsBadMetadata) {
  GgufTokenizerMetadata meta;
  meta.model = "gpt2";
  EXPECT_FALSE(spec_from_gguf_metadata(meta, "empty").ok());
  meta.tokens = {"a", "b", "ab"};
  meta.merges = {"a b"};
  meta.pre = "no-such-pre";
  EXPECT_EQ(spec_from_gguf_metadata(meta, "pre").status().code(), StatusCode::kNotFound);
  meta.pre = "gpt-2";
  meta.bos_id = 7;
  EXPECT_EQ(spec_from_gguf_metadata(meta, "bos").status().code(), StatusCode::kCorruption);
  meta.bos_id.reset();
  meta.token_types = {1};
  EXPECT_EQ(spec_from_gguf_metadata(meta, "types").status().code(), StatusCode::kCorruption);
  meta.token_types.clear();
  meta.model = "bert";
  EXPECT_EQ(spec_from_gguf_metadata(meta, "model").status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace plexus::tokenizer

namespace plexus::tokenizer {
namespace {

// The real byte-level vocabularies written as GGUF "gpt2" tokenizers with their llama.cpp
// pre-tokenizer ids (tools/tokenizer/fetch_tokenizers.py): the GGUF path must give HF's ids.
// GGUF has no normalizer, so for Qwen2.5 (NFC in tokenizer.json) strings that NFC changes are
// left out.
class GgufVocabularyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufVocabularyTest, MatchesTokenizerJsonGolden) {
  const std::string path = "models/tokenizers/" + GetParam() + "/tokenizer.gguf";
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << path << " is not here: run tools/tokenizer/fetch_tokenizers.py";
  }
  auto tok = load_tokenizer_for_model(path);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  auto nfc = make_unicode_normalizer(UnicodeForm::kNfc);
  ASSERT_TRUE(nfc.ok());
  const auto corpus = testing::load_corpus();
  const auto golden = testing::load_golden(GetParam());
  ASSERT_EQ(corpus.size(), golden.cases.size());
  int mismatches = 0;
  std::size_t compared = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    if (GetParam() == "qwen2.5") {
      std::string text = repair_utf8(corpus[i]);
      (*nfc)->normalize(text);
      if (text != repair_utf8(corpus[i])) continue;
    }
    ++compared;
    if ((*tok)->encode(corpus[i], false) != golden.cases[i].ids && ++mismatches <= 5) {
      ADD_FAILURE() << GetParam() << " corpus[" << i << "] ids differ";
    }
    std::vector<int32_t> full = golden.prefix;
    full.insert(full.end(), golden.cases[i].ids.begin(), golden.cases[i].ids.end());
    full.insert(full.end(), golden.suffix.begin(), golden.suffix.end());
    if (((*tok)->decode(full, false) != golden.cases[i].decode ||
         (*tok)->decode(full, true) != golden.cases[i].decode_skip) &&
        ++mismatches <= 5) {
      ADD_FAILURE() << GetParam() << " corpus[" << i << "] decode differs";
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GE(compared, corpus.size() * 3 / 4);
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, GgufVocabularyTest,
                         ::testing::Values("llama3", "qwen2.5", "deepseek-v3"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace plexus::tokenizer
