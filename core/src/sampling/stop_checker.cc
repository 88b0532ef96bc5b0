#include "sampling/stop_checker.h"

#include <algorithm>

namespace plexus::sampling {

StopChecker::StopChecker(std::vector<std::string> stop_strings) : stops_(std::move(stop_strings)) {
  for (const std::string& s : stops_) max_stop_length_ = std::max(max_stop_length_, s.size());
}

StopChecker::Update StopChecker::append(std::string_view piece, bool may_stop) {
  Update update;
  if (stopped()) return update;
  const std::size_t old_size = pending_.size();
  pending_.append(piece);

  if (may_stop && !piece.empty()) {
    // A match ends after old_size, so it starts no earlier than old_size + 1 - length. Nothing
    // before pending_ can be part of it: that text was emitted only once no stop string could
    // start there.
    std::size_t best = std::string::npos;
    const std::string* best_stop = nullptr;
    for (const std::string& stop : stops_) {
      const std::size_t from = old_size + 1 > stop.size() ? old_size + 1 - stop.size() : 0;
      const std::size_t at = pending_.find(stop, from);
      if (at != std::string::npos && at < best) {
        best = at;
        best_stop = &stop;
      }
    }
    if (best_stop != nullptr) {
      update.emit = pending_.substr(0, best);
      update.stopped = true;
      emitted_ += update.emit;
      matched_ = *best_stop;
      pending_.clear();
      return update;
    }
  }

  const std::size_t hold = held_back_length();
  update.emit = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  emitted_ += update.emit;
  return update;
}

std::string StopChecker::flush() {
  std::string tail;
  tail.swap(pending_);
  emitted_ += tail;
  return tail;
}

std::size_t StopChecker::held_back_length() const {
  // The longest tail of pending_ that is a proper prefix of a stop string (a whole stop string
  // there would have been a match, or is allowed to pass while min_tokens is not reached).
  if (max_stop_length_ == 0) return 0;
  const std::size_t longest = std::min(pending_.size(), max_stop_length_ - 1);
  for (std::size_t len = longest; len > 0; --len) {
    const std::string_view tail = std::string_view(pending_).substr(pending_.size() - len);
    for (const std::string& stop : stops_) {
      if (stop.size() > len && std::string_view(stop).substr(0, len) == tail) return len;
    }
  }
  return 0;
}

}  // namespace plexus::sampling
