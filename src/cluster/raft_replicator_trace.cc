// Per-request traces in the Ready loop (issue 13; docs/observability.md "Traces",
// docs/peer_protocol.md "Trace contexts"). Every hook here runs only while this node holds a trace
// context (observability::Tracer::active) or a traced entry (trace_marks_): with tracing off the
// Ready loop pays one empty-map test per Ready and per AppendEntries sent.
//
// Where the context travels:
//   - receiving node -> leader: a "trace" frame (trace_frames.h) to every member when the write
//     is handed to the forwarder, so it precedes the "fwdb" carrying the write on that connection;
//   - leader -> followers: in the AppendEntries message's context field (raft::Message::context,
//     unused by the Raft core for kApp, so an older follower ignores it), for the entries it
//     carries.
// Spans recorded here (each node writes its own; parent = the receiving node's root span):
//   raft.propose (leader: learned of the write -> in a Ready), raft.leader_fsync /
//   raft.follower_append_fsync (handed to the storage thread -> durable; a follower's ack leaves
//   right after), raft.quorum_commit (leader: durable here -> committed), raft.apply (applying
//   its batch, every node).
#include <spdlog/spdlog.h>

#include "cluster/raft_replicator.h"
#include "cluster/trace_frames.h"
#include "commands/command.h"
#include "observability/tracing.h"

namespace redraft::cluster {

using observability::Tracing;
using observability::WallMicros;

namespace {

// Marks an AppendEntries context as trace items (the Raft core never reads a kApp's context).
constexpr char kTraceContextMarker = 'T';

observability::Span MakeSpan(const observability::TraceContext& ctx, const char* name, int64_t start,
                             int64_t end, uint64_t index) {
  observability::Span s;
  s.trace_id = ctx.trace_id;
  s.parent_id = ctx.parent_id;
  s.id = Tracing().NewId();
  s.name = name;
  s.start_us = start;
  s.duration_us = end - start;
  s.tags.emplace_back("raft.index", std::to_string(index));
  return s;
}

// The write tag's seq read from the end of an entry, where TagLogCommand appended {session, seq}
// as two varints (the session's last byte, below 0x80, bounds it): a few bytes looked at instead
// of walking every argument, so the entries of untraced requests cost next to nothing while a
// traced one is in flight. Any entry gives a number (an untagged one: garbage); a possible hit
// (Tracer::MaybeBound) is confirmed with LogCommandTag.
bool TailSeq(std::string_view d, uint64_t* seq) {
  size_t end = d.size();
  if (end < 2 || (static_cast<uint8_t>(d[end - 1]) & 0x80)) return false;
  size_t start = end - 1;
  while (start > 0 && (static_cast<uint8_t>(d[start - 1]) & 0x80) && end - start < 10) start--;
  *seq = 0;
  for (size_t i = end; i-- > start;) *seq = (*seq << 7) | (static_cast<uint8_t>(d[i]) & 0x7f);
  return true;
}

}  // namespace

void RaftReplicator::TraceProposal() {
  observability::Tracer& t = Tracing();
  observability::TraceContext ctx = t.TakeNextProposal();
  ctx.since_us = WallMicros();
  uint64_t session = forwarder_.session(), seq = forwarder_.next_seq();
  t.Bind(session, seq, ctx);
  if (!transport_ || is_leader()) return;
  // To every member: whichever leads when the write is forwarded (now, or after a leader change)
  // has the context before the write.
  std::string payload = EncodeTraceItems({TraceItem{session, seq, ctx.trace_id, ctx.parent_id}});
  for (const auto& [id, a] : identity_.members) {
    if (id != identity_.self_id) SendPeer(id, PeerKind::kTrace, payload);
  }
}

void RaftReplicator::OnTraceItems(std::string_view payload) {
  int64_t now = WallMicros();
  for (const TraceItem& it : DecodeTraceItems(payload)) {
    if (Tracing().Find(it.session, it.seq)) continue;
    Tracing().Bind(it.session, it.seq, observability::TraceContext{it.trace_id, it.parent_id, now});
  }
}

void RaftReplicator::TraceReady(const std::vector<raft::Entry>& entries) {
  observability::Tracer& t = Tracing();
  int64_t now = WallMicros();
  bool leader = is_leader();
  for (const raft::Entry& e : entries) {
    if (e.type != raft::EntryType::kNormal) continue;
    uint64_t seq = 0;
    if (!TailSeq(e.data, &seq) || !t.MaybeBound(seq)) continue;  // most entries stop here
    auto tag = commands::LogCommandTag(e.data);
    if (!tag || tag->session == 0) continue;
    uint64_t session = tag->session;
    seq = tag->seq;
    const observability::TraceContext* ctx = t.Find(session, seq);
    if (!ctx) continue;
    if (leader) t.Record(MakeSpan(*ctx, "raft.propose", ctx->since_us, now, e.index));
    trace_marks_[e.index] = TraceMark{session, seq, *ctx, now, 0, leader};
  }
  while (trace_marks_.size() > 4096) trace_marks_.erase(trace_marks_.begin());  // never committed here
}

void RaftReplicator::TraceBeforeSend(raft::Message& m) {
  if (m.entries.empty() || !m.context.empty()) return;
  auto it = trace_marks_.lower_bound(m.entries.front().index);
  auto end = trace_marks_.upper_bound(m.entries.back().index);
  if (it == end) return;
  std::vector<TraceItem> items;
  for (; it != end; ++it) {
    items.push_back(TraceItem{it->second.session, it->second.seq, it->second.ctx.trace_id, it->second.ctx.parent_id});
  }
  m.context.push_back(kTraceContextMarker);
  m.context.append(EncodeTraceItems(items));
}

void RaftReplicator::TraceReceived(raft::Message& m) {
  if (m.context.empty() || m.context[0] != kTraceContextMarker) return;
  OnTraceItems(std::string_view(m.context).substr(1));
  m.context.clear();
}

void RaftReplicator::TraceDurable(raft::Index durable) {
  int64_t now = WallMicros();
  for (auto it = trace_marks_.begin(); it != trace_marks_.end() && it->first <= durable; ++it) {
    TraceMark& mk = it->second;
    if (mk.durable_us) continue;
    mk.durable_us = now;
    Tracing().Record(MakeSpan(mk.ctx, mk.leader ? "raft.leader_fsync" : "raft.follower_append_fsync",
                              mk.submitted_us, now, it->first));
  }
}

void RaftReplicator::TraceCommitted(std::span<const raft::Entry> entries, int64_t apply_start,
                                    int64_t apply_end) {
  if (entries.empty()) return;
  auto it = trace_marks_.lower_bound(entries.front().index);
  while (it != trace_marks_.end() && it->first <= entries.back().index) {
    TraceMark& mk = it->second;
    if (mk.leader && mk.durable_us) {
      Tracing().Record(MakeSpan(mk.ctx, "raft.quorum_commit", mk.durable_us, apply_start, it->first));
    }
    Tracing().Record(MakeSpan(mk.ctx, "raft.apply", apply_start, apply_end, it->first));
    Tracing().Erase(mk.session, mk.seq);
    it = trace_marks_.erase(it);
  }
}

}  // namespace redraft::cluster
