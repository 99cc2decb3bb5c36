// The server's part of per-request traces (issue 13, docs/observability.md "Traces"): which
// requests are traced (CLIENT TRACE ON, or trace-sample-rate, decided here at the receiving node,
// deterministically), and the spans of the receiving node: the root span (dispatched -> reply
// queued), `prepare` (dispatched -> handed to the log: lookup, checks, encoding), `raft.write`
// (leader: handed to the log -> applied here) or `forward` (follower: handed to the log -> the
// outcome arrived), `reply` (ready -> queued behind earlier replies of the pipeline), and for a
// read `read_barrier` and `read`. The Raft stages on every node are recorded by the replicator
// (cluster/raft_replicator_trace.cc), under the root span, with the context handed over here.
#include "observability/tracing.h"
#include "server/server.h"

namespace redraft::server {

using observability::Tracing;
using observability::WallMicros;

void Server::TraceBegin(Connection* c, std::string_view name) {
  bool forced = c->session.trace;
  if (name == "client|trace") {  // asking for the last trace id must not replace it
    if (!forced) Tracing().Unsample();  // the sample goes to the next request
    return;
  }
  observability::RequestTrace& t = cur_trace_;
  t = observability::RequestTrace{};
  t.trace_id = Tracing().NewId();
  t.root_id = Tracing().NewId();
  t.name = name;
  t.forced = forced;
  t.t0 = WallMicros();
  c->session.last_trace_id = observability::HexId(t.trace_id);
}

void Server::TraceSpan(const observability::RequestTrace& t, const char* name, int64_t start, int64_t end) {
  observability::Span s;
  s.trace_id = t.trace_id;
  s.parent_id = t.root_id;
  s.id = Tracing().NewId();
  s.name = name;
  s.start_us = start;
  s.duration_us = end - start;
  Tracing().Record(std::move(s));
}

void Server::TraceRoot(const Connection* c, const observability::RequestTrace& t, int64_t end) {
  observability::Span s;
  s.trace_id = t.trace_id;
  s.id = t.root_id;
  s.name = std::string(t.name);
  s.start_us = t.t0;
  s.duration_us = end - t.t0;
  s.tags.emplace_back("redraft.sampled", t.forced ? "forced" : "rate");
  s.tags.emplace_back("redraft.role", log_->is_leader() ? "leader" : "follower");
  s.tags.emplace_back("client.addr", c->addr);
  Tracing().Record(std::move(s));
}

void Server::TraceEndNow(const Connection* c) {
  TraceRoot(c, cur_trace_, WallMicros());
  cur_trace_ = observability::RequestTrace{};
}

void Server::TraceIntoSlot(Connection::Slot& slot) {
  slot.trace = std::make_unique<observability::RequestTrace>(cur_trace_);
  cur_trace_ = observability::RequestTrace{};
}

void Server::TraceReadBarrier(Connection::Slot& slot) {
  TraceIntoSlot(slot);
  const observability::RequestTrace& t = *slot.trace;
  Tracing().BindRead(slot.token, observability::TraceContext{t.trace_id, t.root_id, t.t0});
}

bool Server::TraceWriteProposed(Connection::Slot& slot) {
  TraceIntoSlot(slot);
  observability::RequestTrace& t = *slot.trace;
  t.proposed = WallMicros();
  TraceSpan(t, "prepare", t.t0, t.proposed);
  // Taken by the replicator's Propose of this write (and cleared by Dispatch right after it).
  Tracing().SetNextProposal(observability::TraceContext{t.trace_id, t.root_id, t.proposed});
  return true;
}

void Server::TraceAnswered(Connection::Slot& slot) {
  observability::RequestTrace& t = *slot.trace;
  t.ready = WallMicros();
  if (slot.is_read) {
    Tracing().EraseRead(slot.token);  // its ReadIndex round is over (passed or failed)
    TraceSpan(t, "read_barrier", t.t0, t.ready);
  } else {
    TraceSpan(t, log_->is_leader() ? "raft.write" : "forward", t.proposed ? t.proposed : t.t0, t.ready);
  }
}

void Server::TraceReplied(const Connection* c, Connection::Slot& slot) {
  observability::RequestTrace& t = *slot.trace;
  int64_t now = WallMicros();
  if (slot.is_read && slot.state == Connection::Slot::kRunnable) {
    TraceSpan(t, "read", t.ready ? t.ready : t.t0, now);
  } else {
    TraceSpan(t, "reply", t.ready ? t.ready : now, now);
  }
  TraceRoot(c, t, now);
  slot.trace.reset();
}

}  // namespace redraft::server
