#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace plexus::formats {

LoadProgress::LoadProgress(std::string label, std::uint64_t total_bytes)
    : LoadProgress(std::move(label), total_bytes, ::isatty(STDERR_FILENO) == 1) {}

LoadProgress::LoadProgress(std::string label, std::uint64_t total_bytes, bool enabled)
    : label_(std::move(label)), total_(total_bytes), enabled_(enabled) {}

LoadProgress::~LoadProgress() {
  if (line_open_) std::fputc('\n', stderr);
}

void LoadProgress::tensor_loaded(std::string_view name, std::uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!seen_.emplace(name).second) return;
  done_ += bytes;
  if (!enabled_) return;
  const int percent = total_ == 0 ? 100 : int(done_ * 100 / total_);
  if (percent == shown_percent_) return;
  shown_percent_ = percent;
  std::fprintf(stderr, "\r%s", render_locked().c_str());
  line_open_ = percent < 100;
  if (!line_open_) std::fputc('\n', stderr);
  std::fflush(stderr);
}

std::string LoadProgress::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  return render_locked();
}

std::string LoadProgress::render_locked() const {
  constexpr int kWidth = 30;
  const std::uint64_t done = done_ > total_ ? total_ : done_;
  const int percent = total_ == 0 ? 100 : int(done * 100 / total_);
  const int filled = percent * kWidth / 100;
  std::string bar = "loading " + label_ + " [";
  bar.append(std::size_t(filled), '#');
  bar.append(std::size_t(kWidth - filled), '.');
  char tail[64];
  std::snprintf(tail, sizeof(tail), "] %3d%% %.1f/%.1f MiB", percent, double(done) / 1048576.0,
                double(total_) / 1048576.0);
  return bar + tail;
}

}  // namespace plexus::formats
