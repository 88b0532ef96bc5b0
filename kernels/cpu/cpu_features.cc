#include "cpu_features.h"

#include <cstdlib>
#include <string_view>

namespace plexus::kernels {

CpuIsa detect_cpu_isa() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512dq");
  if (avx512) return CpuIsa::kAvx512;
  if (avx2) return CpuIsa::kAvx2;
#endif
  return CpuIsa::kGeneric;
}

bool cpu_supports(CpuIsa isa) { return int(isa) <= int(detect_cpu_isa()); }

std::string_view cpu_isa_name(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::kGeneric:
      return "generic";
    case CpuIsa::kAvx2:
      return "avx2";
    case CpuIsa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

CpuIsa active_cpu_isa() {
  static const CpuIsa isa = [] {
    CpuIsa best = detect_cpu_isa();
    if (const char* env = std::getenv("PLEXUS_CPU_ISA")) {
      for (CpuIsa candidate : {CpuIsa::kGeneric, CpuIsa::kAvx2, CpuIsa::kAvx512}) {
        if (cpu_isa_name(candidate) == std::string_view(env) && cpu_supports(candidate)) {
          return candidate;
        }
      }
    }
    return best;
  }();
  return isa;
}

}  // namespace plexus::kernels
