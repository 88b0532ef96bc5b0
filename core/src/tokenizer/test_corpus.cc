#include "test_corpus.h"

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace plexus::tokenizer::testing {
namespace {

std::vector<boost::json::value> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path + " (run tests from the repo root)");
  std::vector<boost::json::value> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(boost::json::parse(line));
  }
  return out;
}

std::vector<int32_t> ids_of(const boost::json::value& v) {
  std::vector<int32_t> out;
  for (const auto& x : v.as_array()) out.push_back(static_cast<int32_t>(x.as_int64()));
  return out;
}

}  // namespace

std::vector<std::string> load_corpus() {
  std::vector<std::string> out;
  for (const auto& v : read_jsonl("tests/fixtures/tokenizer/corpus.jsonl")) {
    const auto& o = v.as_object();
    if (const auto* text = o.if_contains("text")) {
      out.emplace_back(text->as_string());
    } else {
      const std::string hex(o.at("hex").as_string());
      std::string bytes;
      for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
      }
      out.push_back(std::move(bytes));
    }
  }
  return out;
}

Golden load_golden(const std::string& name) {
  const auto lines = read_jsonl("tests/fixtures/tokenizer/golden/" + name + ".jsonl");
  Golden g;
  const auto& header = lines.at(0).as_object();
  g.vocab_size = static_cast<int32_t>(header.at("vocab_size").as_int64());
  g.prefix = ids_of(header.at("special_prefix"));
  g.suffix = ids_of(header.at("special_suffix"));
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto& o = lines[i].as_object();
    g.cases.push_back(GoldenCase{ids_of(o.at("ids")), std::string(o.at("decode").as_string()),
                                 std::string(o.at("decode_skip").as_string())});
  }
  return g;
}

std::optional<std::string> reference_tokenizer(const std::string& name) {
  for (const std::string root : {"tests/fixtures/tokenizer/", "models/tokenizers/"}) {
    const std::string path = root + name + "/tokenizer.json";
    if (std::filesystem::exists(path)) return path;
  }
  return std::nullopt;
}

}  // namespace plexus::tokenizer::testing
