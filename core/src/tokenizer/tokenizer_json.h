// tokenizer_json.h — builds a TokenizerSpec from a HF tokenizer.json document.
#pragma once

#include <string>
#include <string_view>

#include "bpe_tokenizer.h"

namespace plexus::tokenizer {

// `json` is the document; `name` stands for it in messages. When `config_json` (the
// tokenizer_config.json beside it) is not empty, its bos_token / eos_token name the BOS / EOS.
Result<TokenizerSpec> parse_tokenizer_json(std::string_view json, std::string_view config_json,
                                           const std::string& name);

}  // namespace plexus::tokenizer
