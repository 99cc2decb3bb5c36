// Reply slots and proposal tokens: a write or data read takes a slot (in request order) and a
// token; the log answers the token (OnApplied, OnReadReady), the slot is found again (FindSlot)
// and Drain moves finished replies to the output in order, running reads whose barrier passed
// once they reach the head. MoveReadsToLog turns waiting reads into log reads ahead of a write.
#include "commands/log_read.h"
#include "commands/write_entry.h"
#include "observability/batch_clock.h"
#include "server/server.h"
#include "store/db_view.h"

namespace redraft::server {

uint64_t Server::NewSlot(Connection* c, bool is_read) {
  uint64_t token = next_token_++;
  proposals_.Put(token, c->id);
  c->slots.emplace_back();
  c->slots.back().token = token;
  c->slots.back().is_read = is_read;
  c->slots.back().silent = c->session.replies_silenced();
  c->slots.back().stats = cur_stats_;
  c->slots.back().t0_us = cur_t0_us_;
  (is_read ? c->pending_reads : c->pending_writes)++;
  if (!is_read && cur_stats_ && in_input_batch_) unstamped_writes_ = true;  // StampProposed at the batch's end
  return token;
}

bool Server::MoveReadsToLog(Connection* c) {
  if (c->session.readonly) return false;  // READONLY reads are local by request: they wait
  const commands::CommandSpec* read_spec = commands::Lookup("redraft.read");
  for (const Connection::Slot& s : c->slots) {
    if (!s.is_read || s.state == Connection::Slot::kDone) continue;
    if (s.unchanged) continue;  // proposed as the write it is
    const commands::CommandSpec* spec = s.exec.empty() && !s.argv.empty() ? commands::Lookup(s.argv[0]) : nullptr;
    if (!spec || !commands::LogReadable(*spec)) return false;
  }
  // Each read gets a log position after its arrival and before the write: linearizable, and it
  // sees none of the connection's later writes. Its barrier token is forgotten: when the barrier
  // answers, FindSlot finds no slot holding it.
  for (Connection::Slot& s : c->slots) {
    if (!s.is_read || s.state == Connection::Slot::kDone) continue;
    if (s.unchanged) {  // a write answered as a read if unchanged: its own log form
      ProposeSlotWrite(c, s);
      continue;
    }
    const commands::CommandSpec* spec = read_spec;
    commands::Argv argv = std::move(s.argv);
    s.argv.clear();
    commands::LogReadForm(&spec, &argv);
    auto entry = commands::PrepareWrite(*spec, std::move(argv), LogClockMs(), c->session.db);
    REDRAFT_CHECK(entry.ok());  // LogReadable was checked above; prepare checks only that
    if (s.trace) observability::Tracing().EraseRead(s.token);  // no ReadIndex round any more
    s.token = next_token_++;
    proposals_.Put(s.token, c->id);
    s.is_read = false;
    s.state = Connection::Slot::kWaiting;
    if (s.stats) s.t_proposed_us = observability::Batch().Now();
    c->pending_reads--;
    c->pending_writes++;
    log_->Propose(std::move(entry).value(), s.token, c->session.proto);
  }
  return true;
}

Connection::Slot* Server::FindSlot(uint64_t token, Connection** conn) {
  uint64_t client_id = 0;
  if (!proposals_.Take(token, &client_id)) return nullptr;
  auto cit = clients_.find(client_id);
  if (cit == clients_.end()) return nullptr;  // the client went away; a write still happens
  for (auto& s : cit->second->slots) {
    if (s.token == token) {
      *conn = cit->second;
      return &s;
    }
  }
  return nullptr;
}

void Server::OnApplied(uint64_t token, std::string&& reply) {
  if (evictor_ && evictor_->OnApplied(token)) return;  // the evictor's own entries (docs/memory.md)
  if (blocking_ && blocking_->OnApplied(token, reply)) return;
  AnswerSlot(token, std::move(reply));
}

void Server::AnswerSlot(uint64_t token, std::string&& reply) {
  Connection* c = nullptr;
  Connection::Slot* slot = FindSlot(token, &c);
  if (!slot) return;
  if (slot->trace) TraceAnswered(*slot);  // traces (server_trace.cc)
  // A failed read barrier also arrives here, as its error reply.
  (slot->is_read ? c->pending_reads : c->pending_writes)--;
  if (!slot->is_read) c->last_write_index = std::max(c->last_write_index, store_->applied_index());  // WAIT
  if (slot->stats) {
    uint64_t now = observability::Batch().Now();  // shared by the answers of one applied group
    slot->t_ready_us = now;
    uint64_t proposed = slot->t_proposed_us ? slot->t_proposed_us : slot->t0_us;
    CountCall(c, slot->stats, slot->t0_us, now, reply, nullptr,
              {{"propose", proposed - slot->t0_us}, {"replicate_apply", now - proposed}},
              slot->slow_args_at);
  }
  slot->state = Connection::Slot::kDone;
  slot->bytes = std::move(reply);
  slot->argv.clear();
  Drain(c);
}

void Server::OnReadReady(uint64_t token) {
  Connection* c = nullptr;
  Connection::Slot* slot = FindSlot(token, &c);
  if (!slot) return;
  slot->state = Connection::Slot::kRunnable;
  if (slot->trace) TraceAnswered(*slot);  // traces (server_trace.cc)
  // The previous read's end, or the group's reading. Its stage is observed when the read is counted.
  if (slot->stats) slot->t_ready_us = observability::Batch().Now();
  Drain(c);
}

// CountCall for reads, whose error replies were counted in errorstats as they ran (Drain). The
// loop runs once per read with metrics on: what does not change from one read to the next is
// read once (the compiler cannot hoist it, the counters it writes might alias it).
void Server::CountReads(const AnsweredRead* reads, size_t n, uint64_t now) {
  observability::Registry& m = observability::Global();
  observability::Histogram& wait = m.stage(observability::Stage::kReadBarrierWait);
  observability::Histogram& run = m.stage(observability::Stage::kReadExecute);
  const uint64_t recorded_us = m.RecordedCallUs();
  for (const AnsweredRead* r = reads; r != reads + n; ++r) {
    const uint64_t us = now - r->t0_us;
    observability::CommandStats* st = r->stats;
    st->calls++;
    st->usec += us;
    st->latency_us.Observe(us);
    st->failed += r->failed;
    wait.Observe(r->t_ready_us - r->t0_us);
    run.Observe(now - r->t_ready_us);
    if (us >= recorded_us) [[unlikely]] {
      CountSlowCall(r->conn, st, us, &r->args, {{"barrier_wait", r->t_ready_us - r->t0_us}, {"read", now - r->t_ready_us}});
    }
  }
}

// The reads answered in one loop iteration share one end reading, taken when the iteration's
// output is about to be written (FlushOutputs) or a connection closes: their replies leave
// together then anyway, so that is when each was answered. A reading per read was 1.5 % of a
// GET -P16 profile: barriers are answered one token at a time (ReadBarriers::Serve), so each
// read was its own batch. A read's "read" stage is the time from its barrier's answer to then.
void Server::CountAnsweredReads() {
  const uint64_t now = observability::Batch().Fresh();  // what runs next starts here
  CountReads(answered_reads_.data(), answered_reads_.size(), now);
  answered_reads_.clear();
}

// Moves finished replies from the head of the slots to the output, running reads whose barrier
// passed once they reach the head; then resumes a command that waited for the slots to drain.
void Server::Drain(Connection* c) {
  bool moved = false;
  while (!c->slots.empty()) {
    Connection::Slot& s = c->slots.front();
    if (s.state == Connection::Slot::kRunnable) {
      std::string dropped;
      std::string* out = s.silent ? &dropped : &c->out;
      size_t before = out->size();
      if (s.unchanged) {  // a write that looked unchanged (docs/unchanged_writes.md)
        if (!AnswerUnchangedSlot(c, s, out)) break;  // it changes something: now a write in the log
      } else if (!s.exec.empty()) {
        resp::ReplyBuilder rb(out, c->session.proto);
        commands::ExecContext ctx{*store_, LogClockMs(), rb, c->session, this};
        commands::RunReadOnlyExec(s.exec, *store_, s.exec_db, ctx);
      } else if (const commands::CommandSpec* spec = s.spec ? s.spec : commands::Lookup(s.argv[0]);
                 spec->name == "watch") {
        WatchNow(c, s.argv);
      } else {
        ExecuteNow(c, *spec, s.argv, out);
      }
      c->pending_reads--;
      if (s.stats) {
        std::string_view reply = out->size() > before ? std::string_view(*out).substr(before) : std::string_view();
        const bool failed = observability::Registry::IsError(reply);
        if (failed) [[unlikely]] observability::Global().Error(reply);
        commands::Argv& args = s.exec.empty() ? s.argv : s.exec;
        if (s.silent) {  // no reply leaves with the iteration's output: counted now
          AnsweredRead r{c, s.stats, s.t0_us, s.t_ready_us, failed, std::move(args)};
          CountReads(&r, 1, observability::Batch().Fresh());
        } else {  // counted with the iteration's others (CountAnsweredReads)
          answered_reads_.emplace_back(c, s.stats, s.t0_us, s.t_ready_us, failed, std::move(args));
        }
      }
      if (s.trace) TraceReplied(c, s);  // traces
    } else if (s.state == Connection::Slot::kDone) {
      if (s.stats && !s.is_read) {
        observability::Global().stage(observability::Stage::kWriteReply).Observe(observability::Batch().Now() - s.t_ready_us);
      }
      if (!s.silent) c->out.append(s.bytes);
      if (s.trace) TraceReplied(c, s);  // traces
    } else {
      break;
    }
    if (s.slow_args_at != observability::SlowArgsArena::kNone) c->slow_args.Release(s.slow_args_at);
    c->slots.pop_front();
    moved = true;
  }
  if (c->slots.empty()) c->slow_args.Clear();  // only slots hold records
  if (moved) MarkDirty(c);
  if (c->slots.empty() && !c->deferred.empty() && !c->closing) {
    // The reads that ran here are counted now, not at the flush: the command resumed now comes
    // after them (a pipelined INFO commandstats or SLOWLOG GET must see them, as in Redis), and
    // starts at that reading, so it is not charged for them.
    if (!answered_reads_.empty()) CountAnsweredReads();
    commands::Argv argv = std::move(c->deferred);
    c->deferred.clear();
    total_commands_--;  // counted when it was first dispatched
    Dispatch(c, argv);
    if (c->deferred.empty() && !c->closing) {
      if (!c->reading) StartReading(c);
      ProcessInput(c);
    }
  }
}

}  // namespace redraft::server
