// The connection side of transactions (docs/transactions.md): MULTI queues, EXEC turns the queue
// into one redraft.exec log entry (or, with no write and no WATCH, runs it here after one read
// barrier), DISCARD drops it, WATCH notes this node's applied index and clock.
#include <algorithm>

#include "commands/args.h"
#include "commands/scripting_cmds.h"
#include "commands/streams_groups.h"
#include "commands/write_entry.h"
#include "store/store.h"
#include "resp/error_text.h"
#include "server/server.h"

namespace redraft::server {
using resp::ErrorReply;  // resp/error_text.h: the one error renderer

bool Server::QueueOrRefuse(Connection* c, const commands::CommandSpec& spec, commands::Argv& argv) {
  if (!c->in_multi || commands::IsTransactionControl(spec)) return false;
  if (commands::IsNoMulti(spec)) {
    FlagTransaction(c);
    Reply(c, ErrorReply("ERR Command not allowed inside a transaction"));
    return true;
  }
  if (commands::QueuedScriptDenyOom(argv, *store_)) c->multi_script_denyoom = true;  // EXEC's OOM gate
  c->queued.push_back(std::move(argv));
  Reply(c, "+QUEUED\r\n");
  return true;
}

void Server::EndTransaction(Connection* c) {
  c->in_multi = false;
  c->multi_error = false;
  c->multi_script_denyoom = false;
  c->queued.clear();
  c->watch = commands::WatchState{};
}

bool Server::RunTransactionCommand(Connection* c, const commands::CommandSpec& spec, commands::Argv& argv) {
  if (spec.name == "multi") {
    if (c->in_multi) {
      Reply(c, ErrorReply("ERR MULTI calls can not be nested"));
    } else {
      c->in_multi = true;
      Reply(c, "+OK\r\n");
    }
  } else if (spec.name == "discard") {
    if (!c->in_multi) {
      Reply(c, ErrorReply("ERR DISCARD without MULTI"));
    } else {
      EndTransaction(c);
      Reply(c, "+OK\r\n");
    }
  } else if (spec.name == "watch") {
    if (c->in_multi) {
      Reply(c, ErrorReply("ERR WATCH inside MULTI is not allowed"));
      return true;
    }
    // A read: once a linearizable read barrier passed (WatchNow), the applied index covers every
    // change committed before the WATCH, so none of those counts as a change after it.
    uint64_t token = NewSlot(c, /*is_read=*/true);
    c->slots.back().argv = std::move(argv);
    if (cur_trace_.trace_id) TraceIntoSlot(c->slots.back());  // traces
    if (c->session.readonly) OnReadReady(token);  // this node's state as it is: W may be stale
    else log_->ReadBarrier(token);
  } else if (spec.name == "unwatch") {
    c->watch = commands::WatchState{};
    Reply(c, "+OK\r\n");
  } else if (spec.name == "exec") {
    Exec(c);
  } else {
    return false;
  }
  return true;
}

void Server::WatchNow(Connection* c, const commands::Argv& argv) {
  commands::WatchState& w = c->watch;
  if (!w.active) {
    // Every change applied after this index is a change after the WATCH.
    w.active = true;
    w.index = sm_->applied_index();
    w.time_ms = LogClockMs();
  }
  // A watched key is qualified by the logical database WATCH ran in (transactions.h).
  for (size_t i = 1; i < argv.size(); i++) {
    std::string key = store::QualifyKey(static_cast<uint8_t>(c->session.db), argv[i]);
    if (std::find(w.keys.begin(), w.keys.end(), key) == w.keys.end()) w.keys.push_back(std::move(key));
  }
  c->out.append("+OK\r\n");
}

void Server::Exec(Connection* c) {
  if (!c->in_multi) return Reply(c, ErrorReply("ERR EXEC without MULTI"));
  if (c->multi_error) {
    EndTransaction(c);
    return Reply(c, ErrorReply("EXECABORT Transaction discarded because of previous errors."));
  }
  std::vector<commands::Argv> queued = std::move(c->queued);
  commands::WatchState watch = std::move(c->watch);
  EndTransaction(c);
  // Connection and server commands run here, now, in queue order; their replies ride in the
  // entry (transactions.h).
  auto run_local = [&](const commands::CommandSpec& spec, const commands::Argv& argv) {
    std::string out;
    if (spec.name == "unwatch") return std::string("+OK\r\n");  // EXEC has taken the watch already
    in_exec_ = true;  // WAIT and MIGRATE answer at once inside EXEC (server_migrate.cc)
    ExecuteNow(c, spec, argv, &out);
    in_exec_ = false;
    return out;
  };
  int64_t now = LogClockMs();
  const int db = c->session.db;  // queued SELECTs run in BuildExec change the session's
  // Scripts (EVAL, EVALSHA, FCALL) become their log form and run at apply time inside the entry.
  for (commands::Argv& q : queued) commands::XgroupFormInMulti(&q);  // XGROUP writes: streams_groups.h
  for (commands::Argv& q : queued) commands::ScriptFormInMulti(&q, *store_, c->acl_user.get());
  // Redis's pre_command_oom_state at EXEC: the scripts inside run under it (scripting_cmds.h).
  if (cfg_.maxmemory > 0) commands::MarkExecScriptsOom(&queued, [this] { return OutOfMemory(); });
  // Redis re-checks every queued command's permissions at EXEC (the user may have changed since
  // MULTI); the commands that reach the log are judged once more at apply (docs/acl.md).
  auto refuse = [&](const commands::CommandSpec& spec, const commands::Argv& argv) {
    return AclExecRefusal(c, spec, argv);
  };
  commands::ExecPlan plan = commands::BuildExec(queued, watch, now, db, run_local, refuse);
  if (!plan.has_write && !watch.active) {
    // Nothing to change and nothing to check: reads run here after one read barrier.
    bool has_read = std::any_of(plan.argv.begin() + 4, plan.argv.end(), [](const std::string& item) {
      return item[0] == 'C';
    });
    if (!has_read) {
      std::string out;
      resp::ReplyBuilder rb(&out, c->session.proto);
      commands::ExecContext ctx{*store_, now, rb, c->session, this};
      commands::RunReadOnlyExec(plan.argv, *store_, db, ctx);
      return Reply(c, out);
    }
    uint64_t token = NewSlot(c, /*is_read=*/true);
    c->slots.back().exec = std::move(plan.argv);
    c->slots.back().exec_db = db;
    if (cur_trace_.trace_id) TraceIntoSlot(c->slots.back());  // traces
    if (c->session.readonly) OnReadReady(token);
    else log_->ReadBarrier(token);
    return;
  }
  if (sm_->disk().WritesRefused()) return Reply(c, sm_->disk().MisconfError());
  auto entry = commands::PrepareWrite(*commands::Lookup("redraft.exec"), std::move(plan.argv), now, db, c->session.user);
  if (!entry.ok()) return Reply(c, ErrorReply(entry.status().message()));
  uint64_t token = NewSlot(c, /*is_read=*/false);
  bool traced = cur_trace_.trace_id && TraceWriteProposed(c->slots.back());  // traces (server_trace.cc)
  log_->Propose(std::move(entry).value(), token, c->session.proto);
  if (traced) observability::Tracing().TakeNextProposal();
}

}  // namespace redraft::server
