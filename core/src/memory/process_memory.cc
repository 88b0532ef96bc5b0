#include "process_memory.h"

#include <fstream>
#include <sstream>
#include <string>

namespace plexus {

ProcessMemory read_process_memory() {
  ProcessMemory m;
  const std::pair<const char*, std::int64_t*> fields[] = {
      {"VmRSS:", &m.rss}, {"RssAnon:", &m.anon}, {"RssFile:", &m.file}, {"VmHWM:", &m.peak_rss}};
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    for (const auto& [name, value] : fields) {
      if (line.rfind(name, 0) != 0) continue;
      std::istringstream in(line.substr(std::string(name).size()));
      std::int64_t kib = 0;
      if (in >> kib) *value = kib * 1024;  // "VmRSS:	  123456 kB"
    }
  }
  return m;
}

}  // namespace plexus
