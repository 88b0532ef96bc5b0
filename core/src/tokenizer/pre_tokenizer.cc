#include "pre_tokenizer.h"

namespace plexus::tokenizer {

void PreTokenizer::prepare(std::string& text, bool at_start) const {
  if (add_prefix_space_ && !text.empty() && text[0] != ' ') text.insert(0, " ");
  if (!metaspace_) return;
  const std::string& rep = metaspace_->replacement;
  if (text.find(' ') != std::string::npos) {
    std::string out;
    out.reserve(text.size() + text.size() / 2);
    for (const char c : text) {
      if (c == ' ') {
        out += rep;
      } else {
        out += c;
      }
    }
    text = std::move(out);
  }
  const bool prepend = metaspace_->prepend_scheme == PrependScheme::kAlways ||
                       (metaspace_->prepend_scheme == PrependScheme::kFirst && at_start);
  if (prepend && text.compare(0, rep.size(), rep) != 0) text.insert(0, rep);
}

void PreTokenizer::split(std::string_view text, std::vector<Range>& words) const {
  std::vector<Range> next;
  std::vector<Range> matches;
  if (metaspace_ && metaspace_->split && !metaspace_->replacement.empty()) {
    // Every replacement starts a word (HF's MergedWithNext on the replacement).
    const std::string& rep = metaspace_->replacement;
    for (const Range& word : words) {
      std::size_t begin = word.first;
      std::size_t pos = text.find(rep, word.first + 1);
      while (pos != std::string_view::npos && pos < word.second) {
        next.emplace_back(begin, pos);
        begin = pos;
        pos = text.find(rep, pos + rep.size());
      }
      next.emplace_back(begin, word.second);
    }
    words.swap(next);
  }
  for (const SplitStep& step : steps_) {
    next.clear();
    next.reserve(words.size() * 2);
    for (const Range& word : words) {
      matches.clear();
      step.regex->find_all(text.substr(word.first, word.second - word.first), word.first, matches);
      // Walk the word as alternating gaps and matches; `invert` swaps which of the two is the
      // delimiter.
      std::size_t pos = word.first;
      const auto emit = [&](std::size_t begin, std::size_t end, bool is_match) {
        if (begin == end) return;
        const bool delimiter = is_match != step.invert;
        if (delimiter && step.behavior == SplitBehavior::kRemoved) return;
        next.emplace_back(begin, end);
      };
      for (const Range& m : matches) {
        emit(pos, m.first, false);
        emit(m.first, m.second, true);
        pos = m.second;
      }
      emit(pos, word.second, false);
    }
    words.swap(next);
  }
}

}  // namespace plexus::tokenizer
