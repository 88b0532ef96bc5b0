#include "tokenizer_json.h"

#include <boost/json.hpp>

#include <unordered_map>

namespace plexus::tokenizer {
namespace json = boost::json;
namespace {

// Errors carry the file name and the JSON path of the offending value.
class Parser {
 public:
  explicit Parser(const std::string& name) : name_(name) {}

  Status error(std::string_view where, std::string_view what) const {
    return Status::corruption(name_ + ": " + std::string(where) + ": " + std::string(what));
  }
  Status unsupported(std::string_view where, std::string_view what) const {
    return Status::unsupported(name_ + ": " + std::string(where) + ": " + std::string(what) +
                               " is not supported by plexus' tokenizer");
  }

  Result<std::string> get_string(const json::object& o, std::string_view key,
                                 std::string_view where) const {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) {
      return error(where, "'" + std::string(key) + "' must be a string");
    }
    return std::string(v->get_string());
  }
  bool get_bool(const json::object& o, std::string_view key, bool fallback) const {
    const json::value* v = o.if_contains(key);
    return v != nullptr && v->is_bool() ? v->get_bool() : fallback;
  }
  std::string type_of(const json::object& o) const {
    const json::value* v = o.if_contains("type");
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  }

  Status model(const json::object& m, BpeModelConfig& out) const;
  Status added_tokens(const json::value& v, std::vector<AddedToken>& out) const;
  Result<std::unique_ptr<Normalizer>> normalizer(const json::value& v) const;
  Status pre_tokenizer(const json::value& v, PreTokenizer& out) const;
  Status decoder(const json::value& v, Decoder& out) const;
  Result<PrependScheme> prepend_scheme(const json::object& o, std::string_view where) const;
  Status post_processor(const json::value& v, TokenizerSpec& spec) const;

