#include "byte_level.h"

#include "utf8.h"

namespace plexus::tokenizer {

const ByteLevelAlphabet& ByteLevelAlphabet::get() {
  static const ByteLevelAlphabet alphabet;
  return alphabet;
}

ByteLevelAlphabet::ByteLevelAlphabet() {
  reverse_.fill(-1);
  char32_t next_extra = 0x100;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    const char32_t c = printable ? static_cast<char32_t>(b) : next_extra++;
    append_utf8(spellings_[b], c);
    reverse_[c] = static_cast<int16_t>(b);
  }
}

void ByteLevelAlphabet::spell_all(std::string_view bytes, std::string& out) const {
  for (const char ch : bytes) out.append(spellings_[static_cast<unsigned char>(ch)]);
}

}  // namespace plexus::tokenizer
