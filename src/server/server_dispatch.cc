// Request dispatch: parsing a connection's input into commands (ProcessInput) and running each
// through the checks (arity, auth, ACL, subscriber mode, OOM, MULTI queueing) to one of three
// paths: a write proposed to the log, a data read behind a read barrier (both answered through a
// reply slot, server_slots.cc), or a command executed now.
#include <spdlog/spdlog.h>

#include "commands/acl_cmds.h"
#include "commands/args.h"
#include "commands/command_info.h"
#include "commands/log_read.h"
#include "commands/scripting_cmds.h"
#include "commands/streams_blocking.h"
#include "commands/streams_groups.h"
#include "commands/write_entry.h"
#include "observability/batch_clock.h"
#include "resp/error_text.h"
#include "server/server.h"
#include "store/db_view.h"

namespace redraft::server {
using resp::ErrorReply;  // resp/error_text.h: the one error renderer

void Server::ProcessInput(Connection* c) {
  size_t pos = 0;
  std::string error;
  // The writes this batch proposes are stamped "proposed" together when it ends (StampProposed).
  bool outer_batch = std::exchange(in_input_batch_, true);
  bool outer_unstamped = std::exchange(unstamped_writes_, false);
  uint64_t first_token = next_token_;
  while (!c->closing && !c->close_after_reply && c->deferred.empty() && !c->blocked && pos < c->query.size()) {
    size_t consumed = 0;
    auto outcome = c->parser.Parse(std::string_view(c->query).substr(pos), &consumed, &c->argv, &error);
    pos += consumed;
    c->command_bytes += consumed;
    if (outcome == resp::RequestParser::Outcome::kNeedMore) {
      if (static_cast<int64_t>(c->command_bytes + c->query.size() - pos) > cfg_.client_query_buffer_limit) {
        spdlog::warn("closing client {} that reached max query buffer length", c->addr);
        CloseConnection(c);
        return;
      }
      break;
    }
    if (outcome == resp::RequestParser::Outcome::kError) {
      Reply(c, ErrorReply("ERR " + error));
      c->close_after_reply = true;
      break;
    }
    c->command_bytes = 0;
    if (c->argv.empty()) continue;
    c->session.reply_skip = std::exchange(c->session.reply_skip_next, false);  // CLIENT REPLY SKIP
    if (!Dispatch(c, c->argv)) break;
  }
  if (!c->closing) c->query.erase(0, pos);
  if (!c->deferred.empty() && c->reading && !c->closing) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->handle));
    c->reading = false;
  }
  in_input_batch_ = outer_batch;
  if (unstamped_writes_) StampProposed(c, first_token);
  unstamped_writes_ = outer_unstamped;
}

// One clock reading for every write the batch proposed (tokens from first_token on): the slots
// are new, at the back; reply-only slots (token 0) and reads are passed over.
void Server::StampProposed(Connection* c, uint64_t first_token) {
  uint64_t now = 0;
  for (auto it = c->slots.rbegin(); it != c->slots.rend(); ++it) {
    if (it->token != 0 && it->token < first_token) break;
    if (it->is_read || !it->stats || it->t_proposed_us || it->state != Connection::Slot::kWaiting) continue;
    if (!now) now = observability::Batch().Fresh();
    it->t_proposed_us = now;
    observability::Global().stage(observability::Stage::kWritePropose).Observe(now - it->t0_us);
  }
}

// Metrics of one Dispatch (server_metrics.cc): which command's stats an error reply or a slot
// counts against; the previous values are restored when Dispatch returns (it may nest).
struct Server::CallScope {
  Server* s;
  Connection* c;
  observability::CommandStats* stats;
  uint64_t t0;
  bool ran;
  observability::RequestTrace trace;  // the outer Dispatch's traced request (traces)
  CallScope(Server* srv, Connection* conn)
      : s(srv), c(conn), stats(srv->cur_stats_), t0(srv->cur_t0_us_), ran(srv->cur_ran_), trace(srv->cur_trace_) {
    s->cur_stats_ = nullptr;
    s->cur_trace_ = observability::RequestTrace{};
  }
  void Start(const commands::CommandSpec& spec) {
    observability::Registry& m = observability::Global();
    if (!m.enabled()) return;
    s->cur_stats_ = m.Command(spec.id, &spec, spec.name);  // by id: no hash lookup
    s->cur_stats_->skip_slowlog = spec.flags & commands::kSkipSlowlog;
    s->cur_t0_us_ = observability::Batch().Now();  // the batch's read, or the previous command's end
    s->cur_ran_ = false;
  }
  ~CallScope() {
    if (s->cur_trace_.trace_id) s->TraceEndNow(c);  // answered within Dispatch (server_trace.cc)
    s->cur_trace_ = trace;
    if (!s->own_monitor_line_.empty()) {  // MONITOR's line for the monitor's own command
      if (!c->closing) {
        c->out.append(s->own_monitor_line_);
        s->MarkDirty(c);
      }
      s->own_monitor_line_.clear();
    }
    s->cur_stats_ = stats;
    s->cur_t0_us_ = t0;
    s->cur_ran_ = ran;
  }
};