 private:
  const std::string& name_;
};

Status Parser::model(const json::object& m, BpeModelConfig& out) const {
  const std::string type = type_of(m);
  if (!type.empty() && type != "BPE") return unsupported("model.type", "model type " + type);
  const json::value* vocab = m.if_contains("vocab");
  if (vocab == nullptr || !vocab->is_object()) return error("model.vocab", "must be an object");
  // Ids are dense in real files; bounding them by the entry count keeps a hostile file from
  // making the id table huge.
  const auto max_id = static_cast<int64_t>(vocab->get_object().size()) * 2 + 65536;
  for (const auto& [token, id] : vocab->get_object()) {
    if (!id.is_int64() || id.get_int64() < 0 || id.get_int64() > max_id) {
      return error("model.vocab", "id of '" + std::string(token) + "' is not a valid id (ids " +
                                      "run from 0 to about the number of tokens)");
    }
    const auto index = static_cast<std::size_t>(id.get_int64());
    if (index >= out.vocab.size()) out.vocab.resize(index + 1);
    out.vocab[index] = std::string(token);
  }
  if (const json::value* merges = m.if_contains("merges")) {
    if (!merges->is_array()) return error("model.merges", "must be an array");
    out.merges.reserve(merges->get_array().size());
    for (const json::value& merge : merges->get_array()) {
      if (merge.is_string()) {
        const std::string_view s = merge.get_string();
        const std::size_t space = s.find(' ');
        if (space == std::string_view::npos || s.find(' ', space + 1) != std::string_view::npos) {
          return error("model.merges", "merge '" + std::string(s) + "' is not 'left right'");
        }
        out.merges.emplace_back(std::string(s.substr(0, space)), std::string(s.substr(space + 1)));
      } else if (merge.is_array() && merge.get_array().size() == 2 &&
                 merge.get_array()[0].is_string() && merge.get_array()[1].is_string()) {
        out.merges.emplace_back(std::string(merge.get_array()[0].get_string()),
                                std::string(merge.get_array()[1].get_string()));
      } else {
        return error("model.merges", "each merge must be 'left right' or [left, right]");
      }
    }
  }
  for (const char* affix : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const json::value* v = m.if_contains(affix);
    if (v != nullptr && v->is_string() && !v->get_string().empty()) {
      return unsupported(std::string("model.") + affix, "a non-empty " + std::string(affix));
    }
  }
  if (const json::value* unk = m.if_contains("unk_token"); unk != nullptr && unk->is_string()) {
    out.unk_token = std::string(unk->get_string());
  }
  out.byte_fallback = get_bool(m, "byte_fallback", false);
  out.fuse_unk = get_bool(m, "fuse_unk", false);
  out.ignore_merges = get_bool(m, "ignore_merges", false);
  return Status();
}

Status Parser::added_tokens(const json::value& v, std::vector<AddedToken>& out) const {
  if (v.is_null()) return Status();
  if (!v.is_array()) return error("added_tokens", "must be an array");
  for (const json::value& item : v.get_array()) {
    if (!item.is_object()) return error("added_tokens", "each entry must be an object");
    const json::object& o = item.get_object();
    AddedToken t;
    const json::value* id = o.if_contains("id");
    if (id == nullptr || !id->is_int64() || id->get_int64() < 0 || id->get_int64() > (1 << 30)) {
      return error("added_tokens", "each entry needs a non-negative integer 'id'");
    }
    t.id = static_cast<int32_t>(id->get_int64());
    PLEXUS_ASSIGN_OR_RETURN(t.content, get_string(o, "content", "added_tokens"));
    t.special = get_bool(o, "special", false);
    t.normalized = get_bool(o, "normalized", !t.special);
    t.lstrip = get_bool(o, "lstrip", false);
    t.rstrip = get_bool(o, "rstrip", false);
    t.single_word = get_bool(o, "single_word", false);
    out.push_back(std::move(t));
  }
  return Status();
}

Result<std::unique_ptr<Normalizer>> Parser::normalizer(const json::value& v) const {
  if (v.is_null()) return std::unique_ptr<Normalizer>();
  if (!v.is_object()) return error("normalizer", "must be an object or null");
  const json::object& o = v.get_object();
  const std::string type = type_of(o);
  if (type == "Sequence") {
    const json::value* list = o.if_contains("normalizers");
    if (list == nullptr || !list->is_array()) return error("normalizer", "'normalizers' missing");
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (const json::value& step : list->get_array()) {
      PLEXUS_ASSIGN_OR_RETURN(auto n, normalizer(step));
      if (n) steps.push_back(std::move(n));
    }
    return make_sequence_normalizer(std::move(steps));
  }
  if (type == "NFC") return make_unicode_normalizer(UnicodeForm::kNfc);
  if (type == "NFKC") return make_unicode_normalizer(UnicodeForm::kNfkc);
  if (type == "NFD") return make_unicode_normalizer(UnicodeForm::kNfd);
  if (type == "NFKD") return make_unicode_normalizer(UnicodeForm::kNfkd);
  if (type == "Prepend") {
    PLEXUS_ASSIGN_OR_RETURN(std::string prefix, get_string(o, "prepend", "normalizer.Prepend"));
    return make_prepend_normalizer(std::move(prefix));
  }
  if (type == "Replace") {
    const json::value* pattern = o.if_contains("pattern");
    const json::value* literal = pattern != nullptr && pattern->is_object()
                                     ? pattern->get_object().if_contains("String")
                                     : nullptr;
    if (literal == nullptr || !literal->is_string()) {
      return unsupported("normalizer.Replace", "a pattern other than {\"String\": ...}");
    }
    PLEXUS_ASSIGN_OR_RETURN(std::string content, get_string(o, "content", "normalizer.Replace"));
    return make_replace_normalizer(std::string(literal->get_string()), std::move(content));
  }
  return unsupported("normalizer", "normalizer type '" + type + "'");
}

std::string quote_regex(std::string_view literal) {
  std::string out;
  for (const char c : literal) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

Status Parser::pre_tokenizer(const json::value& v, PreTokenizer& out) const {
  if (v.is_null()) return Status();
  if (!v.is_object()) return error("pre_tokenizer", "must be an object or null");
  const json::object& o = v.get_object();
  const std::string type = type_of(o);
  if (type == "Sequence") {
    const json::value* list = o.if_contains("pretokenizers");
    if (list == nullptr || !list->is_array()) {
      return error("pre_tokenizer", "'pretokenizers' missing");
    }
    for (const json::value& step : list->get_array()) {
      PLEXUS_RETURN_IF_ERROR(pre_tokenizer(step, out));
    }
    return Status();
  }
  if (type == "Split") {
    const json::value* pattern = o.if_contains("pattern");
    if (pattern == nullptr || !pattern->is_object()) {
      return error("pre_tokenizer.Split", "'pattern' missing");
    }
    std::string regex;
    if (const json::value* r = pattern->get_object().if_contains("Regex"); r && r->is_string()) {
      regex = std::string(r->get_string());
    } else if (const json::value* s = pattern->get_object().if_contains("String");
               s && s->is_string()) {
      regex = quote_regex(s->get_string());
    } else {
      return error("pre_tokenizer.Split", "'pattern' must hold 'Regex' or 'String'");
    }
    SplitStep step;
    PLEXUS_ASSIGN_OR_RETURN(step.regex, Regex::compile(regex));
    const std::string behavior = o.if_contains("behavior") && o.at("behavior").is_string()
                                     ? std::string(o.at("behavior").get_string())
                                     : std::string("Isolated");
    if (behavior == "Isolated") {
      step.behavior = SplitBehavior::kIsolated;
    } else if (behavior == "Removed") {
      step.behavior = SplitBehavior::kRemoved;
    } else {
      return unsupported("pre_tokenizer.Split", "behavior '" + behavior + "'");
    }
    step.invert = get_bool(o, "invert", false);
    out.add_split(std::move(step));
    return Status();
  }
  if (type == "Digits") {
    SplitStep step;
    PLEXUS_ASSIGN_OR_RETURN(
        step.regex, Regex::compile(get_bool(o, "individual_digits", false) ? "\\p{N}" : "\\p{N}+"));
    out.add_split(std::move(step));
    return Status();
  }
  if (type == "ByteLevel") {
    if (get_bool(o, "add_prefix_space", false)) {
      if (out.num_steps() > 0) {
        return unsupported("pre_tokenizer.ByteLevel",
                           "add_prefix_space after another pre-tokenizer step");
      }
      out.set_add_prefix_space();
    }
    if (get_bool(o, "use_regex", true)) {
      SplitStep step;
      PLEXUS_ASSIGN_OR_RETURN(step.regex, Regex::compile(kGpt2Pattern));
      out.add_split(std::move(step));
    }
    out.set_byte_level();
    return Status();
  }
  if (type == "Metaspace") {
    if (out.num_steps() > 0 || out.byte_level()) {
      return unsupported("pre_tokenizer.Metaspace", "Metaspace after another step");
    }
    MetaspaceStep step;
    PLEXUS_ASSIGN_OR_RETURN(step.replacement,
                            get_string(o, "replacement", "pre_tokenizer.Metaspace"));
    PLEXUS_ASSIGN_OR_RETURN(step.prepend_scheme, prepend_scheme(o, "pre_tokenizer.Metaspace"));
    step.split = get_bool(o, "split", true);
    out.set_metaspace(std::move(step));
    return Status();
  }
  return unsupported("pre_tokenizer", "pre-tokenizer type '" + type + "'");
}

Result<PrependScheme> Parser::prepend_scheme(const json::object& o, std::string_view where) const {
  const json::value* scheme = o.if_contains("prepend_scheme");
  if (scheme == nullptr || !scheme->is_string()) {
    // Older files: add_prefix_space.
    return get_bool(o, "add_prefix_space", true) ? PrependScheme::kAlways : PrependScheme::kNever;
  }
  const std::string_view s = scheme->get_string();
  if (s == "always") return PrependScheme::kAlways;
  if (s == "first") return PrependScheme::kFirst;
  if (s == "never") return PrependScheme::kNever;
  return error(where, "prepend_scheme must be always, first or never");
}

Status Parser::decoder(const json::value& v, Decoder& out) const {
  if (v.is_null()) return Status();
  if (!v.is_object()) return error("decoder", "must be an object or null");
  const json::object& o = v.get_object();
  const std::string type = type_of(o);
  if (type == "Sequence") {
    const json::value* list = o.if_contains("decoders");
    if (list == nullptr || !list->is_array()) return error("decoder", "'decoders' missing");
    for (const json::value& step : list->get_array()) PLEXUS_RETURN_IF_ERROR(decoder(step, out));
    return Status();
  }
  if (type == "ByteLevel") {
    out.add(ByteLevelDecode{});
  } else if (type == "ByteFallback") {
    out.add(ByteFallbackDecode{});
  } else if (type == "Fuse") {
    out.add(FuseDecode{});
  } else if (type == "Replace") {
    const json::value* pattern = o.if_contains("pattern");
    const json::value* literal = pattern != nullptr && pattern->is_object()
                                     ? pattern->get_object().if_contains("String")
                                     : nullptr;
    if (literal == nullptr || !literal->is_string()) {
      return unsupported("decoder.Replace", "a pattern other than {\"String\": ...}");
    }
    PLEXUS_ASSIGN_OR_RETURN(std::string content, get_string(o, "content", "decoder.Replace"));
    out.add(ReplaceDecode{std::string(literal->get_string()), std::move(content)});
  } else if (type == "Metaspace") {
    MetaspaceDecode m;
    PLEXUS_ASSIGN_OR_RETURN(m.replacement, get_string(o, "replacement", "decoder.Metaspace"));
    PLEXUS_ASSIGN_OR_RETURN(auto scheme, prepend_scheme(o, "decoder.Metaspace"));
    m.prepended = scheme != PrependScheme::kNever;
    out.add(std::move(m));
  } else if (type == "Strip") {
    StripDecode s;
    PLEXUS_ASSIGN_OR_RETURN(s.content, get_string(o, "content", "decoder.Strip"));
    const json::value* start = o.if_contains("start");
    const json::value* stop = o.if_contains("stop");
    s.start = start && start->is_int64() && start->get_int64() > 0 ? start->get_int64() : 0;
    s.stop = stop && stop->is_int64() && stop->get_int64() > 0 ? stop->get_int64() : 0;
    out.add(std::move(s));
  } else {
    return unsupported("decoder", "decoder type '" + type + "'");
  }
  return Status();
}

Status Parser::post_processor(const json::value& v, TokenizerSpec& spec) const {
  if (v.is_null()) return Status();
  if (!v.is_object()) return error("post_processor", "must be an object or null");
  const json::object& o = v.get_object();
  const std::string type = type_of(o);
  if (type == "Sequence") {
    const json::value* list = o.if_contains("processors");
    if (list == nullptr || !list->is_array())
      return error("post_processor", "'processors' missing");
    for (const json::value& p : list->get_array()) {
      PLEXUS_RETURN_IF_ERROR(post_processor(p, spec));
    }
    return Status();
  }
  if (type == "ByteLevel") return Status();  // changes offsets only
  if (type == "TemplateProcessing") {
    const json::value* single = o.if_contains("single");
    const json::value* specials = o.if_contains("special_tokens");
    if (single == nullptr || !single->is_array()) {
      return error("post_processor.TemplateProcessing", "'single' missing");
    }
    bool seen_sequence = false;
    for (const json::value& item : single->get_array()) {
      if (!item.is_object()) return error("post_processor.single", "entries must be objects");
      const json::object& entry = item.get_object();
      if (entry.contains("Sequence")) {
        seen_sequence = true;
        continue;
      }
      const json::value* special = entry.if_contains("SpecialToken");
      if (special == nullptr || !special->is_object()) {
        return error("post_processor.single", "entries are Sequence or SpecialToken");
      }
      PLEXUS_ASSIGN_OR_RETURN(std::string name,
                              get_string(special->get_object(), "id", "post_processor.single"));
      const json::value* def = specials != nullptr && specials->is_object()
                                   ? specials->get_object().if_contains(name)
                                   : nullptr;
      const json::value* ids =
          def != nullptr && def->is_object() ? def->get_object().if_contains("ids") : nullptr;
      if (ids == nullptr || !ids->is_array()) {
        return error("post_processor.special_tokens", "no ids for '" + name + "'");
      }
      for (const json::value& id : ids->get_array()) {
        if (!id.is_int64() || id.get_int64() < 0 || id.get_int64() > (1 << 30)) {
          return error("post_processor.special_tokens", "bad id for '" + name + "'");
        }
        (seen_sequence ? spec.suffix_ids : spec.prefix_ids)
            .push_back(static_cast<int32_t>(id.get_int64()));
      }
    }
    return Status();
  }
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    for (const char* key : {"cls", "sep"}) {
      const json::value* pair = o.if_contains(key);
      if (pair == nullptr || !pair->is_array() || pair->get_array().size() != 2 ||
          !pair->get_array()[1].is_int64()) {
        return error("post_processor", std::string("'") + key + "' must be [token, id]");
      }
      const auto id = static_cast<int32_t>(pair->get_array()[1].get_int64());
      (std::string_view(key) == "cls" ? spec.prefix_ids : spec.suffix_ids).push_back(id);
    }
    return Status();
  }
  return unsupported("post_processor", "post-processor type '" + type + "'");
}

// tokenizer_config.json names bos_token / eos_token as a string or {"content": ...}.
std::optional<std::string> config_token(const json::object& config, std::string_view key) {
  const json::value* v = config.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_object()) {
    const json::value* content = v->get_object().if_contains("content");
    if (content != nullptr && content->is_string()) return std::string(content->get_string());
  }
  return std::nullopt;
}

}  // namespace

