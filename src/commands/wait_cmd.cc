// WAIT numreplicas timeout: the number of followers whose log holds this client's last write
// (README, "WAIT"). The server keeps the client's last write index and counts through the
// replication layer; a client whose count is short is parked without blocking the loop
// (server/replica_waits.h) until it is reached or the timeout passes.
#include "commands/args.h"
#include "commands/command.h"
#include "commands/server_api.h"

namespace redraft::commands {
namespace {

void ExecWait(ExecContext& ctx, const Argv& argv) {
  int64_t numreplicas, timeout;
  if (!ParseInt64(argv[1], &numreplicas)) return ctx.reply.Error(kErrNotInteger);
  if (!ParseInt64(argv[2], &timeout)) return ctx.reply.Error("ERR timeout is not an integer or out of range");
  if (timeout < 0) return ctx.reply.Error("ERR timeout is negative");
  // (Redis 7.0 has no "timeout is out of range" check yet: a huge timeout waits forever.)
  if (ctx.server == nullptr) return ctx.reply.Integer(0);
  ctx.server->WaitReplicas(ctx.session.id, numreplicas, timeout, ctx.reply);
}

}  // namespace

extern const CommandSpec kWaitCommands[] = {
    {.name = "wait", .arity = 3, .flags = kNoScript, .first_key = 0, .last_key = 0, .key_step = 0, .group = "generic",
     .since = "3.0.0",
     .summary = "Wait for the synchronous replication of all the write commands sent in the context of the current "
                "connection",
     .complexity = "O(1)", .execute = ExecWait, .acl = kAclConnection, .tips = "request_policy:all_shards response_policy:agg_min",
     .args = "numreplicas:integer timeout:integer"},
    {},
};

}  // namespace redraft::commands
