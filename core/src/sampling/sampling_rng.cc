#include "sampling/sampling_rng.h"

#include <mutex>

namespace plexus::sampling {
namespace {

// A process-wide source for unseeded requests. std::random_device may be slow or block, so it
// seeds one generator once; later requests take 64 bits each from it under a lock.
std::uint64_t process_random_seed() {
  static std::mutex mu;
  static std::mt19937_64 source = [] {
    std::random_device device;
    std::seed_seq seq{device(), device(), device(), device()};
    return std::mt19937_64(seq);
  }();
  std::lock_guard<std::mutex> lock(mu);
  return source();
}

}  // namespace

SamplingRng SamplingRng::for_sequence(std::optional<std::uint64_t> seed, int index) {
  return SamplingRng(seed ? *seed : process_random_seed(), index);
}

SamplingRng::SamplingRng(std::uint64_t seed, int index) {
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(index)};
  engine_.seed(seq);
}

double SamplingRng::next_uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

}  // namespace plexus::sampling
