// The attention units compiled with -mavx2 -mfma (only called where the CPU has them).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "attention_units.h"

namespace plexus::kernels::internal {
namespace {
#include "attention_units.inc"
}  // namespace

void attention_units_avx2(const AttentionArgs& a, std::int64_t begin, std::int64_t end) {
  units(a, begin, end);
}

}  // namespace plexus::kernels::internal
