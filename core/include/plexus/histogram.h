// plexus/histogram.h — a fixed-bucket histogram of seconds, as Prometheus exposes them.
//
// Contract: `bounds` are the buckets' upper bounds, increasing; `counts[i]` counts observations
// <= bounds[i] and above bounds[i-1]; the last count (index bounds.size()) is the +Inf bucket.
// Counts are per bucket, not cumulative (a Prometheus writer accumulates them).
// Thread safety: a value; the engine updates its own under its lock and hands out copies.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace plexus {

struct Histogram {
  std::vector<double> bounds;
  std::vector<std::uint64_t> counts;  // bounds.size() + 1
  double sum = 0;
  std::uint64_t count = 0;

  static Histogram with_bounds(std::vector<double> bounds) {
    Histogram h;
    h.counts.assign(bounds.size() + 1, 0);
    h.bounds = std::move(bounds);
    return h;
  }

  void observe(double value) {
    std::size_t i = 0;
    while (i < bounds.size() && value > bounds[i]) ++i;
    ++counts[i];
    sum += value;
    ++count;
  }
};

}  // namespace plexus
