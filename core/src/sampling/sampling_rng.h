// SamplingRng: the random stream of one sequence.
//
// "Same seed, same output" must not depend on what else is in the batch, so every sequence owns
// its generator and only its own draws advance it (one uniform per random token; none for a
// greedy one). std::mt19937_64 and std::seed_seq are specified bit-exactly by the standard, and
// the uniform is built from 53 raw bits rather than std::uniform_real_distribution (whose output
// is implementation-defined), so a seed gives the same stream with any standard library.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

namespace plexus::sampling {

class SamplingRng {
 public:
  // Completion `index` (0..n-1) of a request: with a seed, its stream is a function of
  // (seed, index) alone; without one, it comes from the process's random source.
  static SamplingRng for_sequence(std::optional<std::uint64_t> seed, int index);

  explicit SamplingRng(std::uint64_t seed, int index = 0);

  // Uniform in [0, 1), with 53 random bits.
  double next_uniform();

 private:
  std::mt19937_64 engine_;
};

}  // namespace plexus::sampling
