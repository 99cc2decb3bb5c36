// RequestParser under fragmentation: the same byte stream must yield the same commands (and the
// same error) whether it arrives at once, in two chunks split at every point, in three chunks
// split at every pair of points, byte by byte, or in random chunks. parse_driver.h also checks on
// every call that kNeedMore absorbed all available bytes, which makes parsing O(n) overall.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "parse_driver.h"

namespace redraft::resp::testing {
namespace {

using namespace std::string_literals;

// Every request shape, pipelined into one stream.
std::string Stream() {
  return "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
         "*0\r\n"
         "PING\r\n"
         "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"
         "\r\n"
         "SET \"a b\" 'c\\'d' \"\\x41\\n\"\n"
         "*-1\r\n"
         "*2\r\n$4\r\nECHO\r\n$6\r\n\0\r\n*\r\n\r\n"s
         "*1\r\n$4\r\nPINGXY"  // unchecked trailer, as in Redis
         "   \t\n"
         "*1\rZ$4\r\nQUIT\r\n";  // unchecked byte after '\r', as in Redis
}

std::vector<Argv> StreamCommands() {
  return {{"SET", "key", "value"},
          {},
          {"PING"},
          {"ECHO", ""},
          {},
          {"SET", "a b", "c'd", "A\n"},
          {},
          {"ECHO", "\0\r\n*\r\n"s},
          {"PING"},
          {},
          {"QUIT"}};
}

std::vector<std::string_view> SplitAt(std::string_view s, std::vector<size_t> cuts) {
  std::vector<std::string_view> chunks;
  size_t prev = 0;
  for (size_t c : cuts) {
    chunks.push_back(s.substr(prev, c - prev));
    prev = c;
  }
  chunks.push_back(s.substr(prev));
  return chunks;
}

std::vector<std::string_view> RandomChunks(std::string_view s, uint32_t seed) {
  std::mt19937 rng(seed);
  size_t max_chunk = 1 + rng() % 24;
  std::vector<std::string_view> chunks;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t n = std::min<size_t>(s.size() - pos, rng() % (max_chunk + 1));  // 0-byte chunks too
    chunks.push_back(s.substr(pos, n));
    pos += n;
  }
  return chunks;
}

void ExpectSameUnderFragmentation(const std::string& in, const ParseResult& want) {
  ASSERT_EQ(ParseOne(in), want);
  for (size_t i = 0; i <= in.size(); i++) {
    ASSERT_EQ(ParseChunks(SplitAt(in, {i})), want) << "split at " << i;
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < in.size(); i++) bytes.push_back(std::string_view(in).substr(i, 1));
  ASSERT_EQ(ParseChunks(bytes), want) << "byte by byte";
  for (uint32_t seed = 1; seed <= 300; seed++) {
    ASSERT_EQ(ParseChunks(RandomChunks(in, seed)), want) << "seed " << seed;
  }
}

TEST(RequestParserSplitTest, StreamAtOnceMatchesExpectation) {
  ParseResult want;
  want.commands = StreamCommands();
  EXPECT_EQ(ParseOne(Stream()), want);
}

TEST(RequestParserSplitTest, StreamEverySplitByteByByteAndRandom) {
  ParseResult want;
  want.commands = StreamCommands();
  ExpectSameUnderFragmentation(Stream(), want);
}

TEST(RequestParserSplitTest, StreamEveryPairOfSplitPoints) {
  const std::string in = Stream();
  ParseResult want;
  want.commands = StreamCommands();
  for (size_t i = 0; i <= in.size(); i++) {
    for (size_t j = i; j <= in.size(); j++) {
      ASSERT_EQ(ParseChunks(SplitAt(in, {i, j})), want) << "splits at " << i << "," << j;
    }
  }
}

TEST(RequestParserSplitTest, OneParserAcrossManyStreams) {
  // Parser state must return to a clean boundary after each command.
  RequestParser p;
  std::string in;
  for (int i = 0; i < 50; i++) in += Stream();
  ParseResult r = Drive(&p, RandomChunks(in, 7));
  ASSERT_EQ(r.commands.size(), 50 * StreamCommands().size());
  for (size_t i = 0; i < r.commands.size(); i++) {
    ASSERT_EQ(r.commands[i], StreamCommands()[i % StreamCommands().size()]) << i;
  }
  EXPECT_FALSE(r.failed);
  EXPECT_FALSE(r.pending);
}

struct ErrorCase {
  std::string tail;
  std::string error;
};

TEST(RequestParserSplitTest, ErrorsAfterCommandsUnderFragmentation) {
  const std::vector<ErrorCase> cases = {
      {"*x\r\n", "Protocol error: invalid multibulk length"},
      {"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\nX\r\n", "Protocol error: expected '$', got 'X'"},
      {"*1\r\n\r\n", "Protocol error: expected '$', got ' '"},
      {"ECHO \"a\"b\n", "Protocol error: unbalanced quotes in request"},
      {std::string(70000, 'a'), "Protocol error: too big inline request"},
      {"*" + std::string(70000, '2'), "Protocol error: too big mbulk count string"},
      {"*1\r\n$" + std::string(70000, '3'), "Protocol error: too big bulk count string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.error);
    std::string in = "*1\r\n$4\r\nPING\r\nPING\r\n" + c.tail;
    ParseResult want;
    want.commands = {{"PING"}, {"PING"}};
    want.failed = true;
    want.error = c.error;
    if (in.size() < 1000) {
      ExpectSameUnderFragmentation(in, want);
    } else {  // long inputs: a sample of split points and seeds
      ASSERT_EQ(ParseOne(in), want);
      for (size_t i = 0; i <= in.size(); i += 997)
        ASSERT_EQ(ParseChunks(SplitAt(in, {i})), want) << i;
      for (uint32_t seed = 1; seed <= 5; seed++) {
        std::mt19937 rng(seed);
        std::vector<size_t> cuts;
        for (size_t pos = rng() % 5000; pos < in.size(); pos += rng() % 5000) cuts.push_back(pos);
        ASSERT_EQ(ParseChunks(SplitAt(in, cuts)), want) << "seed " << seed;
      }
    }
  }
}

TEST(RequestParserSplitTest, LongInlineLineByteByByteIsLinear) {
  // 60 KB inline line one byte per call: quadratic rescanning would take ~1.8e9 steps here.
  std::string line = "ECHO " + std::string(60000, 'v') + "\r\n";
  RequestParser p;
  size_t total = 0;
  Argv argv;
  std::string error;
  for (size_t i = 0; i < line.size(); i++) {
    size_t consumed;
    auto out = p.Parse(std::string_view(line).substr(i, 1), &consumed, &argv, &error);
    ASSERT_EQ(consumed, 1u);
    total += consumed;
    ASSERT_EQ(out, i + 1 == line.size() ? RequestParser::Outcome::kCommand
                                        : RequestParser::Outcome::kNeedMore);
  }
  EXPECT_EQ(total, line.size());
  EXPECT_EQ(argv, (Argv{"ECHO", std::string(60000, 'v')}));
}

}  // namespace
}  // namespace redraft::resp::testing
