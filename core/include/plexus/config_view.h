// plexus/config_view.h — a read-only view of one manifest section, as a plugin sees it.
//
// Contract:
// - The host builds a ConfigView for each plugin from its manifest section ([model], [quant],
//   one [[frontend]] table ...) after checking the keys it knows itself. Values are scalars or
//   lists of strings; nested tables are not passed to plugins.
// - Each value remembers where it was written ("m.toml:7:1", or "--set" / "default"), so a
//   plugin's error can point at the line. `check_keys` lets a plugin refuse keys it does not
//   know, with the same "did you mean" suggestion the manifest gives.
// - Getters with a default return it when the key is absent and an InvalidArgument Result when
//   the value has the wrong type; integers are accepted where a double is asked for.
// Thread safety: immutable after construction; safe to read from any thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plexus/status.h"

namespace plexus {

using ConfigScalar =
    std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>>;

struct ConfigEntry {
  ConfigScalar value;
  std::string where;  // "file:line:column", "--set", "default"
};

class ConfigView {
 public:
  ConfigView() = default;
  // `section` names the table in messages, e.g. "[[frontend]] #0 (frontend-http)".
  ConfigView(std::string section, std::map<std::string, ConfigEntry, std::less<>> entries);

  const std::string& section() const { return section_; }
  bool has(std::string_view key) const;
  std::vector<std::string> keys() const;
  // Where `key` was set, or "" when absent.
  std::string where(std::string_view key) const;

  Result<std::string> get_string(std::string_view key, std::string_view fallback) const;
  Result<std::int64_t> get_int(std::string_view key, std::int64_t fallback) const;
  Result<double> get_double(std::string_view key, double fallback) const;
  Result<bool> get_bool(std::string_view key, bool fallback) const;
  Result<std::vector<std::string>> get_string_list(std::string_view key,
                                                   std::vector<std::string> fallback) const;

  // InvalidArgument naming the first key not in `allowed`, its location and the closest
  // allowed key ("unknown key 'prot' in [[frontend]] #1 (m.toml:9:1); did you mean 'port'?").
  Status check_keys(std::initializer_list<std::string_view> allowed) const;

 private:
  Status wrong_type(std::string_view key, std::string_view wanted) const;
  std::string section_;
  std::map<std::string, ConfigEntry, std::less<>> entries_;
};

// Edit distance used for "did you mean" suggestions (exposed for the manifest and tests).
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a plausible typo, else "".
std::string closest_match(std::string_view word,
                          std::initializer_list<std::string_view> candidates);
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace plexus
