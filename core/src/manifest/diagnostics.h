// diagnostics.h — collects the manifest's mistakes so that all of them are reported at once.
//
// Each message is stored with where it was found and rendered as "<where>: <message>". Where is
// "<source>:<line>:<column>" for file content and "--set" for overrides (their nodes carry the
// source path kOverrideSource). `to_status` orders the file's mistakes by position, then the
// overrides' in the order given, then those with no position at all.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "plexus/status.h"

namespace plexus::manifest_internal {

// The source path toml++ records for override values; shown as the location.
inline constexpr std::string_view kOverrideSource = "--set";

class Diagnostics {
 public:
  explicit Diagnostics(std::string source_name) : source_name_(std::move(source_name)) {}

  // "m.toml:7:1", "--set", or the bare source name when `region` has no position.
  std::string where(const toml::source_region& region) const;
  static bool from_override(const toml::source_region& region);

  void add(const toml::source_region& region, std::string message);
  // For mistakes that have no place in the file (a required section that is absent).
  void add_unlocated(std::string message);

  bool empty() const { return entries_.empty(); }
  // Ok when empty, else InvalidArgument with one line per mistake.
  Status to_status() const;

 private:
  struct Entry {
    int group;  // 0 file, 1 overrides, 2 no position
    std::uint32_t line;
    std::uint32_t column;
    std::string text;
  };
  std::string source_name_;
  std::vector<Entry> entries_;
};

// A short, quoted rendering of a value for messages: `string "high"`, `integer 3`,
// `boolean true`, `array`, `table`. Long strings are cut.
std::string describe_node(const toml::node& node);
// Only the value: `"high"`, `3`, `0.5`, `true`.
std::string render_value(const toml::node& node);
// `"text"` with quotes and control characters escaped, cut after 60 bytes.
std::string quote(std::string_view text);

}  // namespace plexus::manifest_internal
