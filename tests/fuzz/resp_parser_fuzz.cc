// libFuzzer target for resp::RequestParser. Input layout: byte 0 picks the limits (Redis defaults
// or small ones, so that limit paths are reachable), byte 1 seeds the chunking, the rest is the
// byte stream a client sends. The stream is parsed twice, in one piece and in chunks (sizes from
// the seed, 0-byte chunks included), by a driver that behaves like a connection.
// Checked: consumed <= available; kNeedMore absorbs every available byte (O(n) parsing);
// kCommand makes progress; kError is sticky with one of Redis's texts; arguments never hold more
// bytes than arrived; and both chunkings agree unless a "too big" error is involved (that one
// legitimately depends on how much is buffered at once, as in Redis).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "resp/request_parser.h"

namespace {

using redraft::resp::ParserLimits;
using redraft::resp::RequestParser;

#define FUZZ_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

struct Result {
  std::vector<std::vector<std::string>> commands;
  std::string error;  // empty: no error
};

bool KnownError(const std::string& e) {
  static const char* const kTexts[] = {
      "Protocol error: invalid multibulk length",   "Protocol error: invalid bulk length",
      "Protocol error: too big mbulk count string", "Protocol error: too big bulk count string",
      "Protocol error: too big inline request",     "Protocol error: unbalanced quotes in request",
  };
  for (const char* t : kTexts) {
    if (e == t) return true;
  }
  const std::string prefix = "Protocol error: expected '$', got '";
  return e.size() == prefix.size() + 2 && e.compare(0, prefix.size(), prefix) == 0 &&
         e.back() == '\'' && e[prefix.size()] != '\r' && e[prefix.size()] != '\n';
}

bool TooBig(const std::string& e) { return e.find("too big") != std::string::npos; }

Result Drive(const ParserLimits& limits, std::string_view stream, uint32_t seed, size_t max_chunk) {
  RequestParser parser(limits);
  Result r;
  std::string buf;
  size_t pos = 0;
  uint32_t x = seed * 2654435761u + 1;
  while (pos < stream.size()) {
    size_t n = stream.size() - pos;
    if (max_chunk != 0) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      n = std::min<size_t>(n, x % (max_chunk + 1));
    }
    buf.append(stream.data() + pos, n);
    pos += n;
    while (true) {
      size_t consumed = ~size_t{0};
      std::vector<std::string> argv{"stale"};
      std::string error;
      auto outcome = parser.Parse(buf, &consumed, &argv, &error);
      FUZZ_CHECK(consumed <= buf.size());
      if (outcome == RequestParser::Outcome::kError) {
        FUZZ_CHECK(KnownError(error));
        FUZZ_CHECK(!parser.in_progress());
        std::string again;
        FUZZ_CHECK(parser.Parse(buf, &consumed, &argv, &again) == RequestParser::Outcome::kError);
        FUZZ_CHECK(again == error);
        r.error = error;
        return r;
      }
      buf.erase(0, consumed);
      if (outcome == RequestParser::Outcome::kNeedMore) {
        FUZZ_CHECK(buf.empty());
        FUZZ_CHECK(argv.empty());
        break;
      }
      FUZZ_CHECK(consumed > 0);
      size_t bytes = 0;
      for (const auto& a : argv) bytes += a.size();
      FUZZ_CHECK(bytes <= stream.size());
      r.commands.push_back(std::move(argv));
    }
  }
  return r;
}

bool IsPrefix(const Result& a, const Result& b) {
  if (a.commands.size() > b.commands.size()) return false;
  for (size_t i = 0; i < a.commands.size(); i++) {
    if (a.commands[i] != b.commands[i]) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  ParserLimits limits;
  uint8_t mode = data[0];
  if (mode % 4 != 0) {  // small limits: 3 bits each, so every boundary is reachable
    limits.max_bulk_len = (mode >> 2) & 7;
    limits.max_multibulk_len = 1 + ((mode >> 5) & 7);
    limits.max_inline_len = 1 + (mode % 4) * 5;
  }
  uint32_t seed = data[1];
  size_t max_chunk = 1 + (seed % 8);  // chunks of 0..max_chunk bytes
  std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  Result whole = Drive(limits, stream, seed, 0);
  Result pieces = Drive(limits, stream, seed, max_chunk);
  if (!TooBig(whole.error) && !TooBig(pieces.error)) {
    FUZZ_CHECK(whole.commands == pieces.commands);
    FUZZ_CHECK(whole.error == pieces.error);
  } else {
    // Fewer bytes buffered at once can only turn a long terminated line into an earlier
    // "too big" error; the whole-input run errs "too big" only if the chunked run does too.
    FUZZ_CHECK(TooBig(pieces.error));
    FUZZ_CHECK(IsPrefix(pieces, whole));
  }
  return 0;
}
