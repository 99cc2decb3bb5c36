// Writes that change nothing, answered as reads (docs/unchanged_writes.md): a command with a
// CommandSpec::unchanged predicate (SETBIT) that would not change this node's state takes a read
// slot and a read barrier instead of a log entry; once the barrier passed and the slot reaches
// the head, the predicate runs again on the state as of then, which either answers the command
// (nothing was written, nothing is logged or fsynced) or proposes the write after all.
//
// Invariant (why this is linearizable): the command's linearization point is the moment the
// predicate answers it in Drain. At that moment the read barrier has passed (the applied state
// holds every write acknowledged before the command arrived, on a follower as on the leader) and
// nothing of the connection's is still ahead of it in the log: it takes this path only with none
// of its connection's writes in flight (UnchangedCandidate), and any later command of the
// connection is either a read queued behind it or a write that converts it into its log form
// first (MoveReadsToLog). Applying the write at that point would change nothing, so answering
// without applying it gives exactly the reply and state a write applied there would have given.
#include "commands/write_entry.h"
#include "observability/batch_clock.h"
#include "observability/tracing.h"
#include "server/server.h"
#include "store/db_view.h"

namespace redraft::server {

bool Server::RunUnchanged(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv,
                          std::string* out) {
  resp::ReplyBuilder rb(out, c->session.proto);
  store::DbStore db(*store_, c->session.db);  // the session's database (SELECT)
  commands::ExecContext ctx{db, LogClockMs(), rb, c->session, this};
  return spec.unchanged(ctx, argv);
}

// Only with none of the connection's writes in flight: the read must not overtake them (the
// state it reads could then lack them, though the client sent them first). READONLY sessions
// read local state without a barrier; their writes keep the log path, so a write's answer is
// never stale. Inside MULTI nothing gets here (queued: EXEC applies through the log), nor do the
// commands of scripts (applied with the script's entry).
bool Server::UnchangedCandidate(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv) {
  if (!spec.unchanged || c->pending_writes > 0 || c->session.readonly || c->in_multi) return false;
  // A hint from this node's applied state (possibly stale on a follower, or overtaken by other
  // clients' writes before the barrier passes): it only picks the path. The answer comes from
  // the look after the barrier (AnswerUnchangedSlot).
  std::string scratch;
  return RunUnchanged(c, spec, argv, &scratch);
}

void Server::AskUnchangedRead(Connection* c, commands::Argv&& argv) {
  uint64_t token = NewSlot(c, /*is_read=*/true);
  Connection::Slot& s = c->slots.back();
  s.argv = std::move(argv);
  s.unchanged = true;
  if (cur_trace_.trace_id) TraceReadBarrier(s);  // traces: the ReadIndex round's spans
  log_->ReadBarrier(token);
}

bool Server::AnswerUnchangedSlot(Connection* c, Connection::Slot& s, std::string* out) {
  const commands::CommandSpec* spec = commands::Lookup(s.argv[0]);
  if (RunUnchanged(c, *spec, s.argv, out)) return true;
  ProposeSlotWrite(c, s);
  return false;
}

// The slot's write, proposed now (its log position is now: after everything the connection sent
// before it, which is answered or in the log already, and before anything it sends after).
void Server::ProposeSlotWrite(Connection* c, Connection::Slot& s) {
  const commands::CommandSpec* spec = commands::Lookup(s.argv[0]);
  auto entry = commands::PrepareWrite(*spec, std::move(s.argv), LogClockMs(), c->session.db, c->session.user);
  REDRAFT_CHECK(entry.ok());  // CommandSpec::unchanged: true only for what prepare accepts
  s.argv.clear();
  if (s.trace) observability::Tracing().EraseRead(s.token);  // no ReadIndex round any more
  // The barrier's token is forgotten: if it answers later, FindSlot finds no slot holding it.
  s.token = next_token_++;
  proposals_.Put(s.token, c->id);
  s.is_read = false;
  s.unchanged = false;
  s.state = Connection::Slot::kWaiting;
  if (s.stats) s.t_proposed_us = observability::Batch().Now();
  c->pending_reads--;
  c->pending_writes++;
  bool traced = false;
  if (s.trace) {
    s.trace->proposed = observability::WallMicros();
    observability::Tracing().SetNextProposal(
        observability::TraceContext{s.trace->trace_id, s.trace->root_id, s.trace->proposed});
    traced = true;
  }
  log_->Propose(std::move(entry).value(), s.token, c->session.proto);
  if (traced) observability::Tracing().TakeNextProposal();  // unused if the log did not take it
}

}  // namespace redraft::server
