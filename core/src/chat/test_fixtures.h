// Reads the golden files that tools/chat_templates/make_golden.py writes with Python jinja2.
#pragma once

#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>

#include <boost/json.hpp>

namespace plexus::chat::testing {

inline std::string fixture_path(const std::string& relative) {
  return std::string(PLEXUS_SOURCE_DIR) + "/tests/fixtures/chat/" + relative;
}

inline std::string read_fixture(const std::string& relative) {
  std::ifstream in(fixture_path(relative), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline boost::json::value read_json_fixture(const std::string& relative) {
  return boost::json::parse(read_fixture(relative));
}

// The fixed "now" of the golden files ("2024-09-26T14:05:09").
inline std::tm parse_now(const std::string& iso) {
  std::tm tm{};
  std::istringstream in(iso);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  tm.tm_isdst = -1;
  std::tm normalized = tm;
  timegm(&normalized);  // fills tm_wday and tm_yday, which %A and %j print
  return normalized;
}

}  // namespace plexus::chat::testing
