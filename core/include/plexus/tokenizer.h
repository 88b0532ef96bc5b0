// plexus/tokenizer.h — text <-> token ids, shared by every front end and the engine.
//
// Contract:
// - A Tokenizer is immutable after loading; every method is const and safe to call from any
//   number of threads at once (internal caches are synchronised).
// - encode() accepts any bytes. Text that is not valid UTF-8 is read the way Python's
//   bytes.decode("utf-8", "replace") and Rust's String::from_utf8_lossy read it: each maximal
//   invalid subpart becomes U+FFFD. HF tokenizers only ever sees such lossily decoded text, so
//   the ids agree with it on every input.
// - Added and special tokens (tokenizer.json "added_tokens", GGUF control/user-defined tokens)
//   are matched in the raw text before normalization and pre-tokenization and never split,
//   whether or not add_special_tokens is set; add_special_tokens only adds the post-processor's
//   tokens (e.g. BOS) around the result.
// - decode() returns valid UTF-8; byte sequences that do not form characters become U+FFFD.
//   Ids outside [0, vocab_size()) are skipped (callers validate ids from users beforehand).
// - An IncrementalDetokenizer is single-threaded state for one stream of ids. Each feed()
//   returns only whole UTF-8 characters; the concatenation of all feed() results and finish()
//   equals decode() of all ids with the same skip_special_tokens. (One exception, inherited
//   from HF's ByteFallback decoder: a run of <0xXX> tokens that forms whole characters and is
//   then extended by byte tokens that never complete a character; decode() turns the whole run
//   into U+FFFD while the stream has already shown its first characters.)
// Ownership: load functions return a uniquely owned Tokenizer; an IncrementalDetokenizer
// borrows its Tokenizer, which must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/status.h"

namespace plexus {

class IncrementalDetokenizer;

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  virtual std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const = 0;
  virtual std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const = 0;

  // One more than the largest id the tokenizer knows (model vocabulary and added tokens).
  virtual int32_t vocab_size() const = 0;
  // The token's text as the vocabulary spells it (byte-level tokens in their alphabet, e.g.
  // "Ġthe"); nullopt for unknown ids / strings.
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(int32_t id) const = 0;

  virtual std::optional<int32_t> bos_id() const = 0;
  virtual std::optional<int32_t> eos_id() const = 0;
  // True for special added tokens (the ones decode skips with skip_special_tokens).
  virtual bool is_special(int32_t id) const = 0;
  // Whether encode(text, add_special_tokens = true) starts with bos_id().
  virtual bool adds_bos() const = 0;

  // A streaming detokenizer over this tokenizer (which must outlive it).
  std::unique_ptr<IncrementalDetokenizer> make_detokenizer(bool skip_special_tokens) const;
};

class IncrementalDetokenizer {
 public:
  IncrementalDetokenizer(const Tokenizer& tokenizer, bool skip_special_tokens);

  // Appends one id; returns the text completed by it (possibly empty, always whole characters).
  std::string feed(int32_t id);
  // Returns what is still held back (an incomplete character at the end of the stream becomes
  // U+FFFD, as decode() gives it). The detokenizer may be fed again afterwards.
  std::string finish();

 private:
  const Tokenizer& tokenizer_;
  bool skip_special_tokens_;
  // A window of the stream: ids_[0, read_offset_) were emitted already and are kept as context
  // (so that decoders that look at neighbours, e.g. a stripped leading space, agree with a full
  // decode); ids_[read_offset_, end) are held back until they complete a character.
  std::vector<int32_t> ids_;
  std::size_t read_offset_ = 0;
};

// Loads a HF tokenizer.json (BPE models: byte-level or SentencePiece-style with byte fallback).
Result<std::unique_ptr<Tokenizer>> load_tokenizer_json(const std::string& path);
// Loads the tokenizer described by a GGUF file's tokenizer.ggml.* metadata.
Result<std::unique_ptr<Tokenizer>> load_tokenizer_gguf(const std::string& path);
// Accepts a .gguf file, a tokenizer.json file, or a directory holding tokenizer.json.
Result<std::unique_ptr<Tokenizer>> load_tokenizer_for_model(const std::string& path);

}  // namespace plexus
