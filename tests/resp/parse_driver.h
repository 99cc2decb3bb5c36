// Test helper: drives a RequestParser the way a connection does (append bytes, parse until it
// needs more, drop what was consumed) and records every command and the error, if any.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "resp/request_parser.h"

namespace redraft::resp::testing {

using Argv = std::vector<std::string>;

struct ParseResult {
  std::vector<Argv> commands;  // empty commands ("*0", blank lines) included
  bool failed = false;
  std::string error;
  bool pending = false;  // input ended mid-command (parser in_progress())
  size_t leftover = 0;   // bytes the caller still holds unconsumed at the end

  bool operator==(const ParseResult& o) const {
    return commands == o.commands && failed == o.failed && error == o.error &&
           pending == o.pending && leftover == o.leftover;
  }
};

inline void PrintTo(const ParseResult& r, std::ostream* os) {
  *os << "{" << r.commands.size() << " commands:";
  for (const auto& c : r.commands) {
    *os << " [";
    for (const auto& a : c) *os << ::testing::PrintToString(a) << ",";
    *os << "]";
  }
  if (r.failed) *os << " error=" << r.error;
  *os << " pending=" << r.pending << " leftover=" << r.leftover << "}";
}

// Feeds `chunks` in order. Checks the contract on every call: consumed <= available, kNeedMore
// absorbs every available byte (so each byte is looked at once: O(n) under any fragmentation),
// kCommand makes progress, kError is sticky.
inline ParseResult Drive(RequestParser* parser, const std::vector<std::string_view>& chunks) {
  ParseResult r;
  std::string buf;
  for (std::string_view chunk : chunks) {
    buf.append(chunk.data(), chunk.size());
    while (true) {
      size_t consumed = 12345;
      Argv argv{"stale"};
      std::string error;
      auto outcome = parser->Parse(buf, &consumed, &argv, &error);
      EXPECT_LE(consumed, buf.size());
      if (outcome == RequestParser::Outcome::kError) {
        r.failed = true;
        r.error = error;
        // Sticky: the same error again, nothing else.
        std::string again;
        EXPECT_EQ(parser->Parse("*1\r\n$4\r\nPING\r\n", &consumed, &argv, &again),
                  RequestParser::Outcome::kError);
        EXPECT_EQ(again, error);
        r.pending = parser->in_progress();
        return r;
      }
      buf.erase(0, consumed);
      if (outcome == RequestParser::Outcome::kNeedMore) {
        EXPECT_TRUE(buf.empty()) << "kNeedMore must absorb all available bytes";
        EXPECT_TRUE(argv.empty());
        break;
      }
      EXPECT_GT(consumed, 0u) << "kCommand without progress";
      r.commands.push_back(std::move(argv));
    }
  }
  r.pending = parser->in_progress();
  r.leftover = buf.size();
  return r;
}

inline ParseResult ParseChunks(const std::vector<std::string_view>& chunks,
                               ParserLimits limits = {}) {
  RequestParser parser(limits);
  return Drive(&parser, chunks);
}

inline ParseResult ParseOne(std::string_view input, ParserLimits limits = {}) {
  return ParseChunks({input}, limits);
}

}  // namespace redraft::resp::testing
