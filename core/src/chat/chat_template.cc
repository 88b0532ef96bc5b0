// The SDK entry points: compile once, render many times.
#include "plexus/chat_template.h"

#include <fstream>
#include <sstream>

#include <boost/json/parse.hpp>

#include "chat/evaluator.h"
#include "chat/parser.h"

namespace plexus {
namespace chat {

class CompiledTemplate {
 public:
  explicit CompiledTemplate(Body body) : body_(std::move(body)) {}
  const Body& body() const { return body_; }

 private:
  Body body_;
};

}  // namespace chat

ChatTemplate::ChatTemplate(std::shared_ptr<const chat::CompiledTemplate> compiled)
    : compiled_(std::move(compiled)) {}

Result<ChatTemplate> ChatTemplate::compile(std::string_view source) {
  PLEXUS_ASSIGN_OR_RETURN(chat::Body body, chat::parse_template(source));
  return ChatTemplate(std::make_shared<const chat::CompiledTemplate>(std::move(body)));
}

Result<std::string> ChatTemplate::render(const boost::json::array& messages,
                                         const boost::json::object& extra,
                                         const ChatRenderOptions& options) const {
  chat::Dict context;
  for (const auto& [key, value] : extra) {
    if (key == "messages") continue;
    context.set(std::string(key), chat::Value::from_json(value));
  }
  context.set("messages", chat::Value::from_json(boost::json::value(messages)));
  chat::EvalLimits limits;
  limits.max_output_bytes = options.max_output_bytes;
  limits.max_loop_iterations = options.max_loop_iterations;
  limits.max_call_depth = options.max_call_depth;
  limits.now = options.now;
  return chat::evaluate(compiled_->body(), context, limits);
}

Result<std::string> chat_template_from_tokenizer_config(const boost::json::object& config) {
  const boost::json::value* field = config.if_contains("chat_template");
  if (field == nullptr || field->is_null()) {
    return Status::not_found(
        "tokenizer_config.json has no chat_template; give the template in the manifest");
  }
  if (field->is_string()) return std::string(field->get_string());
  if (field->is_array()) {
    std::string names;
    for (const auto& entry : field->get_array()) {
      const auto* object = entry.if_object();
      if (object == nullptr) continue;
      const auto* name = object->if_contains("name");
      const auto* text = object->if_contains("template");
      if (name == nullptr || !name->is_string() || text == nullptr || !text->is_string()) continue;
      if (name->get_string() == "default") return std::string(text->get_string());
      names += (names.empty() ? "" : ", ") + std::string(name->get_string());
    }
    return Status::not_found("tokenizer_config.json lists chat templates [" + names +
                             "] but none named \"default\"; pick one in the manifest");
  }
  return Status::corruption("tokenizer_config.json: chat_template is neither a string nor a list");
}

Result<std::string> find_chat_template(const std::filesystem::path& model_dir) {
  // transformers (4.43 and later) saves the template beside the config, and prefers that file.
  if (std::ifstream jinja(model_dir / "chat_template.jinja", std::ios::binary); jinja) {
    std::ostringstream text;
    text << jinja.rdbuf();
    return text.str();
  }
  const std::filesystem::path path = model_dir / "tokenizer_config.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("cannot open " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(text.str(), ec);
  if (ec) return Status::corruption(path.string() + " is not valid JSON: " + ec.message());
  if (!json.is_object()) return Status::corruption(path.string() + " is not a JSON object");
  Result<std::string> t = chat_template_from_tokenizer_config(json.get_object());
  if (!t.ok()) return t.status().with_context(path.string());
  return t;
}

}  // namespace plexus
