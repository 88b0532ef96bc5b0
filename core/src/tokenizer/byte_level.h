// byte_level.h — GPT-2's byte-level alphabet: every byte as one printable character.
//
// Bytes 0x21-0x7E, 0xA1-0xAC and 0xAE-0xFF stand for themselves; the other 68 bytes map, in
// order, to U+0100.. (space -> U+0120 "Ġ", newline -> U+010A "Ċ").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace plexus::tokenizer {

class ByteLevelAlphabet {
 public:
  static const ByteLevelAlphabet& get();

  // The UTF-8 spelling of byte b's character.
  std::string_view spell(unsigned char b) const { return spellings_[b]; }
  // Appends the byte-level spelling of every byte of `bytes`.
  void spell_all(std::string_view bytes, std::string& out) const;
  // The byte a character stands for, or -1 when it is not in the alphabet.
  int byte_of(char32_t c) const { return c < reverse_.size() ? reverse_[c] : -1; }

 private:
  ByteLevelAlphabet();
  std::array<std::string, 256> spellings_;
  std::array<int16_t, 324> reverse_;
};

}  // namespace plexus::tokenizer
