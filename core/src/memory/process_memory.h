// This process's memory as the kernel counts it (/proc/self/status), for the start-up log and
// `plexus bench`: what a deployment really holds, next to what the memory plan assumed.
//
// Contract: every field is in bytes; a field the system does not report (off Linux) is 0.
// rss = anon + file (+ shared memory); peak_rss is the largest rss so far (VmHWM).
// Thread safety: reentrant.
#pragma once

#include <cstdint>

namespace plexus {

struct ProcessMemory {
  std::int64_t rss = 0;       // VmRSS
  std::int64_t anon = 0;      // RssAnon: heap, mmap'd buffers (weights held, KV cache, ...)
  std::int64_t file = 0;      // RssFile: mapped files' resident pages (checkpoint, libraries)
  std::int64_t peak_rss = 0;  // VmHWM
};

ProcessMemory read_process_memory();

}  // namespace plexus
