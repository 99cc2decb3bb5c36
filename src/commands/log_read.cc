// redraft.read (log_read.h): a data read carried in the log, run at apply time.
#include "commands/log_read.h"

#include <optional>

#include "commands/transactions.h"
#include "store/db_view.h"

namespace redraft::commands {
namespace {

bool ArityOk(const CommandSpec& spec, size_t argc) {
  int n = static_cast<int>(std::min<size_t>(argc, 1u << 30));
  return spec.arity > 0 ? n == spec.arity : n >= -spec.arity;
}

// The read an entry names (argv[1..]), if it qualifies; checked by prepare on the proposer and by
// the leader for a forwarded entry, and again at apply (an old or forged entry gets an error).
const CommandSpec* InnerRead(const Argv& argv) {
  if (argv.size() < 2) return nullptr;
  const CommandSpec* spec = Lookup(argv[1]);
  if (!spec || !LogReadable(*spec) || !ArityOk(*spec, argv.size() - 1)) return nullptr;
  return spec;
}

bool PrepareRead(PrepareContext& ctx, Argv& argv) {
  if (InnerRead(argv)) return true;
  ctx.reply.Error("ERR invalid log entry: not a log read");
  return false;
}

void ApplyRead(ApplyContext& ctx, const Argv& argv) {
  const CommandSpec* spec = InnerRead(argv);
  // The entry's database view (store::DbBatch) sits over the state machine's TxnBatch, whose
  // read view is the committed store plus this group's earlier writes. Point reads only (the
  // view's Scan/KeyCount would need TxnBatch::TrackWrites; no log-readable command uses them).
  auto* tb = dynamic_cast<TxnBatch*>(&ctx.batch.base());
  if (!spec || !tb) {
    ctx.reply.Error("ERR invalid log entry: malformed redraft.read");
    return;
  }
  Argv inner(argv.begin() + 1, argv.end());
  Session session;
  session.proto = ctx.reply.proto();
  session.db = std::max(ctx.batch.db(), 0);
  std::optional<store::DbStore> view;
  if (ctx.batch.db() >= 0) view.emplace(tb->ReadView(), ctx.batch.db());
  store::Store& target = view ? static_cast<store::Store&>(*view) : tb->ReadView();
  ExecContext ec{target, ctx.now_ms, ctx.reply, session, nullptr};
  spec->execute(ec, inner);
}

}  // namespace

bool LogReadable(const CommandSpec& spec) {
  if (!IsDataRead(spec) || !spec.execute || spec.first_key <= 0 || (spec.flags & kInternal)) return false;
  // These read node state besides the store (OBJECT's access table, SORT_RO's server hooks) or
  // connection state (WATCH): they keep the barrier path.
  for (std::string_view name : {"watch", "object", "memory", "sort_ro"}) {
    if (spec.name == name) return false;
  }
  return true;
}

void LogReadForm(const CommandSpec** spec, Argv* argv) {
  argv->insert(argv->begin(), "redraft.read");
  *spec = Lookup("redraft.read");
}

const CommandSpec kLogReadCommands[] = {
    {.name = "redraft.read", .arity = -2, .flags = kWrite | kInternal, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "generic", .since = "0.1.0",
     .summary = "Internal: a data read that runs at its log position (a read pipelined behind writes)",
     .complexity = "The read's", .prepare = PrepareRead, .apply = ApplyRead},
    {},
};

}  // namespace redraft::commands
