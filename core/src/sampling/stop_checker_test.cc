#include "sampling/stop_checker.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace plexus::sampling {
namespace {

// Feeds pieces and returns what was streamed, checking that emits add up to emitted().
std::string stream(StopChecker& checker, const std::vector<std::string>& pieces) {
  std::string streamed;
  for (const std::string& piece : pieces) streamed += checker.append(piece).emit;
  EXPECT_EQ(streamed, checker.emitted());
  return streamed;
}

TEST(StopCheckerTest, StopAcrossTokenBoundaries) {
  StopChecker checker({"o w"});
  EXPECT_EQ(checker.append("Hel").emit, "Hel");
  const StopChecker::Update u = checker.append("lo wor");
  EXPECT_TRUE(u.stopped);
  EXPECT_EQ(u.emit, "l");
  EXPECT_EQ(checker.emitted(), "Hell");
  EXPECT_EQ(checker.matched(), "o w");
  // After a stop nothing more comes out.
  const StopChecker::Update later = checker.append("ld");
  EXPECT_FALSE(later.stopped);
  EXPECT_EQ(later.emit, "");
  EXPECT_EQ(checker.flush(), "");
  EXPECT_EQ(checker.emitted(), "Hell");
}

TEST(StopCheckerTest, StopSplitOverThreePieces) {
  StopChecker checker({"STOP"});
  EXPECT_EQ(checker.append("abcS").emit, "abc");
  EXPECT_EQ(checker.append("T").emit, "");
  const StopChecker::Update u = checker.append("OPxyz");
  EXPECT_TRUE(u.stopped);
  EXPECT_EQ(u.emit, "");
  EXPECT_EQ(checker.emitted(), "abc");
}

TEST(StopCheckerTest, HeldBackPrefixIsReleasedWhenItDoesNotComplete) {
  StopChecker checker({"world"});
  EXPECT_EQ(checker.append("hello wor").emit, "hello ");
  const StopChecker::Update u = checker.append("m!");
  EXPECT_FALSE(u.stopped);
  EXPECT_EQ(u.emit, "worm!");
  EXPECT_EQ(checker.emitted(), "hello worm!");
}

TEST(StopCheckerTest, FlushReleasesTheTailAtAnotherFinish) {
  StopChecker checker({"</s>"});
  EXPECT_EQ(checker.append("done </").emit, "done ");
  EXPECT_EQ(checker.flush(), "</");
  EXPECT_EQ(checker.emitted(), "done </");
}

TEST(StopCheckerTest, OverlappingSelfPrefix) {
  // "aab": after "aa" the held tail is "aa"; a third 'a' releases one 'a' and keeps "aa".
  StopChecker checker({"aab"});
  EXPECT_EQ(checker.append("a").emit, "");
  EXPECT_EQ(checker.append("a").emit, "");
  EXPECT_EQ(checker.append("a").emit, "a");
  const StopChecker::Update u = checker.append("b");
  EXPECT_TRUE(u.stopped);
  EXPECT_EQ(checker.emitted(), "a");
}

TEST(StopCheckerTest, EarliestMatchWinsAmongSeveral) {
  StopChecker checker({"cd", "bc"});
  stream(checker, {"abcde"});
  EXPECT_EQ(checker.emitted(), "a");
  EXPECT_EQ(checker.matched(), "bc");
}

TEST(StopCheckerTest, SameStartPrefersTheStopListedFirst) {
  StopChecker checker({"abc", "ab"});
  stream(checker, {"xabcz"});
  EXPECT_EQ(checker.emitted(), "x");
  EXPECT_EQ(checker.matched(), "abc");
}

TEST(StopCheckerTest, NoStopStringsEmitsEverythingAtOnce) {
  StopChecker checker({});
  EXPECT_EQ(checker.append("abc").emit, "abc");
  EXPECT_FALSE(checker.stopped());
  EXPECT_EQ(checker.flush(), "");
}

TEST(StopCheckerTest, NoStopBeforeMinTokens) {
  StopChecker checker({"x"});
  const StopChecker::Update early = checker.append("ax", /*may_stop=*/false);
  EXPECT_FALSE(early.stopped);
  EXPECT_EQ(early.emit, "ax");
  // A match must end in the text appended once stopping is allowed.
  const StopChecker::Update u = checker.append("bxc");
  EXPECT_TRUE(u.stopped);
  EXPECT_EQ(checker.emitted(), "axb");
}

TEST(StopCheckerTest, MultiByteStopSplitInsideACharacter) {
  StopChecker checker({"\xC3\xA9!"});  // "é!"
  EXPECT_EQ(checker.append("caf\xC3").emit, "caf");
  EXPECT_EQ(checker.append("\xA9").emit, "");
  EXPECT_TRUE(checker.append("!!").stopped);
  EXPECT_EQ(checker.emitted(), "caf");
}

// Random texts over a small alphabet cut into random pieces, against a direct reference: the
// output ends before the earliest match in the text up to the first piece that completes one.
TEST(StopCheckerTest, RandomPiecesMatchReference) {
  std::mt19937 gen(1234);
  const std::string alphabet = "ab c";
  auto random_string = [&](int min_len, int max_len) {
    std::string s(std::uniform_int_distribution<int>(min_len, max_len)(gen), ' ');
    for (char& ch : s) ch = alphabet[std::uniform_int_distribution<int>(0, 3)(gen)];
    return s;
  };
  int stops_seen = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<std::string> stops;
    const int num_stops = std::uniform_int_distribution<int>(1, 3)(gen);
    for (int i = 0; i < num_stops; ++i) stops.push_back(random_string(1, 4));
    const std::string text = random_string(0, 30);
    std::vector<std::string> pieces;
    for (std::size_t at = 0; at < text.size();) {
      const std::size_t len = std::uniform_int_distribution<std::size_t>(0, 5)(gen);
      pieces.push_back(text.substr(at, len));
      at += len;
    }

    std::string expected = text;
    bool expect_stop = false;
    std::size_t end = 0;
    for (const std::string& piece : pieces) {
      end += piece.size();
      const std::string prefix = text.substr(0, end);
      std::size_t best = std::string::npos;
      for (const std::string& stop : stops) best = std::min(best, prefix.find(stop));
      if (best != std::string::npos) {
        expected = text.substr(0, best);
        expect_stop = true;
        break;
      }
    }

    StopChecker checker(stops);
    std::string streamed = stream(checker, pieces);
    if (!checker.stopped()) streamed += checker.flush();
    ASSERT_EQ(checker.stopped(), expect_stop) << "trial " << trial << " text '" << text << "'";
    ASSERT_EQ(streamed, expected) << "trial " << trial << " text '" << text << "'";
    stops_seen += expect_stop;
  }
  EXPECT_GT(stops_seen, 500);  // the test exercises both outcomes
  EXPECT_LT(stops_seen, 1900);
}

}  // namespace
}  // namespace plexus::sampling
