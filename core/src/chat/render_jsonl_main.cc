// chat_render_jsonl: renders chat templates for tools/chat_templates/differential_fuzz.py.
//
// Reads JSON lines {"template": str, "context": {...}} on stdin (context["messages"] is the
// conversation, every other key an extra variable) and writes one JSON line per input:
// {"output": str} or {"error": str}. strftime_now() formats 2024-09-26, as the golden files do.
#include <ctime>
#include <iostream>
#include <string>

#include <boost/json.hpp>

#include "plexus/chat_template.h"

int main() {
  plexus::ChatRenderOptions options;
  std::tm now{};
  now.tm_year = 2024 - 1900;
  now.tm_mon = 8;
  now.tm_mday = 26;
  now.tm_hour = 14;
  now.tm_min = 5;
  now.tm_sec = 9;
  timegm(&now);  // fills the weekday and day of the year
  options.now = now;

  std::string line;
  while (std::getline(std::cin, line)) {
    boost::json::object result;
    boost::system::error_code ec;
    boost::json::value input = boost::json::parse(line, ec);
    if (ec || !input.is_object() || !input.as_object().contains("template")) {
      result["error"] = "bad input line";
      std::cout << boost::json::serialize(result) << '\n';
      continue;
    }
    const boost::json::object& request = input.as_object();
    boost::json::object context;
    if (const auto* c = request.if_contains("context"); c && c->is_object())
      context = c->as_object();
    boost::json::array messages;
    if (const auto* m = context.if_contains("messages"); m && m->is_array())
      messages = m->as_array();

    plexus::Result<plexus::ChatTemplate> tmpl =
        plexus::ChatTemplate::compile(request.at("template").as_string());
    plexus::Result<std::string> out = tmpl.ok() ? tmpl->render(messages, context, options)
                                                : plexus::Result<std::string>(tmpl.status());
    if (out.ok()) {
      result["output"] = *out;
    } else {
      result["error"] = out.status().message();
    }
    std::cout << boost::json::serialize(result) << '\n' << std::flush;
  }
  return 0;
}
