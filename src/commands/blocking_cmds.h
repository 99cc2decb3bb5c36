// What the server needs to know about a blocking command (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP,
// BZPOPMIN BZPOPMAX BZMPOP)
// to park its client: the keys it waits on and its timeout. The commands themselves (their
// prepare and apply) live with their family (lists.cc); their apply is the non-blocking form
// (Redis's behaviour inside MULTI): it pops, or replies nil when every key is empty, and the
// server (server/blocking.h) reads that nil as "nothing yet". docs/blocking.md. The sorted-set
// ones live in zsets_blocking.cc.
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"
#include "resp/reply_builder.h"

namespace redraft::commands {

// Redis getTimeoutFromObjectOrReply(..., UNIT_SECONDS): a long double number of seconds,
// truncated to milliseconds; 0 waits forever. Errors (written to reply): "ERR timeout is not a
// float or out of range", "ERR timeout is negative" (also for values whose milliseconds overflow
// a long long, as Redis's conversion gives LLONG_MIN there). Tiny negatives like -0.0001 truncate
// to 0 (forever), as in Redis.
bool ParseBlockingTimeout(std::string_view arg, resp::ReplyBuilder& reply, int64_t* ms);

// The keys a blocking command waits on, in argument order, and its timeout in ms (0 = forever).
// REQUIRES: argv passed the command's prepare (the server calls this after PrepareWrite).
// False if argv is not a blocking command of this build.
struct BlockingWait {
  std::vector<std::string> keys;
  int64_t timeout_ms = 0;
  store::ValueType type = store::ValueType::kList;  // what wakes it: a non-empty list or zset, or
                                                    // (kStream) what StreamWaitReady says
};
bool DescribeBlocking(const Argv& argv, BlockingWait* out);

}  // namespace redraft::commands
