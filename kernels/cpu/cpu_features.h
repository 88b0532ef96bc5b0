// Which instruction-set variant of the CPU kernels this machine runs.
//
// One build runs on any x86-64: the AVX2 and AVX-512 kernels live in their own translation units
// compiled with per-file flags, and are chosen at run time from what the CPU reports. All
// variants of a kernel compute the same reduction order (see gemm.h), so the choice changes speed,
// not results.
// Thread safety: pure after the first call (the detection is cached).
#pragma once

#include <string_view>

namespace plexus::kernels {

enum class CpuIsa { kGeneric, kAvx2, kAvx512 };

// kAvx2 needs AVX2 + FMA + F16C; kAvx512 needs AVX-512 F/BW/VL/DQ as well. Anything else (or a
// non-x86 build) is kGeneric.
CpuIsa detect_cpu_isa();
// detect_cpu_isa(), lowered to the value of PLEXUS_CPU_ISA ("generic", "avx2", "avx512") when
// that is set and names a variant this CPU supports. Cached on first call.
CpuIsa active_cpu_isa();
bool cpu_supports(CpuIsa isa);
std::string_view cpu_isa_name(CpuIsa isa);

}  // namespace plexus::kernels
