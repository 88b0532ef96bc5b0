#include "chat/text.h"

#include <algorithm>

namespace plexus::chat {

char32_t decode_code_point(std::string_view s, std::size_t* size) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || static_cast<std::size_t>(len) > s.size()) {
    *size = 1;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (int i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) {
      *size = 1;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *size = static_cast<std::size_t>(len);
  return cp;
}

std::vector<std::string_view> split_code_points(std::string_view s) {
  std::vector<std::string_view> out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = 0;
    decode_code_point(s.substr(i), &n);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

std::size_t code_point_count(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); ++count) {
    std::size_t n = 0;
    decode_code_point(s.substr(i), &n);
    i += n;
  }
  return count;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_python_space(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

namespace {

// Whether code point `cp` is stripped: in `chars` (decoded), or whitespace when `chars` is null.
bool strips(char32_t cp, const std::vector<char32_t>* chars) {
  if (chars == nullptr) return is_python_space(cp);
  return std::find(chars->begin(), chars->end(), cp) != chars->end();
}

}  // namespace

std::string python_strip(std::string_view s, const std::string* chars, bool left, bool right) {
  // Walks code points from each end without splitting the whole string: message contents can
  // be long and `| trim` runs on every one of them.
  std::vector<char32_t> set;
  if (chars != nullptr) {
    for (std::size_t i = 0; i < chars->size();) {
      std::size_t n = 0;
      set.push_back(decode_code_point(std::string_view(*chars).substr(i), &n));
      i += n;
    }
  }
  const std::vector<char32_t>* set_ptr = chars ? &set : nullptr;
  std::size_t begin = 0;
  std::size_t end = s.size();
  if (left) {
    while (begin < end) {
      std::size_t n = 0;
      const char32_t cp = decode_code_point(s.substr(begin, end - begin), &n);
      if (!strips(cp, set_ptr)) break;
      begin += n;
    }
  }
  if (right) {
    while (end > begin) {
      std::size_t start = end - 1;  // back up to the lead byte of the last code point
      while (start > begin && end - start < 4 &&
             (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
        --start;
      }
      std::size_t n = 0;
      char32_t cp = decode_code_point(s.substr(start, end - start), &n);
      if (start + n != end) {  // not one well-formed code point: the last byte stands alone
        start = end - 1;
        cp = 0xFFFD;
      }
      if (!strips(cp, set_ptr)) break;
      end = start;
    }
  }
  return std::string(s.substr(begin, end - begin));
}

std::vector<std::string> python_split(std::string_view s, const std::string* sep, long maxsplit) {
  std::vector<std::string> out;
  if (sep != nullptr) {
    std::size_t start = 0;
    while (maxsplit < 0 || static_cast<long>(out.size()) < maxsplit) {
      const std::size_t pos = s.find(*sep, start);
      if (pos == std::string_view::npos) break;
      out.emplace_back(s.substr(start, pos - start));
      start = pos + sep->size();
    }
    out.emplace_back(s.substr(start));
    return out;
  }
  // Runs of whitespace separate words; leading and trailing whitespace yields nothing.
  const std::vector<std::string_view> cps = split_code_points(s);
  std::size_t i = 0;
  auto space = [&](std::size_t k) {
    std::size_t n = 0;
    return is_python_space(decode_code_point(cps[k], &n));
  };
  while (i < cps.size()) {
    while (i < cps.size() && space(i)) ++i;
    if (i == cps.size()) break;
    if (maxsplit >= 0 && static_cast<long>(out.size()) == maxsplit) {
      // The rest, with its trailing whitespace removed, is the last piece.
      std::string rest(cps[i].data(), s.data() + s.size() - cps[i].data());
      out.push_back(python_strip(rest, nullptr, false, true));
      return out;
    }
    const std::size_t start = i;
    while (i < cps.size() && !space(i)) ++i;
    out.emplace_back(cps[start].data(), cps[i - 1].data() + cps[i - 1].size());
  }
  return out;
}

std::string python_replace(std::string_view s, std::string_view from, std::string_view to,
                           long count) {
  std::string out;
  if (from.empty()) {
    // Python inserts `to` between every character (and at both ends).
    long done = 0;
    for (std::string_view cp : split_code_points(s)) {
      if (count < 0 || done < count) {
        out += to;
        ++done;
      }
      out += cp;
    }
    if (count < 0 || done < count) out += to;
    return out;
  }
  std::size_t start = 0;
  long done = 0;
  while (count < 0 || done < count) {
    const std::size_t pos = s.find(from, start);
    if (pos == std::string_view::npos) break;
    out.append(s.substr(start, pos - start));
    out.append(to);
    start = pos + from.size();
    ++done;
  }
  out.append(s.substr(start));
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

char32_t to_upper(char32_t cp) {
  if (cp >= 'a' && cp <= 'z') return cp - 32;
  if (cp < 0x80) return cp;
  if (cp == 0xB5) return 0x39C;  // micro sign -> Greek capital mu
  if (cp == 0xFF) return 0x178;
  if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) return cp - 32;
  if (cp >= 0x100 && cp <= 0x17F) {
    if (cp == 0x131) return 'I';  // dotless i
    if (cp == 0x17F) return 'S';  // long s
    if (cp == 0x130 || cp == 0x138 || cp == 0x149) return cp;
    // Latin Extended-A pairs upper/lower as even/odd, except in these two runs (odd/even).
    const bool shifted_pairs = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    if (shifted_pairs ? (cp % 2 == 0) : (cp % 2 == 1)) return cp - 1;
    return cp;
  }
  if (cp >= 0x3B1 && cp <= 0x3C9 && cp != 0x3C2) return cp - 32;
  if (cp == 0x3C2) return 0x3A3;  // final sigma
  if (cp >= 0x3AC && cp <= 0x3AF) {
    static const char32_t kTonos[] = {0x386, 0x388, 0x389, 0x38A};
    return kTonos[cp - 0x3AC];
  }
  if (cp >= 0x430 && cp <= 0x44F) return cp - 32;
  if (cp >= 0x450 && cp <= 0x45F) return cp - 80;
  return cp;
}

char32_t to_lower(char32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp < 0x80) return cp;
  if (cp == 0x178) return 0xFF;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp >= 0x100 && cp <= 0x17F) {
    if (cp == 0x130) return 'i';
    if (cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F) return cp;
    // Latin Extended-A pairs upper/lower as even/odd, except in these two runs (odd/even).
    const bool shifted_pairs = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    if (shifted_pairs ? (cp % 2 == 1) : (cp % 2 == 0)) return cp + 1;
    return cp;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 32;
  if (cp == 0x386) return 0x3AC;
  if (cp >= 0x388 && cp <= 0x38A) return cp + 37;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

bool is_cased_letter(char32_t cp) { return to_upper(cp) != cp || to_lower(cp) != cp || cp == 0xDF; }

namespace {

template <typename F>
std::string map_code_points(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = 0;
    const char32_t cp = decode_code_point(s.substr(i), &n);
    if (cp == 0xFFFD && n == 1 && static_cast<unsigned char>(s[i]) >= 0x80) {
      out += s[i];  // keep invalid bytes as they are
    } else {
      f(out, cp);
    }
    i += n;
  }
  return out;
}

void append_upper(std::string& out, char32_t cp) {
  if (cp == 0xDF) {
    out += "SS";
  } else {
    append_utf8(out, to_upper(cp));
  }
}

void append_lower(std::string& out, char32_t cp) { append_utf8(out, to_lower(cp)); }

}  // namespace

std::string python_upper(std::string_view s) { return map_code_points(s, append_upper); }
std::string python_lower(std::string_view s) { return map_code_points(s, append_lower); }

bool python_isupper(std::string_view s) {
  bool cased = false;
  for (std::string_view c : split_code_points(s)) {
    std::size_t n = 0;
    const char32_t cp = decode_code_point(c, &n);
    if (!is_cased_letter(cp)) continue;
    if (to_upper(cp) != cp || cp == 0xDF) return false;
    cased = true;
  }
  return cased;
}

bool python_islower(std::string_view s) {
  bool cased = false;
  for (std::string_view c : split_code_points(s)) {
    std::size_t n = 0;
    const char32_t cp = decode_code_point(c, &n);
    if (!is_cased_letter(cp)) continue;
    if (to_lower(cp) != cp) return false;
    cased = true;
  }
  return cased;
}

std::string python_title(std::string_view s) {
  bool previous_cased = false;
  return map_code_points(s, [&](std::string& out, char32_t cp) {
    const bool cased = is_cased_letter(cp);
    if (cased) {
      if (previous_cased) {
        append_lower(out, cp);
      } else {
        append_utf8(out, cp == 0xDF ? cp : to_upper(cp));
      }
    } else {
      append_utf8(out, cp);
    }
    previous_cased = cased;
  });
}

std::string python_capitalize(std::string_view s) {
  bool first = true;
  return map_code_points(s, [&](std::string& out, char32_t cp) {
    if (first) {
      append_utf8(out, cp == 0xDF ? cp : to_upper(cp));
    } else {
      append_lower(out, cp);
    }
    first = false;
  });
}

std::string jinja_title(std::string_view s) {
  bool word_start = true;
  return map_code_points(s, [&](std::string& out, char32_t cp) {
    const bool separator =
        is_python_space(cp) || cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<';
    if (separator) {
      append_utf8(out, cp);
      word_start = true;
    } else if (word_start) {
      append_utf8(out, cp == 0xDF ? cp : to_upper(cp));
      word_start = false;
    } else {
      append_lower(out, cp);
    }
  });
}

}  // namespace plexus::chat
