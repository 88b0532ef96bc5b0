// test_corpus.h — the tokenizer corpus and golden files (tools/tokenizer/) for the tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace plexus::tokenizer::testing {

// The corpus strings as bytes (some are not valid UTF-8).
std::vector<std::string> load_corpus();

struct GoldenCase {
  std::vector<int32_t> ids;  // add_special_tokens = false
  std::string decode;        // of prefix + ids + suffix, skip_special_tokens = false
  std::string decode_skip;   // same, skip_special_tokens = true
};

struct Golden {
  int32_t vocab_size = 0;
  std::vector<int32_t> prefix, suffix;
  std::vector<GoldenCase> cases;
};

Golden load_golden(const std::string& name);

// Path of the reference tokenizer.json of `name`: committed fixture or fetched model file;
// nullopt when neither exists (tools/tokenizer/fetch_tokenizers.py fetches them).
std::optional<std::string> reference_tokenizer(const std::string& name);

}  // namespace plexus::tokenizer::testing
