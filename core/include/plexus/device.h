// plexus/device.h — where tensors live and kernels run.
//
// Contract: a `Device` is a value: a kind and an index ("cpu", "cuda:0"). Parsing is strict and
// says what is accepted. Whether a CUDA device really exists is a question for the CUDA backend
// (loaded only when asked for); nothing here links CUDA.
// Thread safety: values.
#pragma once

#include <string>
#include <string_view>

#include "plexus/status.h"

namespace plexus {

enum class DeviceKind : int { kCpu = 0, kCuda = 1 };

struct Device {
  DeviceKind kind = DeviceKind::kCpu;
  int index = 0;

  static Device cpu() { return {DeviceKind::kCpu, 0}; }
  static Device cuda(int i) { return {DeviceKind::kCuda, i}; }
  bool is_cpu() const { return kind == DeviceKind::kCpu; }
  bool is_cuda() const { return kind == DeviceKind::kCuda; }
  // "cpu" or "cuda:N".
  std::string to_string() const;
  friend bool operator==(const Device&, const Device&) = default;
};

// Accepts "cpu", "cuda" (= cuda:0) and "cuda:N" with 0 <= N < 1024.
Result<Device> parse_device(std::string_view text);

}  // namespace plexus
