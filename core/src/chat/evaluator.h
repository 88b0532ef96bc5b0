// Runs a parsed template against a context, producing its text.
//
// Scoping follows Jinja: a for loop's body gets a fresh scope each iteration (a `set` inside it
// is gone after the loop, which is why templates use namespace()); if-blocks share the enclosing
// scope; a macro sees its arguments and the template's top-level variables.
//
// A template is untrusted input, so every render is bounded: output and string size, loop
// iterations and macro call depth. Exceeding a bound is an error, never a crash or a hang.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

#include "chat/ast.h"
#include "chat/value.h"
#include "plexus/status.h"

namespace plexus::chat {

struct EvalLimits {
  std::size_t max_output_bytes = 16u << 20;
  std::uint64_t max_loop_iterations = 1'000'000;
  int max_call_depth = 64;
  std::optional<std::tm> now;  // what strftime_now formats; the local time when empty
};

// `context` holds the template's variables (messages, add_generation_prompt, bos_token, ...).
Result<std::string> evaluate(const Body& program, const Dict& context, const EvalLimits& limits);

}  // namespace plexus::chat