bool Server::Dispatch(Connection* c, commands::Argv& argv) {
  total_commands_++;
  CallScope scope(this, c);
  const commands::CommandSpec* spec = commands::Lookup(argv[0]);
  if (!spec || (spec->flags & commands::kInternal)) {  // internal commands come only from the server
    FlagTransaction(c);
    Reply(c, ErrorReply(commands::UnknownCommand(argv)));
    return true;
  }
  const commands::CommandSpec* named = commands::LookupSubcommand(*spec, argv);  // "client|list" for CLIENT LIST
  c->last_cmd = named ? named->name : "NULL";
  scope.Start(named ? *named : *spec);
  // Traces: an unsampled request pays the sampler's increment and compare (tracing.h Sampler).
  if (c->session.trace || observability::Tracing().Sample()) TraceBegin(c, (named ? named : spec)->name);
  int argc = static_cast<int>(argv.size());
  if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
    if (c->in_multi && spec->name == "exec") {  // Redis's execCommandAbort
      Reply(c, ErrorReply("EXECABORT Transaction discarded because of: " + commands::WrongArity(spec->name).substr(4)));
      EndTransaction(c);
      return true;
    }
    FlagTransaction(c);
    Reply(c, ErrorReply(commands::WrongArity(spec->name)));
    return true;
  }
  if (!c->session.authenticated && !(spec->flags & commands::kNoAuth)) {
    FlagTransaction(c);
    Reply(c, "-NOAUTH Authentication required.\r\n");
    return true;
  }
  if (!AclAllows(c, *spec, argv)) return !c->closing;
  if (SubscriberModeRefuses(c, *spec, argv)) return true;  // RESP2 subscriber mode (pubsub_server.cc)
  if (cfg_.maxmemory > 0 && RefuseOom(c, named ? *named : *spec)) return true;  // docs/memory.md
  if (cfg_.maxmemory > 0 && spec->first_key > 0) NoteAccess(*spec, argv, c->session.db);  // eviction's LRU/LFU
  if (!monitors_.empty()) FeedMonitors(c, named ? *named : *spec, argv);
  if (c->in_multi && tracking_.active()) TrackCommand(c, *spec, argv, /*queued=*/true);
  // Inside MULTI: queued (answered +QUEUED, in order behind any pending reply) or refused.
  if (QueueOrRefuse(c, *spec, argv)) return true;
  const commands::CommandSpec* user_spec = spec;  // before the log forms below
  // The name as sent, for SLOWLOG: the log forms below replace it. Only a command that may have a
  // log form with another name is copied: a write, a script (EVAL_RO is a read) or XREAD BLOCK. A
  // read behind writes (redraft.read) keeps its own argv, name included.
  std::string sent_name;
  if (cur_stats_ && observability::Global().slowlog().active() &&
      (!(spec->flags & commands::kReadonly) || (spec->flags & (commands::kNoScript | commands::kBlocking)))) {
    sent_name = argv[0];
  }
  commands::AclWriteForm(&spec, &argv);  // ACL SETUSER/DELUSER are log writes
  commands::ScriptForm(&spec, &argv, *store_, c->acl_user.get());  // EVAL -> redraft.eval, SCRIPT LOAD -> log (scripting_cmds.h)
  // A script sent over maxmemory carries that fact: Redis 7.0's rules apply at apply time (scripting_cmds.h).
  if (cfg_.maxmemory > 0 && spec->name == "redraft.eval" && OutOfMemory()) commands::MarkScriptOom(*spec, &argv);
  commands::XgroupForm(&spec, &argv);  // XGROUP CREATE/SETID/... -> redraft.xgroup, a log write (streams_groups.h)
  if (spec->name == "xread") {  // XREAD BLOCK -> redraft.xread, a blocking write (streams_blocking.h)
    store::DbStore db(*store_, c->session.db);
    commands::XreadBlockForm(&spec, &argv, db, LogClockMs());
  }
  bool is_read = (spec->flags & commands::kReadonly) && !spec->is_write();
  // A write that would change nothing is answered as a read (server_unchanged.cc): it waits for
  // nothing (the connection has no write in flight), reads ahead of it are fine.
  bool unchanged = spec->unchanged && UnchangedCandidate(c, *spec, argv);
  // A read behind this connection's pending writes runs at its log position instead of waiting
  // for them (commands/log_read.h, docs/pipelining.md); READONLY sessions keep their local reads.
  bool log_read = is_read && c->pending_writes > 0 && !c->session.readonly && commands::LogReadable(*spec);
  bool must_wait = log_read || unchanged    ? false
                   : spec->is_write()       ? c->pending_reads > 0 && !MoveReadsToLog(c)
                   : is_read        ? c->pending_writes > 0
                                    : !c->slots.empty();
  if (spec->name == "multi" || spec->name == "discard" || spec->name == "unwatch") must_wait = false;
  if (must_wait) {
    cur_trace_ = observability::RequestTrace{};  // traced (or not) when dispatched again
    c->deferred = std::move(argv);
    return false;
  }
  // ACL SAVE; ACL LOAD becomes a write (only with an aclfile: no call on the common path).
  if (!cfg_.aclfile.empty() && AclFileCommand(c, &spec, &argv)) return !c->closing;
  if (tracking_.active()) TrackCommand(c, *user_spec, argv, /*queued=*/false);
  if (log_read) commands::LogReadForm(&spec, &argv);  // now a write: proposed below, no user carried
  // WATCH and EXEC wait for the slots to drain (WATCH then sees this client's earlier writes
  // applied; EXEC runs after them); MULTI, DISCARD and UNWATCH only change connection state.
  if (RunTransactionCommand(c, *spec, argv)) {
    if (tracking_.active() && spec->name == "exec") TrackingAfterExec(c);
    return !c->closing;
  }
  if (spec->is_write()) {
    // A disk fault (common/disk_health.h): new writes are refused, like Redis's MISCONF.
    if (sm_->disk().WritesRefused()) {
      Reply(c, sm_->disk().MisconfError());
      return true;
    }
    if (unchanged) {
      AskUnchangedRead(c, std::move(argv));
      return !c->closing;
    }
    // Only what passed commands::PrepareWrite is proposed (see write_entry.h).
    // The entry carries the user: judged again where it executes (docs/acl.md).
    // What SLOWLOG would show, kept until the reply (metrics; observability/slow_args.h).
    // A log form (EVAL's redraft.eval, ...) is shown as the command the client sent, as Redis does.
    uint64_t slow_args_at = observability::SlowArgsArena::kNone;
    if (cur_stats_ && observability::Global().slowlog().active()) {
      commands::Argv client;
      if (spec != user_spec && commands::ClientForm(*spec, argv, &client)) {
        if (!sent_name.empty()) client[0] = std::move(sent_name);
        slow_args_at = c->slow_args.Add(client);
      } else {
        slow_args_at = c->slow_args.Add(argv);
      }
    }
    auto entry = commands::PrepareWrite(*spec, std::move(argv), LogClockMs(), c->session.db,
                                        log_read ? std::string_view() : std::string_view(c->session.user));
    if (!entry.ok()) {
      std::string err = ErrorReply(entry.status().message());
      if (cur_stats_) {  // the command ran and failed (its own checks), as Redis counts it
        CountCall(c, cur_stats_, cur_t0_us_, observability::Batch().Fresh(), err, nullptr, {}, slow_args_at);
        cur_ran_ = true;
      }
      if (slow_args_at != observability::SlowArgsArena::kNone) c->slow_args.DropFrom(slow_args_at);
      Reply(c, err);
      return true;
    }
    uint64_t token = NewSlot(c, /*is_read=*/false);
    if (cur_stats_) {
      Connection::Slot& s = c->slots.back();
      s.slow_args_at = slow_args_at;
      if (!in_input_batch_) {  // else stamped when the batch ends (StampProposed)
        s.t_proposed_us = observability::Batch().Fresh();
        observability::Global().stage(observability::Stage::kWritePropose).Observe(s.t_proposed_us - cur_t0_us_);
      }
    }
    bool traced = cur_trace_.trace_id && TraceWriteProposed(c->slots.back());
    if (spec->flags & commands::kBlocking) c->blocked = blocking_->Block(c->id, token, c->session.proto, *entry);
    log_->Propose(std::move(entry).value(), token, c->session.proto);
    if (traced) observability::Tracing().TakeNextProposal();  // unused if the log did not take it
    return !c->blocked;  // a blocked client parses nothing more until answered
  }
  if (is_read) {
    // A data read: answered once a linearizable read barrier passed and it reaches the head.
    uint64_t token = NewSlot(c, /*is_read=*/true);
    c->slots.back().argv = std::move(argv);
    c->slots.back().spec = spec;
    if (cur_trace_.trace_id) TraceReadBarrier(c->slots.back());  // traces: the ReadIndex round's spans
    // READONLY connections read this node's applied state as it is (may be stale on a follower).
    if (c->session.readonly) OnReadReady(token);
    else log_->ReadBarrier(token);
    return !c->closing;
  }
  std::string held;  // CLIENT REPLY OFF/SKIP drop the reply, unless the command was CLIENT REPLY ON
  bool silenced = c->session.replies_silenced();
  std::string* out = silenced ? &held : &c->out;
  size_t before = out->size();
  ExecuteNow(c, *spec, argv, out);
  if (cur_stats_) {
    cur_ran_ = true;
    std::string_view reply = out->size() > before ? std::string_view(*out).substr(before) : std::string_view();
    // Its own end: the next command of the batch starts here, so is not charged for this one.
    CountCall(c, cur_stats_, cur_t0_us_, observability::Batch().Fresh(), reply, &argv, {});
  }
  if (silenced && !c->session.replies_silenced()) c->out.append(held);
  MarkDirty(c);
  return !c->closing && !c->close_after_reply;
}

void Server::ExecuteNow(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv,
                        std::string* out) {
  resp::ReplyBuilder rb(out, c->session.proto);
  store::DbStore db(*store_, c->session.db);  // the session's database (SELECT)
  commands::ExecContext ctx{db, LogClockMs(), rb, c->session, this};
  spec.execute(ctx, argv);
}

}  // namespace redraft::server
