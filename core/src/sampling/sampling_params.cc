// validate(): the request-facing checks of SamplingParams (see plexus/sampling_params.h).
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_set>

#include "plexus/sampling_params.h"

namespace plexus {
namespace {

// "%g" keeps messages short and prints NaN and infinity as "nan" and "inf".
std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

Status bad(std::string message) { return Status::invalid_argument(std::move(message)); }

bool in_closed(float v, float lo, float hi) { return std::isfinite(v) && v >= lo && v <= hi; }

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. Stop strings are held
// back and cut at their first byte, which is only a character boundary when they are valid.
bool valid_utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c < 0x80) {
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char b = p[i + k];
      const unsigned char klo = k == 1 ? lo : 0x80, khi = k == 1 ? hi : 0xBF;
      if (b < klo || b > khi) return false;
    }
    i += len;
  }
  return true;
}

std::string vocab_range(std::int32_t vocab_size) {
  return "[0, " + std::to_string(vocab_size) + ")";
}

}  // namespace

Status validate(const SamplingParams& p, std::int32_t vocab_size, int max_model_len) {
  if (p.n < 1 || p.n > kMaxSamplingN) {
    return bad("n must be in [1, " + std::to_string(kMaxSamplingN) + "], got " +
               std::to_string(p.n));
  }
  if (!std::isfinite(p.temperature) || p.temperature < 0) {
    return bad("temperature must be a finite number >= 0, got " + fmt(p.temperature));
  }
  if (p.top_k < -1 || p.top_k > vocab_size) {
    return bad("top_k must be -1 or 0 (disabled) or in [1, " + std::to_string(vocab_size) +
               "] (the vocabulary size), got " + std::to_string(p.top_k));
  }
  if (!std::isfinite(p.top_p) || p.top_p <= 0 || p.top_p > 1) {
    return bad("top_p must be in (0, 1], got " + fmt(p.top_p));
  }
  if (!in_closed(p.min_p, 0, 1)) {
    return bad("min_p must be in [0, 1], got " + fmt(p.min_p));
  }
  if (!std::isfinite(p.repetition_penalty) || p.repetition_penalty <= 0) {
    return bad("repetition_penalty must be a finite number > 0, got " + fmt(p.repetition_penalty));
  }
  const float pen = kMaxAbsPresenceFrequencyPenalty;
  if (!in_closed(p.presence_penalty, -pen, pen)) {
    return bad("presence_penalty must be in [" + fmt(-pen) + ", " + fmt(pen) + "], got " +
               fmt(p.presence_penalty));
  }
  if (!in_closed(p.frequency_penalty, -pen, pen)) {
    return bad("frequency_penalty must be in [" + fmt(-pen) + ", " + fmt(pen) + "], got " +
               fmt(p.frequency_penalty));
  }
  std::unordered_set<std::int32_t> biased;
  for (const auto& [id, bias] : p.logit_bias) {
    if (id < 0 || id >= vocab_size) {
      return bad("logit_bias: token id " + std::to_string(id) + " is outside the vocabulary " +
                 vocab_range(vocab_size));
    }
    if (!in_closed(bias, -kMaxAbsLogitBias, kMaxAbsLogitBias)) {
      return bad("logit_bias: bias of token " + std::to_string(id) + " must be in [" +
                 fmt(-kMaxAbsLogitBias) + ", " + fmt(kMaxAbsLogitBias) + "], got " + fmt(bias));
    }
    if (!biased.insert(id).second) {
      return bad("logit_bias: token id " + std::to_string(id) + " is given more than once");
    }
  }
  if (p.stop.size() > static_cast<size_t>(kMaxStopStrings)) {
    return bad("stop must have at most " + std::to_string(kMaxStopStrings) + " strings, got " +
               std::to_string(p.stop.size()));
  }
  for (size_t i = 0; i < p.stop.size(); ++i) {
    const std::string field = "stop[" + std::to_string(i) + "]";
    if (p.stop[i].empty()) return bad(field + " must not be empty");
    if (p.stop[i].size() > static_cast<size_t>(kMaxStopStringBytes)) {
      return bad(field + " must be at most " + std::to_string(kMaxStopStringBytes) +
                 " bytes long, got " + std::to_string(p.stop[i].size()));
    }
    if (!valid_utf8(p.stop[i])) return bad(field + " must be valid UTF-8");
  }
  if (p.stop_token_ids.size() > static_cast<size_t>(kMaxStopTokenIds)) {
    return bad("stop_token_ids must have at most " + std::to_string(kMaxStopTokenIds) +
               " ids, got " + std::to_string(p.stop_token_ids.size()));
  }
  for (size_t i = 0; i < p.stop_token_ids.size(); ++i) {
    const std::int32_t id = p.stop_token_ids[i];
    if (id < 0 || id >= vocab_size) {
      return bad("stop_token_ids[" + std::to_string(i) + "]: token id " + std::to_string(id) +
                 " is outside the vocabulary " + vocab_range(vocab_size));
    }
  }
  if (p.max_tokens < 1 || p.max_tokens > max_model_len) {
    return bad("max_tokens must be in [1, " + std::to_string(max_model_len) +
               "] (the model's context length), got " + std::to_string(p.max_tokens));
  }
  if (p.min_tokens < 0 || p.min_tokens > p.max_tokens) {
    return bad("min_tokens must be in [0, max_tokens=" + std::to_string(p.max_tokens) + "], got " +
               std::to_string(p.min_tokens));
  }
  if (p.logprobs && (*p.logprobs < 0 || *p.logprobs > kMaxTopLogprobs)) {
    return bad("logprobs must be in [0, " + std::to_string(kMaxTopLogprobs) + "], got " +
               std::to_string(*p.logprobs));
  }
  return Status::ok_status();
}

}  // namespace plexus