Result<TokenizerSpec> parse_tokenizer_json(std::string_view text, std::string_view config_text,
                                           const std::string& name) {
  Parser p(name);
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) return Status::corruption(name + ": not valid JSON (" + ec.message() + ")");
  if (!doc.is_object()) return Status::corruption(name + ": the top level must be an object");
  const json::object& root = doc.get_object();
  const json::value* model = root.if_contains("model");
  if (model == nullptr || !model->is_object()) return p.error("model", "missing");

  TokenizerSpec spec;
  PLEXUS_RETURN_IF_ERROR(p.model(model->get_object(), spec.model));
  const json::value null_value;
  const auto section = [&](std::string_view key) -> const json::value& {
    const json::value* v = root.if_contains(key);
    return v != nullptr ? *v : null_value;
  };
  PLEXUS_RETURN_IF_ERROR(p.added_tokens(section("added_tokens"), spec.added_tokens));
  PLEXUS_ASSIGN_OR_RETURN(spec.normalizer, p.normalizer(section("normalizer")));
  PLEXUS_RETURN_IF_ERROR(p.pre_tokenizer(section("pre_tokenizer"), spec.pre_tokenizer));
  PLEXUS_RETURN_IF_ERROR(p.decoder(section("decoder"), spec.decoder));
  PLEXUS_RETURN_IF_ERROR(p.post_processor(section("post_processor"), spec));

  // BOS / EOS: tokenizer_config.json when given; else the post-processor's leading special
  // token; else well-known names.
  const auto lookup = [&](const std::string& token) -> std::optional<int32_t> {
    for (const AddedToken& t : spec.added_tokens) {
      if (t.content == token) return t.id;
    }
    for (std::size_t id = 0; id < spec.model.vocab.size(); ++id) {
      if (spec.model.vocab[id] == token) return static_cast<int32_t>(id);
    }
    return std::nullopt;
  };
  if (!config_text.empty()) {
    json::value config = json::parse(config_text, ec);
    if (!ec && config.is_object()) {
      if (auto bos = config_token(config.get_object(), "bos_token")) spec.bos_id = lookup(*bos);
      if (auto eos = config_token(config.get_object(), "eos_token")) spec.eos_id = lookup(*eos);
    }
  }
  if (!spec.bos_id && !spec.prefix_ids.empty()) spec.bos_id = spec.prefix_ids.front();
  if (!spec.bos_id) {
    for (const char* name : {"<|begin_of_text|>", "<｜begin▁of▁sentence｜>", "<s>"}) {
      if ((spec.bos_id = lookup(name))) break;
    }
  }
  if (!spec.eos_id) {
    for (const char* name : {"<|end_of_text|>", "<｜end▁of▁sentence｜>", "</s>", "<|endoftext|>"}) {
      if ((spec.eos_id = lookup(name))) break;
    }
  }
  return spec;
}

}  // namespace plexus::tokenizer
