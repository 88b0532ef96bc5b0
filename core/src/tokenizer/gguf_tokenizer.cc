#include "gguf_tokenizer.h"

#include <set>

#include "byte_level.h"
#include "utf8.h"

namespace plexus::tokenizer {
namespace {

constexpr std::string_view kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// DeepSeek-V3's three splits, as its tokenizer.json has them.
constexpr std::string_view kDeepSeekV3Digits = R"(\p{N}{1,3})";
constexpr std::string_view kDeepSeekV3Cjk = "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+";
constexpr std::string_view kDeepSeekV3Words =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

constexpr int kTypeUnknown = 2;
constexpr int kTypeControl = 3;
constexpr int kTypeUserDefined = 4;

}  // namespace

Result<std::vector<std::string>> gguf_pre_tokenizer_patterns(std::string_view pre) {
  static const std::set<std::string_view> kGpt2 = {"", "default", "gpt-2", "gpt2"};
  static const std::set<std::string_view> kLlama3 = {"llama3",  "llama-v3", "llama-bpe",
                                                     "falcon3", "dbrx",     "smaug-bpe"};
  static const std::set<std::string_view> kQwen2 = {"qwen2", "deepseek-r1-qwen", "megrez"};
  if (kGpt2.contains(pre)) return std::vector<std::string>{std::string(kGpt2Pattern)};
  if (pre == "smollm") {
    return std::vector<std::string>{R"(\p{N})", std::string(kGpt2Pattern)};
  }
  if (kLlama3.contains(pre)) return std::vector<std::string>{std::string(kLlama3Pattern)};
  if (kQwen2.contains(pre)) return std::vector<std::string>{std::string(kQwen2Pattern)};
  if (pre == "deepseek-v3") {
    return std::vector<std::string>{std::string(kDeepSeekV3Digits), std::string(kDeepSeekV3Cjk),
                                    std::string(kDeepSeekV3Words)};
  }
  return Status::not_found("GGUF tokenizer.ggml.pre '" + std::string(pre) +
                           "' is not known to plexus (known: gpt-2, smollm, llama-bpe, llama3, "
                           "qwen2, deepseek-r1-qwen, deepseek-v3); load the model's "
                           "tokenizer.json instead");
}

Result<TokenizerSpec> spec_from_gguf_metadata(GgufTokenizerMetadata meta, const std::string& name) {
  const auto where = [&](std::string_view what) { return name + ": " + std::string(what); };
  if (meta.tokens.empty()) return Status::corruption(where("tokenizer.ggml.tokens is empty"));
  if (!meta.token_types.empty() && meta.token_types.size() != meta.tokens.size()) {
    return Status::corruption(where("tokenizer.ggml.token_type has " +
                                    std::to_string(meta.token_types.size()) + " entries for " +
                                    std::to_string(meta.tokens.size()) + " tokens"));
  }
  const auto n = static_cast<int64_t>(meta.tokens.size());
  for (const auto* id : {&meta.bos_id, &meta.eos_id, &meta.unk_id}) {
    if (id->has_value() && (**id < 0 || **id >= n)) {
      return Status::corruption(where("a special token id is outside the vocabulary"));
    }
  }
  // Token strings come from the file: make sure they are UTF-8 before anything uses them.
  for (std::string& t : meta.tokens) {
    if (!is_valid_utf8(t)) t = repair_utf8(t);
  }

  TokenizerSpec spec;
  spec.bos_id = meta.bos_id;
  spec.eos_id = meta.eos_id;
  for (std::size_t id = 0; id < meta.token_types.size(); ++id) {
    const int type = meta.token_types[id];
    if (type != kTypeUnknown && type != kTypeControl && type != kTypeUserDefined) continue;
    AddedToken t;
    t.id = static_cast<int32_t>(id);
    t.content = meta.tokens[id];
    t.special = type != kTypeUserDefined;
    t.normalized = false;
    if (!t.content.empty()) spec.added_tokens.push_back(std::move(t));
  }

  if (meta.model == "gpt2") {
    // The vocabulary is spelled in the byte-level alphabet; a token that is not (some
    // converters write added tokens in plain UTF-8) is respelled, as transformers does.
    const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
    spec.model.vocab.reserve(meta.tokens.size());
    for (const std::string& t : meta.tokens) {
      bool in_alphabet = true;
      for (std::size_t pos = 0; pos < t.size(); pos += char_length(t, pos)) {
        in_alphabet &= alphabet.byte_of(decode_char(t, pos)) >= 0;
      }
      if (in_alphabet) {
        spec.model.vocab.push_back(t);
      } else {
        std::string spelled;
        alphabet.spell_all(t, spelled);
        spec.model.vocab.push_back(std::move(spelled));
      }
    }
    for (const std::string& m : meta.merges) {
      const std::size_t space = m.find(' ');
      if (space == std::string::npos) {
        return Status::corruption(
            where("tokenizer.ggml.merges entry '" + m + "' is not 'left right'"));
      }
      spec.model.merges.emplace_back(m.substr(0, space), m.substr(space + 1));
    }
    if (spec.model.merges.empty()) {
      return Status::corruption(where("a gpt2 tokenizer needs tokenizer.ggml.merges"));
    }
    PLEXUS_ASSIGN_OR_RETURN(auto patterns, gguf_pre_tokenizer_patterns(meta.pre));
    for (const std::string& p : patterns) {
      SplitStep step;
      PLEXUS_ASSIGN_OR_RETURN(step.regex, Regex::compile(p));
      spec.pre_tokenizer.add_split(std::move(step));
    }
    spec.pre_tokenizer.set_byte_level();
    spec.decoder.add(ByteLevelDecode{});
    if (meta.add_bos.value_or(false) && meta.bos_id) spec.prefix_ids.push_back(*meta.bos_id);
  } else if (meta.model == "llama") {
    spec.model.vocab = meta.tokens;
    if (!meta.merges.empty()) {
      for (const std::string& m : meta.merges) {
        const std::size_t space = m.find(' ');
        if (space == std::string::npos) {
          return Status::corruption(
              where("tokenizer.ggml.merges entry '" + m + "' is not 'left right'"));
        }
        spec.model.merges.emplace_back(m.substr(0, space), m.substr(space + 1));
      }
    } else if (meta.scores.size() == meta.tokens.size()) {
      spec.model.scores = meta.scores;
    } else {
      return Status::corruption(
          where("a llama tokenizer needs tokenizer.ggml.scores for every "
                "token (or merges)"));
    }
    spec.model.byte_fallback = true;
    spec.model.fuse_unk = true;
    if (meta.unk_id) spec.model.unk_token = meta.tokens[*meta.unk_id];
    std::vector<std::unique_ptr<Normalizer>> steps;
    if (meta.add_space_prefix.value_or(true)) steps.push_back(make_prepend_normalizer("\u2581"));
    steps.push_back(make_replace_normalizer(" ", "\u2581"));
    spec.normalizer = make_sequence_normalizer(std::move(steps));
    spec.decoder.add(ReplaceDecode{"\u2581", " "});
    spec.decoder.add(ByteFallbackDecode{});
    spec.decoder.add(FuseDecode{});
    if (meta.add_space_prefix.value_or(true)) spec.decoder.add(StripDecode{" ", 1, 0});
    if (meta.add_bos.value_or(true) && meta.bos_id) spec.prefix_ids.push_back(*meta.bos_id);
  } else {
    return Status::unsupported(where("tokenizer.ggml.model '" + meta.model +
                                     "' is not supported (plexus reads gpt2 and llama)"));
  }
  if (meta.add_eos.value_or(false) && meta.eos_id) spec.suffix_ids.push_back(*meta.eos_id);
  return spec;
}

}  // namespace plexus::tokenizer
