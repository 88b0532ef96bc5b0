// progress.h — a load progress bar on stderr, drawn only when stderr is a terminal.
//
// A weight source counts the stored bytes of the distinct tensors loaded so far against the
// total; loading the same tensor again (another shard) does not move the bar. It redraws only
// when the shown percentage changes and ends its line at 100% or on destruction.
// Thread safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace plexus::formats {

class LoadProgress {
 public:
  // `enabled` defaults to isatty(stderr).
  LoadProgress(std::string label, std::uint64_t total_bytes);
  LoadProgress(std::string label, std::uint64_t total_bytes, bool enabled);
  ~LoadProgress();
  LoadProgress(const LoadProgress&) = delete;
  LoadProgress& operator=(const LoadProgress&) = delete;

  void tensor_loaded(std::string_view name, std::uint64_t bytes);
  bool enabled() const { return enabled_; }
  // The text of the bar at the current state (tests).
  std::string render() const;

 private:
  std::string render_locked() const;
  std::string label_;
  std::uint64_t total_;
  bool enabled_;
  mutable std::mutex mu_;
  std::set<std::string, std::less<>> seen_;
  std::uint64_t done_ = 0;
  int shown_percent_ = -1;
  bool line_open_ = false;
};

}  // namespace plexus::formats
