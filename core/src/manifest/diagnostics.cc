#include "diagnostics.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace plexus::manifest_internal {

std::string Diagnostics::where(const toml::source_region& region) const {
  if (from_override(region)) return std::string(kOverrideSource);
  if (region.begin.line == 0) return source_name_;
  return source_name_ + ":" + std::to_string(region.begin.line) + ":" +
         std::to_string(region.begin.column);
}

bool Diagnostics::from_override(const toml::source_region& region) {
  return region.path != nullptr && *region.path == kOverrideSource;
}

void Diagnostics::add(const toml::source_region& region, std::string message) {
  if (region.begin.line == 0 && !from_override(region)) {
    add_unlocated(std::move(message));
    return;
  }
  entries_.push_back({from_override(region) ? 1 : 0, region.begin.line, region.begin.column,
                      where(region) + ": " + message});
}

void Diagnostics::add_unlocated(std::string message) {
  entries_.push_back({2, 0, 0, source_name_ + ": " + message});
}

Status Diagnostics::to_status() const {
  if (entries_.empty()) return Status();
  std::vector<Entry> sorted = entries_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) {
    if (a.group != b.group) return a.group < b.group;
    if (a.line != b.line) return a.line < b.line;
    return a.column < b.column;
  });
  std::string message;
  for (const Entry& e : sorted) {
    if (!message.empty()) message += '\n';
    message += e.text;
  }
  return Status::invalid_argument(std::move(message));
}

std::string quote(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  std::string out = "\"";
  const bool cut = text.size() > kMaxShown;
  for (unsigned char c : cut ? text.substr(0, kMaxShown) : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += cut ? "...\"" : "\"";
  return out;
}

std::string render_value(const toml::node& node) {
  if (const auto* s = node.as_string()) return quote(s->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  if (node.is_array()) return "[...]";
  if (node.is_table()) return "{...}";
  std::ostringstream os;
  node.visit([&os](const auto& v) {
    if constexpr (!toml::is_container<decltype(v)>) os << v;
  });
  return os.str();
}

std::string describe_node(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "string " + render_value(node);
    case toml::node_type::integer:
      return "integer " + render_value(node);
    case toml::node_type::floating_point:
      return "float " + render_value(node);
    case toml::node_type::boolean:
      return "boolean " + render_value(node);
    case toml::node_type::date:
      return "date " + render_value(node);
    case toml::node_type::time:
      return "time " + render_value(node);
    case toml::node_type::date_time:
      return "date-time " + render_value(node);
    case toml::node_type::array:
      return "array";
    case toml::node_type::table:
      return "table";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

}  // namespace plexus::manifest_internal
