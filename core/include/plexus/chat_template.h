// plexus/chat_template.h — turns a conversation into a model's prompt text with the model's own
// Jinja chat template, byte for byte as Python jinja2 does under HF transformers.
//
// Contract:
// - `ChatTemplate::compile` parses a template once; a template plexus cannot parse (bad syntax,
//   a tag outside the supported subset) is an InvalidArgument error naming the line. Supported:
//   {{ }}, {% if/elif/else %}, {% for %} (with loop.*, else, `if` filter, break/continue),
//   {% set %} (also block set and namespace attributes), {% macro %}, {% raw %}, comments,
//   whitespace control, Python expressions (arithmetic, comparisons, `in`, `~`, slices, calls),
//   the filters, tests and str/dict methods that real chat templates use, and the globals
//   range, namespace, dict, raise_exception and strftime_now.
// - `render` binds `messages` and every key of `extra` (add_generation_prompt, bos_token,
//   eos_token, tools, date_string, ...) as template variables; a key of `extra` named
//   "messages" is ignored. Values keep their JSON types (null is Python's None).
// - A template is untrusted: rendering is bounded in output size, loop iterations and macro
//   depth (RenderOptions), and every failure, including the template's own raise_exception(),
//   is an error value whose message carries the template's line and text. Nothing throws.
// - Environment as in transformers: trim_blocks and lstrip_blocks on, one trailing newline of
//   the template dropped, undefined variables print as nothing.
// Thread safety: a compiled ChatTemplate is immutable; `render` may be called from many threads
// at once. Copies share the parsed template.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "plexus/status.h"

namespace plexus {

namespace chat {
class CompiledTemplate;
}  // namespace chat

struct ChatRenderOptions {
  // Largest rendered prompt (and largest string built on the way), in bytes.
  std::size_t max_output_bytes = 16u << 20;
  // Loop iterations summed over the whole render.
  std::uint64_t max_loop_iterations = 1'000'000;
  // Macro calls nested deeper than this are refused (runaway recursion).
  int max_call_depth = 64;
  // The time strftime_now() formats; the local time of the render when empty. Tests pin it.
  std::optional<std::tm> now;
};

class ChatTemplate {
 public:
  static Result<ChatTemplate> compile(std::string_view source);

  Result<std::string> render(const boost::json::array& messages, const boost::json::object& extra,
                             const ChatRenderOptions& options = {}) const;

 private:
  explicit ChatTemplate(std::shared_ptr<const chat::CompiledTemplate> compiled);
  std::shared_ptr<const chat::CompiledTemplate> compiled_;
};

// The chat template of a Hugging Face tokenizer_config.json object: its "chat_template" string,
// or, in the list form [{"name": ..., "template": ...}], the one named "default".
Result<std::string> chat_template_from_tokenizer_config(const boost::json::object& config);

// The chat template of a Hugging Face model folder: <model_dir>/chat_template.jinja when it
// exists (as transformers saves it, and prefers it), else tokenizer_config.json's (as above).
// NotFound when neither has one, Corruption when the config is not JSON.
Result<std::string> find_chat_template(const std::filesystem::path& model_dir);

}  // namespace plexus
