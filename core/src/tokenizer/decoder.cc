#include "decoder.h"

#include <optional>

#include "byte_level.h"
#include "utf8.h"

namespace plexus::tokenizer {
namespace {

void replace_all(std::string& s, const std::string& pattern, const std::string& content) {
  if (pattern.empty()) return;
  std::size_t pos = 0;
  while ((pos = s.find(pattern, pos)) != std::string::npos) {
    s.replace(pos, pattern.size(), content);
    pos += content.size();
  }
}

std::optional<unsigned char> byte_token(const std::string& t) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return std::nullopt;
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int hi = hex(t[3]), lo = hex(t[4]);
  if (hi < 0 || lo < 0) return std::nullopt;
  return static_cast<unsigned char>(hi * 16 + lo);
}

std::vector<std::string> byte_level(std::vector<std::string> tokens) {
  const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
  std::string bytes;
  for (const std::string& t : tokens) {
    const std::size_t mark = bytes.size();
    bool all = true;
    for (std::size_t pos = 0; pos < t.size();) {
      const int b = alphabet.byte_of(decode_char(t, pos));
      if (b < 0) {
        all = false;
        break;
      }
      bytes.push_back(static_cast<char>(b));
      pos += char_length(t, pos);
    }
    if (!all) {
      bytes.resize(mark);
      bytes += t;
    }
  }
  return {repair_utf8(bytes)};
}

std::vector<std::string> byte_fallback(std::vector<std::string> tokens) {
  std::vector<std::string> out;
  out.reserve(tokens.size());
  std::string pending;
  std::size_t pending_count = 0;
  const auto flush = [&] {
    if (pending_count == 0) return;
    if (is_valid_utf8(pending)) {
      out.push_back(pending);
    } else {
      for (std::size_t i = 0; i < pending_count; ++i) out.emplace_back(kReplacementChar);
    }
    pending.clear();
    pending_count = 0;
  };
  for (std::string& t : tokens) {
    if (auto b = byte_token(t)) {
      pending.push_back(static_cast<char>(*b));
      ++pending_count;
    } else {
      flush();
      out.push_back(std::move(t));
    }
  }
  flush();
  return out;
}

void strip(std::string& t, const StripDecode& s) {
  const std::size_t n = s.content.size();
  if (n == 0) return;
  std::size_t begin = 0, end = t.size();
  for (std::size_t i = 0; i < s.start && end - begin >= n && t.compare(begin, n, s.content) == 0;
       ++i) {
    begin += n;
  }
  for (std::size_t i = 0; i < s.stop && end - begin >= n && t.compare(end - n, n, s.content) == 0;
       ++i) {
    end -= n;
  }
  t = t.substr(begin, end - begin);
}

}  // namespace

std::string Decoder::decode(std::vector<std::string> tokens) const {
  if (steps_.empty()) {
    std::string out;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) out += ' ';
      out += tokens[i];
    }
    return out;
  }
  for (const DecodeStep& step : steps_) {
    if (std::holds_alternative<ByteLevelDecode>(step)) {
      tokens = byte_level(std::move(tokens));
    } else if (const auto* r = std::get_if<ReplaceDecode>(&step)) {
      for (std::string& t : tokens) replace_all(t, r->pattern, r->content);
    } else if (std::holds_alternative<ByteFallbackDecode>(step)) {
      tokens = byte_fallback(std::move(tokens));
    } else if (std::holds_alternative<FuseDecode>(step)) {
      std::string joined;
      for (const std::string& t : tokens) joined += t;
      tokens.assign(1, std::move(joined));
    } else if (const auto* s = std::get_if<StripDecode>(&step)) {
      for (std::string& t : tokens) strip(t, *s);
    } else if (const auto* m = std::get_if<MetaspaceDecode>(&step)) {
      for (std::size_t i = 0; i < tokens.size(); ++i) {
        replace_all(tokens[i], m->replacement, i == 0 && m->prepended ? "" : " ");
      }
    }
  }
  std::string out;
  for (const std::string& t : tokens) out += t;
  return out;
}

}  // namespace plexus::tokenizer
