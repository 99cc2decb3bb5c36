// SnapshotTransfers (snapshot_transfers.h): streamed snapshots (docs/snapshot_format.md, "Streamed snapshots").
//
// Leader: when the Raft core emits a kSnapshot message for a follower, a SnapshotSender transfer
// streams the store's current state (applied index A) to it. The raft message travels with the
// transfer, its meta rewritten to A (term and configuration at A), so the follower's log starts
// right after the state it installs. The core keeps the follower paused in its kSnapshot state;
// a failed transfer is reported (ReportSnapshot false) and the core asks again later. Log
// compaction keeps the entries after A while the transfer runs (CompactFloor).
//
// Follower: a SnapshotReceiver stages the chunks in the store; on a verified end the raft message
// is stepped into the core, and when the core's Ready carries the snapshot, Pump installs it with
// Install (one atomic switch in the store) before the log is cut behind it.
#include <spdlog/spdlog.h>

#include "cluster/snapshot_transfers.h"

#include "observability/registry.h"
#include "cluster/snapshot_stream.h"

namespace redraft::cluster {

namespace {
// A delivered snapshot is acknowledged by the follower's Raft core (MsgAppResp at its index); if
// the leader's core still waits in kSnapshot this long after the delivery, that answer was lost.
constexpr int64_t kDeliveredGraceMs = 5000;
}  // namespace

void SnapshotTransfers::Ensure() {
  if (sender_) return;
  sender_ = std::make_unique<SnapshotSender>(
      env_.store(),
      [this](uint64_t to, PeerKind kind, std::string payload) {
        if (kind == PeerKind::kSnapChunk) observability::Global().cluster().snapshot_bytes_sent += payload.size();
        return env_.send(to, kind, std::move(payload));
      },
      [this](uint64_t to, bool ok) {
        if (ok) {
          observability::Global().cluster().snapshots_sent++;
          delivered_[to] = env_.now_ms();
        } else if (raft::Raft* r = env_.raft()) {
          r->ReportSnapshot(to, false);
        }
      },
      RandomId());
  receiver_ = std::make_unique<SnapshotReceiver>(env_.store());
}

void SnapshotTransfers::Start(const raft::Message& m) {
  Ensure();
  raft::Raft* core = env_.raft();
  delivered_.erase(m.to);
  auto make = [&](uint64_t applied) -> std::optional<std::string> {
    // The state at A replaces the log up to A: describe it as a snapshot at A. A may be ahead of
    // the core's applied index (committed entries already durable here are applied while their
    // Ready syncs: ReadyPipeline), never of its commit index; the core's terms and configurations
    // are known up to there. Refusing A > applied would refuse almost every snapshot of a leader
    // under steady writes, where a Ready with early-applied entries is nearly always in flight.
    if (applied < core->log().snapshot().meta.index || applied > core->commit_index()) return std::nullopt;
    auto term = core->TermAt(applied);
    if (!term) return std::nullopt;
    raft::Message out = m;
    out.snapshot->meta.index = applied;
    out.snapshot->meta.term = *term;
    out.snapshot->meta.conf = core->ConfAt(applied);
    out.snapshot->data = std::string(kStreamedSnapshotData);
    return out.Encode();
  };
  sender_->Start(m.to, make, env_.members(), env_.now_ms());
}

void SnapshotTransfers::OnFrame(uint64_t from, PeerKind kind, std::string&& payload) {
  Ensure();
  raft::Raft* core = env_.raft();
  int64_t now = env_.now_ms();
  auto reply = [&](const std::optional<std::string>& ack) {
    if (ack) env_.send(from, PeerKind::kSnapAck, *ack);
  };
  // A snapshot replaces the whole state and the address book: only the leader of our current
  // term may send one (the leader probes with AppendEntries first, so a follower that needs a
  // snapshot knows it by then).
  if (kind != PeerKind::kSnapAck && from != core->leader()) {
    if (kind == PeerKind::kSnapBegin) {
      spdlog::warn("refused a snapshot from {}: not the leader of term {}", NodeIdHex(from), core->term());
    }
    return;
  }
  if (kind == PeerKind::kSnapAck) {
    sender_->OnAck(from, payload, now);
  } else if (kind == PeerKind::kSnapBegin) {
    reply(receiver_->OnBegin(from, payload, now));
  } else if (kind == PeerKind::kSnapChunk) {
    observability::Global().cluster().snapshot_bytes_received += payload.size();
    reply(receiver_->OnChunk(from, payload, now));
  } else if (kind == PeerKind::kSnapEnd) {
    std::optional<std::string> nack;
    auto msg = receiver_->OnEnd(from, payload, now, &nack);
    if (!msg.ok()) {
      spdlog::warn("snapshot from {}: {}", NodeIdHex(from), msg.status().ToString());
      reply(nack);
      return;
    }
    raft::Index index = receiver_->staged_index();
    auto m = raft::Message::Decode(*msg);
    bool valid = m.ok() && m->type == raft::MessageType::kSnapshot && m->snapshot && m->from == from &&
                 m->to == env_.self_id() &&
                 m->snapshot->meta.index == index && m->snapshot->data == kStreamedSnapshotData;
    if (valid) core->Step(std::move(m).value());
    // Taken if the core now holds it as its (unstable) snapshot: the next Ready installs it.
    bool taken = valid && core->log().snapshot_unstable() && core->log().snapshot().meta.index == index;
    if (!taken) {
      spdlog::info("snapshot at index {} from {} not needed by Raft (commit index {}): discarded", index,
                   NodeIdHex(from), core->commit_index());
      reply(receiver_->EndAck(false));
      receiver_->Discard();
      return;
    }
    reply(receiver_->EndAck(true));
  }
}

Status SnapshotTransfers::Install(raft::Index index, std::map<uint64_t, MemberAddr>* members) {
  // A node that was leader a moment ago may still read its store for a transfer of its own.
  if (sender_) sender_->AbortAll();
  if (!receiver_) return Status::InvalidArgument("no snapshot was received");
  return receiver_->Install(index, members);
}

void SnapshotTransfers::Tick() {
  raft::Raft* core = env_.raft();
  if (!sender_ || !core) return;
  int64_t now = env_.now_ms();
  receiver_->Tick(now);
  if (core->role() != raft::Role::kLeader) {
    sender_->AbortAll();
    delivered_.clear();
    return;
  }
  sender_->Tick(now);
  // A connection that dropped lost what was in flight on it (transport.h): no acknowledgement
  // will come, so start over now rather than at the timeout.
  {
    for (const auto& ps : env_.peer_stats()) {
      auto [it, fresh] = reconnects_.emplace(ps.id, ps.reconnects);
      bool dropped = !ps.connected || (!fresh && it->second != ps.reconnects);
      it->second = ps.reconnects;
      if (dropped && sender_->Active(ps.id)) sender_->Abort(ps.id);
    }
  }
  // Transfers to peers that no longer need them (removed, or caught up some other way).
  for (auto& p : sender_->Transfers()) {
    const raft::Progress* pr = core->GetProgress(p.peer);
    if (!pr || pr->state != raft::ProgressState::kSnapshot) sender_->Abort(p.peer);
  }
  for (auto it = delivered_.begin(); it != delivered_.end();) {
    if (now - it->second < kDeliveredGraceMs) {
      ++it;
      continue;
    }
    const raft::Progress* pr = core->GetProgress(it->first);
    if (pr && pr->state == raft::ProgressState::kSnapshot && !sender_->Active(it->first)) {
      core->ReportSnapshot(it->first, false);
    }
    it = delivered_.erase(it);
  }
}

std::optional<raft::Index> SnapshotTransfers::CompactFloor() const {
  if (!sender_) return std::nullopt;
  return sender_->CompactFloor();
}

void SnapshotTransfers::Info(std::string* out) const {
  auto line = [&](const std::string& k, const std::string& v) { *out += k + ":" + v + "\r\n"; };
  if (!sender_) return;
  int i = 0;
  for (auto& p : sender_->Transfers()) {
    line("raft_snapshot_send" + std::to_string(i++),
         "peer=" + NodeIdHex(p.peer) + ",index=" + std::to_string(p.applied) + ",bytes=" + std::to_string(p.bytes_sent) +
             ",total=" + std::to_string(p.bytes_total_estimate) + ",keys=" + std::to_string(p.keys_sent) +
             ",keys_total=" + std::to_string(p.keys_total));
  }
  line("raft_snapshots_sent", std::to_string(sender_->completed()));
  line("raft_snapshots_send_failed", std::to_string(sender_->failed()));
  if (receiver_->receiving() || receiver_->staged()) {
    line("raft_snapshot_recv", "from=" + NodeIdHex(receiver_->from()) +
                                   ",index=" + std::to_string(receiver_->staged_index()) +
                                   ",bytes=" + std::to_string(receiver_->bytes_received()) +
                                   ",keys=" + std::to_string(receiver_->keys_received()) +
                                   ",keys_total=" + std::to_string(receiver_->keys_total()));
  }
  line("raft_snapshots_installed", std::to_string(receiver_->installed()));
}

}  // namespace redraft::cluster
