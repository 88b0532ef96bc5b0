#include "plexus/device.h"

#include <charconv>

namespace plexus {

std::string Device::to_string() const {
  return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index);
}

Result<Device> parse_device(std::string_view text) {
  if (text == "cpu") return Device::cpu();
  if (text == "cuda") return Device::cuda(0);
  constexpr std::string_view kCuda = "cuda:";
  if (text.substr(0, kCuda.size()) == kCuda) {
    std::string_view num = text.substr(kCuda.size());
    int index = -1;
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), index);
    if (ec == std::errc() && end == num.data() + num.size() && !num.empty() && index >= 0 &&
        index < 1024) {
      return Device::cuda(index);
    }
  }
  return Status::invalid_argument("unknown device '" + std::string(text) +
                                  "': use \"cpu\", \"cuda\" or \"cuda:N\"");
}

}  // namespace plexus
