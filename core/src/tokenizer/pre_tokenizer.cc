#include "pre_tokenizer.h"

namespace plexus::tokenizer {

void PreTokenizer::split(std::string_view text, std::vector<Range>& words) const {
  std::vector<Range> next;
  std::vector<Range> matches;
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
