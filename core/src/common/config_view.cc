#include "plexus/config_view.h"

#include <algorithm>

namespace plexus {

ConfigView::ConfigView(std::string section, std::map<std::string, ConfigEntry, std::less<>> entries)
    : section_(std::move(section)), entries_(std::move(entries)) {}

bool ConfigView::has(std::string_view key) const { return entries_.find(key) != entries_.end(); }

std::vector<std::string> ConfigView::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : entries_) out.push_back(k);
  return out;
}

std::string ConfigView::where(std::string_view key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? std::string() : it->second.where;
}

Status ConfigView::wrong_type(std::string_view key, std::string_view wanted) const {
  return Status::invalid_argument(where(key) + ": " + section_ + " " + std::string(key) +
                                  " must be " + std::string(wanted));
}

Result<std::string> ConfigView::get_string(std::string_view key, std::string_view fallback) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::string(fallback);
  if (auto* s = std::get_if<std::string>(&it->second.value)) return *s;
  return wrong_type(key, "a string");
}

Result<std::int64_t> ConfigView::get_int(std::string_view key, std::int64_t fallback) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return fallback;
  if (auto* i = std::get_if<std::int64_t>(&it->second.value)) return *i;
  return wrong_type(key, "an integer");
}

Result<double> ConfigView::get_double(std::string_view key, double fallback) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return fallback;
  if (auto* d = std::get_if<double>(&it->second.value)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&it->second.value)) return double(*i);
  return wrong_type(key, "a number");
}

Result<bool> ConfigView::get_bool(std::string_view key, bool fallback) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return fallback;
  if (auto* b = std::get_if<bool>(&it->second.value)) return *b;
  return wrong_type(key, "true or false");
}

Result<std::vector<std::string>> ConfigView::get_string_list(
    std::string_view key, std::vector<std::string> fallback) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return fallback;
  if (auto* l = std::get_if<std::vector<std::string>>(&it->second.value)) return *l;
  return wrong_type(key, "a list of strings");
}

Status ConfigView::check_keys(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, entry] : entries_) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string msg = entry.where + ": unknown key '" + key + "' in " + section_;
    const std::string suggestion = closest_match(key, allowed);
    if (!suggestion.empty()) msg += "; did you mean '" + suggestion + "'?";
    return Status::invalid_argument(std::move(msg));
  }
  return Status();
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance: insertions, deletions, substitutions and adjacent
  // transpositions each cost 1 ("paralel" -> "parallel" is 1, "prot" -> "port" is 1).
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

namespace {
template <typename Range>
std::string closest_in(std::string_view word, const Range& candidates) {
  std::string best;
  std::size_t best_distance = SIZE_MAX;
  for (const auto& c : candidates) {
    const std::size_t dist = edit_distance(word, c);
    if (dist < best_distance) {
      best_distance = dist;
      best = std::string(c);
    }
  }
  // Plausible typo: at most a third of the longer word differs (and at least one edit allowed).
  const std::size_t longest = std::max(word.size(), best.size());
  if (best.empty() || best_distance > std::max<std::size_t>(1, longest / 3)) return "";
  return best;
}
}  // namespace

std::string closest_match(std::string_view word,
                          std::initializer_list<std::string_view> candidates) {
  return closest_in(word, candidates);
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  return closest_in(word, candidates);
}

}  // namespace plexus
