#include "commands/blocking_cmds.h"

#include <climits>

#include "commands/args.h"
#include "commands/streams_blocking.h"

namespace redraft::commands {

bool ParseBlockingTimeout(std::string_view arg, resp::ReplyBuilder& reply, int64_t* ms) {
  long double seconds;
  if (!ParseLongDouble(arg, &seconds)) {
    reply.Error("ERR timeout is not a float or out of range");
    return false;
  }
  // Redis: tval = (long long)(ftval * 1000.0). Out-of-range conversions give LLONG_MIN on x86
  // (the "integer indefinite" value), which Redis then reports as negative.
  long double t = seconds * 1000.0L;
  long long tval = (t >= -9223372036854775808.0L && t < 9223372036854775808.0L) ? static_cast<long long>(t)
                                                                                  : LLONG_MIN;
  if (tval < 0) {
    reply.Error("ERR timeout is negative");
    return false;
  }
  *ms = tval;
  return true;
}

bool DescribeBlocking(const Argv& argv, BlockingWait* out) {
  if (argv.empty()) return false;
  if (DescribeStreamBlocking(argv, out)) return true;  // XREADGROUP / XREAD BLOCK (streams_blocking.h)
  std::string_view name = argv[0];
  std::string scratch;
  resp::ReplyBuilder sink(&scratch);
  size_t n = argv.size();
  out->keys.clear();
  bool zset = EqualsIgnoreCase(name, "bzpopmin") || EqualsIgnoreCase(name, "bzpopmax");
  out->type = zset || EqualsIgnoreCase(name, "bzmpop") ? store::ValueType::kZset : store::ValueType::kList;
  if (zset || EqualsIgnoreCase(name, "blpop") || EqualsIgnoreCase(name, "brpop")) {
    if (n < 3) return false;
    out->keys.assign(argv.begin() + 1, argv.end() - 1);
    return ParseBlockingTimeout(argv[n - 1], sink, &out->timeout_ms);
  }
  if (EqualsIgnoreCase(name, "blmove") || EqualsIgnoreCase(name, "brpoplpush")) {
    if (n < 4) return false;
    out->keys.push_back(argv[1]);
    return ParseBlockingTimeout(argv[n - 1], sink, &out->timeout_ms);
  }
  if (EqualsIgnoreCase(name, "blmpop") || EqualsIgnoreCase(name, "bzmpop")) {
    int64_t numkeys;
    if (n < 4 || !ParseInt64(argv[2], &numkeys) || numkeys < 1 || static_cast<uint64_t>(numkeys) > n - 3) {
      return false;
    }
    out->keys.assign(argv.begin() + 3, argv.begin() + 3 + numkeys);
    return ParseBlockingTimeout(argv[1], sink, &out->timeout_ms);
  }
  return false;
}

}  // namespace redraft::commands
