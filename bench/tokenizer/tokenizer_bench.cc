// plexus_tokenizer_bench: single-threaded encode throughput of plexus' tokenizer on the test
// corpus, to compare with HF tokenizers (hf_bench.py; both driven by run.sh).
//
// Usage: plexus_tokenizer_bench TOKENIZER CORPUS.jsonl MODE SECONDS
//   MODE "strings": encode every corpus string separately (like a server's requests);
//   MODE "document": encode the corpus strings joined by "\n" (repeated to ~1 MB) as one text.
// Prints one JSON line: {"mode", "bytes", "tokens", "seconds", "mb_per_s", "passes"}.
#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "plexus/tokenizer.h"

namespace {

std::vector<std::string> load_corpus(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto doc = boost::json::parse(line).as_object();
    if (const auto* text = doc.if_contains("text")) {
      out.emplace_back(text->as_string());
    } else {
      // Same input as HF sees: the bench feeds HF the lossy decode of these bytes, and plexus
      // repairs them the same way; use the raw bytes here.
      const std::string hex(doc.at("hex").as_string());
      std::string bytes;
      for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
      }
      out.push_back(std::move(bytes));
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s TOKENIZER CORPUS.jsonl strings|document SECONDS\n", argv[0]);
    return 2;
  }
  auto tok = plexus::load_tokenizer_for_model(argv[1]);
  if (!tok.ok()) {
    std::fprintf(stderr, "%s\n", tok.status().to_string().c_str());
    return 1;
  }
  std::vector<std::string> texts = load_corpus(argv[2]);
  const std::string mode = argv[3];
  const double budget = std::stod(argv[4]);
  if (mode == "document") {
    std::string doc;
    while (doc.size() < (1u << 20)) {
      for (const std::string& t : texts) doc += t + "\n";
    }
    texts.assign(1, std::move(doc));
  } else if (mode != "strings") {
    std::fprintf(stderr, "mode must be strings or document\n");
    return 2;
  }
  std::size_t bytes_per_pass = 0;
  for (const std::string& t : texts) bytes_per_pass += t.size();

  std::size_t tokens = 0;
  for (const std::string& t : texts) tokens += (*tok)->encode(t, false).size();  // warm-up
  const std::size_t tokens_per_pass = tokens;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  int passes = 0;
  double seconds = 0;
  do {
    for (const std::string& t : texts) tokens += (*tok)->encode(t, false).size();
    ++passes;
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
  } while (seconds < budget);
  std::printf(
      "{\"mode\": \"%s\", \"bytes\": %zu, \"tokens\": %zu, \"seconds\": %.4f, \"mb_per_s\": "
      "%.3f, \"passes\": %d}\n",
      mode.c_str(), bytes_per_pass, tokens_per_pass, seconds,
      static_cast<double>(bytes_per_pass) * passes / seconds / 1e6, passes);
  return 0;
}
