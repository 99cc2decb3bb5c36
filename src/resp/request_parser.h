#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::resp {

struct ParserLimits {
  int64_t max_bulk_len = 512ll * 1024 * 1024;  // proto-max-bulk-len
  // "invalid multibulk length" above this. Redis 7.0.15 only rejects counts > INT_MAX (verified
  // against redis-server 7.0.15: "*2000000\r\n" is accepted); Redis <= 6.0 used 1024*1024. We keep
  // the stricter 1M default; values above INT_MAX behave as INT_MAX.
  int64_t max_multibulk_len = 1024 * 1024;
  // Redis PROTO_INLINE_MAX_SIZE: an inline line, "*<n>" line or "$<n>" line still lacking its
  // terminator once more than this many bytes are buffered is a "too big ..." protocol error.
  size_t max_inline_len = 64 * 1024;
};

// Incremental parser of client requests: multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline
// ("GET k\r\n", with Redis's quoting rules). Modelled on Redis's processMultibulkBuffer: resumable
// state between calls, limits checked before anything is buffered. One parser per connection.
//
// Contract: Parse() looks at `input` (the bytes not yet consumed by earlier calls) and returns
//   kCommand  - one full command in *argv (cleared first); *consumed bytes of input were used.
//               An empty inline line, or "*0" / "*-1", yields kCommand with an empty argv
//               (callers skip it, sending no reply, as Redis does).
//   kNeedMore - *consumed bytes (possibly > 0) were absorbed into the parser's state; call
//               again with the rest of the input plus new bytes.
//   kError    - *error holds Redis's exact text without "-ERR " prefix handling by the caller,
//               e.g. "Protocol error: invalid bulk length"; the connection must be closed.
// The caller drops *consumed bytes from its buffer after every call.
//
// Redis 7.0.15 details reproduced on purpose (each is pinned by a test in tests/resp/):
//  - The request type is chosen by the first byte of each command: '*' multibulk, else inline.
//  - "*<n>" with n <= 0 (e.g. "*0", "*-1") is an empty command: kCommand with an empty argv.
//  - Numbers follow Redis string2ll: no '+', no leading zeros, no spaces, "-0" invalid.
//  - A header line ends at the first '\r'; the byte after it is skipped without being checked,
//    and the two bytes after a bulk's payload are skipped without being checked (Redis does not
//    verify "\r\n" there either: "$4\r\nPINGXY" is accepted).
//  - Redis finds line ends with strchr(), so a NUL byte before the terminator hides it: such a line
//    never completes and ends in the "too big ..." error once over max_inline_len.
//  - Inline lines end at '\n'; one '\r' before it is dropped; the line is split like sdssplitargs
//    (double quotes with \xHH and \n \r \t \b \a escapes, single quotes with \', a closing
//    quote must be followed by a space or end of line, else "unbalanced quotes").
//  - Bytes are counted against limits the way Redis counts its query buffer: everything buffered
//    past the start of the unterminated line, whatever the caller's chunking.
// After kError the parser keeps returning kError (with the same text) until Reset().
// Cost: O(bytes) over a connection's lifetime however the input is fragmented; a bulk's memory is
// bounded by its declared length (capacity grows geometrically, capped at the declared length).
class RequestParser {
 public:
  enum class Outcome { kNeedMore, kCommand, kError };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}
  void set_limits(const ParserLimits& limits) { limits_ = limits; }

  Outcome Parse(std::string_view input, size_t* consumed, std::vector<std::string>* argv,
                std::string* error);

  // True while a command is partially parsed (bytes absorbed but no command returned yet);
  // false after kError.
  bool in_progress() const;
  void Reset();

 private:
  enum class State {
    kStart,
    kMultibulkHeader,
    kBulkHeader,
    kBulkData,
    kBulkTrailer,
    kInline,
    kError
  };
  enum class LineStatus { kDone, kMore, kTooBig };

  // Absorbs input[*pos..] into line_ until `terminator` (see the strchr/'\r' notes above).
  LineStatus ReadLine(std::string_view input, size_t* pos, char terminator);
  Outcome Fail(std::string text, size_t pos, size_t* consumed, std::string* error);
  void StartLine();

  ParserLimits limits_;
  State state_ = State::kStart;
  int64_t multibulk_len_ = 0;         // elements still expected in the current multibulk command
  int64_t bulk_len_ = -1;             // length of the bulk being read, -1 = expecting "$<len>"
  size_t trailer_left_ = 0;           // bytes after the bulk payload still to skip (the "\r\n")
  std::vector<std::string> pending_;  // arguments of the command being parsed
  std::string line_;                  // partial header or inline line (bytes before any NUL)
  size_t line_len_ = 0;    // bytes absorbed for the current line, including any after a NUL
  bool line_cr_ = false;   // header line: '\r' seen, one more byte to skip
  bool line_nul_ = false;  // a NUL came before the terminator: the line can never complete
  std::string error_;      // sticky error text once state_ == kError
};

}  // namespace redraft::resp
