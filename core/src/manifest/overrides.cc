#include "overrides.h"

#include <charconv>
#include <memory>
#include <optional>

namespace plexus::manifest_internal {
namespace {

struct Target {
  std::string section;
  std::optional<std::size_t> index;  // [[frontend]] number
  std::string key;
};

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

std::optional<Target> parse_target(std::string_view dotted) {
  const std::vector<std::string_view> parts = split(dotted, '.');
  for (std::string_view p : parts) {
    if (p.empty()) return std::nullopt;
  }
  if (parts.size() == 2) return Target{std::string(parts[0]), std::nullopt, std::string(parts[1])};
  if (parts.size() == 3 && parts[0] == "frontend") {
    std::size_t index = 0;
    const char* end = parts[1].data() + parts[1].size();
    auto [ptr, ec] = std::from_chars(parts[1].data(), end, index);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return Target{std::string(parts[0]), index, std::string(parts[2])};
  }
  return std::nullopt;
}

// TOML basic-string literal for `text`, so a bare value becomes a string node with a source.
std::string toml_string_literal(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
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
  return out + "\"";
}

// Parses "v = <text>" placed on line `line` of a document named kOverrideSource; the value is
// the single key "v" of a one-key document, anything else (a second key smuggled in with a
// newline, a syntax error) is not a TOML value.
std::optional<toml::table> parse_value_document(std::string_view text, std::size_t line) {
  std::string doc(line - 1, '\n');
  doc += "v = ";
  doc += text;
  try {
    toml::table table = toml::parse(doc, std::string(kOverrideSource));
    if (table.size() == 1 && table.contains("v")) return table;
  } catch (const toml::parse_error&) {
  }
  return std::nullopt;
}

toml::source_region override_region(std::size_t line) {
  toml::source_region region;
  region.begin = {static_cast<toml::source_index>(line), 1};
  region.end = region.begin;
  region.path = std::make_shared<const std::string>(kOverrideSource);
  return region;
}

}  // namespace

void apply_overrides(toml::table& root, const std::vector<std::string>& overrides,
                     Diagnostics& diag) {
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const std::string& text = overrides[i];
    const std::size_t line = i + 1;
    const toml::source_region region = override_region(line);
    const std::size_t eq = text.find('=');
    const std::optional<Target> target =
        eq == std::string::npos ? std::nullopt : parse_target(std::string_view(text).substr(0, eq));
    if (!target) {
      diag.add(region, quote(text) +
                           " is not section.key=value (or frontend.N.key=value), e.g. "
                           "devices.tensor_parallel=2");
      continue;
    }
    const std::string_view value_text = std::string_view(text).substr(eq + 1);
    std::optional<toml::table> doc = parse_value_document(value_text, line);
    if (!doc) doc = parse_value_document(toml_string_literal(value_text), line);
    if (!doc) {
      diag.add(region, quote(text) + " has a value that cannot be read");
      continue;
    }
    toml::node& value = *doc->get("v");

    toml::table* section = nullptr;
    if (target->section == "frontend") {
      toml::array* frontends = root["frontend"].as_array();
      const std::size_t index = target->index.value_or(0);
      if (frontends == nullptr || index >= frontends->size()) {
        const std::size_t count = frontends ? frontends->size() : 0;
        diag.add(region, quote(text) + " needs [[frontend]] #" + std::to_string(index) +
                             " but the manifest has " + std::to_string(count) +
                             " [[frontend]] table(s), numbered from 0");
        continue;
      }
      section = (*frontends)[index].as_table();
      // A frontend entry that is not a table is reported by validation.
      if (section == nullptr) continue;
    } else {
      toml::node* node = root.get(target->section);
      if (node == nullptr) {
        root.insert(toml::key(target->section, region), toml::table{});
        node = root.get(target->section);
      }
      section = node->as_table();
      if (section == nullptr) {
        diag.add(region, quote(text) + " cannot be applied: " + target->section +
                             " is not a table in the manifest");
        continue;
      }
    }
    const toml::source_region value_region = value.source();
    section->insert_or_assign(toml::key(target->key, value_region), std::move(value));
  }
}

}  // namespace plexus::manifest_internal
