#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::resp {

struct ParserLimits {
  int64_t max_bulk_len = 512ll * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = 1024 * 1024;     // Redis: "invalid multibulk length" above this
  size_t max_inline_len = 64 * 1024;           // Redis PROTO_INLINE_MAX_SIZE
};

// Incremental parser of client requests: multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline
// ("GET k\r\n", with Redis's quoting rules). Modelled on Redis's processMultibulkBuffer: resumable
// state between calls, limits checked before anything is buffered. One parser per connection.
//
// Contract: Parse() looks at `input` (the bytes not yet consumed by earlier calls) and returns
//   kCommand  - one full command in *argv (cleared first); *consumed bytes of input were used.
//               An empty inline line yields kCommand with an empty argv (callers skip it).
//   kNeedMore - *consumed bytes (possibly > 0) were absorbed into the parser's state; call
//               again with the rest of the input plus new bytes.
//   kError    - *error holds Redis's exact text without "-ERR " prefix handling by the caller,
//               e.g. "Protocol error: invalid bulk length"; the connection must be closed.
// The caller drops *consumed bytes from its buffer after every call.
class RequestParser {
 public:
  enum class Outcome { kNeedMore, kCommand, kError };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}
  void set_limits(const ParserLimits& limits) { limits_ = limits; }

  Outcome Parse(std::string_view input, size_t* consumed, std::vector<std::string>* argv,
                std::string* error);

  // True while a command is partially parsed (bytes absorbed but no command returned yet).
  bool in_progress() const;
  void Reset();

 private:
  ParserLimits limits_;
  // Implementation state (multibulk count remaining, current bulk length, partial argv, ...).
  int64_t multibulk_len_ = 0;   // elements still expected; 0 = at a command boundary
  int64_t bulk_len_ = -1;       // length of the bulk being read, -1 = expecting "$<len>"
  std::vector<std::string> pending_;
};

}  // namespace redraft::resp
