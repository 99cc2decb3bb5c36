// Sorted sets: the blocking pops BZPOPMIN, BZPOPMAX, BZMPOP as their non-blocking form (what Redis
// runs inside MULTI): pop from the first non-empty key, or reply a null array, which the server
// reads as "nothing yet" and parks the client (server/blocking.h, docs/blocking.md). Argument
// errors come in Redis's order; the apply re-checks them (write_entry.h).
#include "commands/args.h"
#include "commands/blocking_cmds.h"
#include "commands/zsets_internal.h"

namespace redraft::commands::zset {

using store::Value;

// BZPOPMIN/BZPOPMAX key [key ...] timeout: [key, member, score] (Redis genericZpopCommand with
// emitkey, one element), or a null array.
bool BzpopPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t ms;
  return ParseBlockingTimeout(argv.back(), ctx.reply, &ms);
}

namespace {
void BzpopGeneric(ApplyContext& ctx, const Argv& argv, bool max) {
  int64_t ms;
  if (!ParseBlockingTimeout(argv.back(), ctx.reply, &ms)) return;
  for (size_t j = 1; j + 1 < argv.size(); j++) {
    Value v;
    Found f = Write(ctx, argv[j], &v);
    if (f == Found::kFailed) return;
    if (f == Found::kNo) continue;
    auto got = PopElements(ctx, argv[j], &v, max, 1);
    ctx.reply.ArrayHeader(3);
    ctx.reply.Bulk(argv[j]);
    ctx.reply.Bulk(got[0].first);
    ctx.reply.Double(got[0].second);
    return;
  }
  ctx.reply.NullArray();
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: numkeys, direction and count are
// checked before the timeout, as BLMPOP's.
bool ParseBzmpop(const Argv& argv, resp::ReplyBuilder& reply, int64_t* numkeys, bool* max, int64_t* count) {
  int64_t ms;
  return ParseZmpop(argv, 2, numkeys, max, count, reply) && ParseBlockingTimeout(argv[1], reply, &ms);
}
}  // namespace

void BzpopminApply(ApplyContext& ctx, const Argv& argv) { BzpopGeneric(ctx, argv, false); }
void BzpopmaxApply(ApplyContext& ctx, const Argv& argv) { BzpopGeneric(ctx, argv, true); }

bool BzmpopPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t numkeys, count;
  bool max;
  return ParseBzmpop(argv, ctx.reply, &numkeys, &max, &count);
}
void BzmpopApply(ApplyContext& ctx, const Argv& argv) {
  int64_t numkeys, count;
  bool max;
  if (ParseBzmpop(argv, ctx.reply, &numkeys, &max, &count)) MpopReply(ctx, argv, 3, numkeys, max, count);
}

}  // namespace redraft::commands::zset
