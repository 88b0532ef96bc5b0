// StopChecker: stop strings over streamed text, across token boundaries.
//
// The incremental detokenizer hands over the text of each new token; a stop string may be split
// over several of them ("Hel" + "lo wor" + "ld" with stop "o w"). The checker keeps back the
// longest tail of the text that is still a proper prefix of some stop string, so a stream never
// shows part of a stop string that later completes, and cuts the output just before the first
// stop string found (OpenAI: the stop string is not returned).
//
// Matching (as vLLM): a stop string counts only if it ends inside the text appended by the call
// that finds it, and only when that call allows stopping (min_tokens reached). Among the matches
// of one call the earliest start wins; at equal starts, the stop string listed first.
// Thread safety: none; one checker per sequence, used by the engine thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plexus::sampling {

class StopChecker {
 public:
  // REQUIRES: no empty string in `stop_strings` (validate() refuses them).
  explicit StopChecker(std::vector<std::string> stop_strings);

  struct Update {
    std::string emit;  // text now safe to stream, in order after earlier emits
    bool stopped = false;
  };

  // Appends the text of the next token(s). `may_stop` is false while min_tokens is not reached.
  // After a stop, further calls return nothing.
  Update append(std::string_view piece, bool may_stop = true);

  // The held-back tail, for when the sequence ends for another reason (EOS, length): it is then
  // known not to start a stop string. Empty after a stop.
  std::string flush();

  bool stopped() const { return matched_.has_value(); }
  // The stop string that ended the output, when stopped().
  const std::optional<std::string>& matched() const { return matched_; }
  // All text emitted so far (and, after flush(), the tail): the final output text.
  const std::string& emitted() const { return emitted_; }

 private:
  std::size_t held_back_length() const;

  std::vector<std::string> stops_;
  std::size_t max_stop_length_ = 0;
  std::string pending_;  // appended but not emitted
  std::string emitted_;
  std::optional<std::string> matched_;
};

}  // namespace plexus::sampling
