// ModelText — what turns requests into token ids and back for one deployment: the model's
// tokenizer, its chat template (or the manifest's override) and its end-of-turn tokens.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "plexus/chat_template.h"
#include "plexus/tokenizer.h"

namespace plexus::cli {

struct Deployment;

struct ModelText {
  std::unique_ptr<Tokenizer> tokenizer;
  std::optional<ChatTemplate> chat;  // none when the model has no template
  std::string bos_token, eos_token;  // the template's bos_token / eos_token variables
  // End of turn: the tokenizer's EOS and the end-of-turn markers of the supported families.
  std::vector<std::int32_t> stop_ids;

  // `messages` rendered with add_generation_prompt; InvalidArgument without a chat template.
  Result<std::string> render(const boost::json::array& messages,
                             const boost::json::object& extra = {}) const;
};

// The tokenizer from [model] tokenizer (else the model's own files) and the chat template from
// [model] chat_template (inline text or a file, else the model's own).
Result<std::unique_ptr<ModelText>> load_model_text(const Deployment& d);

}  // namespace plexus::cli
