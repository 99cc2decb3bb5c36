// RaftReplicator: streamed snapshots (docs/snapshot_format.md, "Streamed snapshots").
//
// Leader: when the Raft core emits a kSnapshot message for a follower, a SnapshotSender transfer
// streams the store's current state (applied index A) to it. The raft message travels with the
// transfer, its meta rewritten to A (term and configuration at A), so the follower's log starts
// right after the state it installs. The core keeps the follower paused in its kSnapshot state;
// a failed transfer is reported (ReportSnapshot false) and the core asks again later. Log
// compaction keeps the entries after A while the transfer runs (SnapshotCompactFloor).
//
// Follower: a SnapshotReceiver stages the chunks in the store; on a verified end the raft message
// is stepped into the core, and when the core's Ready carries the snapshot, Pump installs it with
// InstallStreamedSnapshot (one atomic switch in the store) before the log is cut behind it.
#include <spdlog/spdlog.h>

#include "cluster/raft_replicator.h"
#include "cluster/snapshot_stream.h"

namespace redraft::cluster {

namespace {
// A delivered snapshot is acknowledged by the follower's Raft core (MsgAppResp at its index); if
// the leader's core still waits in kSnapshot this long after the delivery, that answer was lost.
constexpr int64_t kDeliveredGraceMs = 5000;
}  // namespace

void RaftReplicator::EnsureSnapshotStreams() {
  if (snap_sender_) return;
  snap_sender_ = std::make_unique<SnapshotSender>(
      sm_->store(),
      [this](uint64_t to, PeerKind kind, std::string payload) {
        if (kind == PeerKind::kSnapChunk) observability::Global().cluster().snapshot_bytes_sent += payload.size();
        return SendPeer(to, kind, std::move(payload));
      },
      [this](uint64_t to, bool ok) {
        if (ok) {
          observability::Global().cluster().snapshots_sent++;
          snap_delivered_[to] = NowMs();
        } else if (raft_) {
          raft_->ReportSnapshot(to, false);
        }
      },
      RandomId());
  snap_receiver_ = std::make_unique<SnapshotReceiver>(sm_->store());
}

void RaftReplicator::StartSnapshotTransfer(const raft::Message& m) {
  EnsureSnapshotStreams();
  snap_delivered_.erase(m.to);
  auto make = [&](uint64_t applied) -> std::optional<std::string> {
    // The state at A replaces the log up to A: describe it as a snapshot at A.
    if (applied < raft_->log().snapshot().meta.index || applied > raft_->applied_index()) return std::nullopt;
    auto term = raft_->TermAt(applied);
    if (!term) return std::nullopt;
    raft::Message out = m;
    out.snapshot->meta.index = applied;
    out.snapshot->meta.term = *term;
    out.snapshot->meta.conf = raft_->ConfAt(applied);
    out.snapshot->data = std::string(kStreamedSnapshotData);
    return out.Encode();
  };
  snap_sender_->Start(m.to, make, identity_.members, NowMs());
}

void RaftReplicator::OnSnapshotMessage(uint64_t from, PeerKind kind, std::string&& payload) {
  EnsureSnapshotStreams();
  int64_t now = NowMs();
  auto reply = [&](const std::optional<std::string>& ack) {
    if (ack) SendPeer(from, PeerKind::kSnapAck, *ack);
  };
  // A snapshot replaces the whole state and the address book: only the leader of our current
  // term may send one (the leader probes with AppendEntries first, so a follower that needs a
  // snapshot knows it by then).
  if (kind != PeerKind::kSnapAck && from != raft_->leader()) {
    if (kind == PeerKind::kSnapBegin) {
      spdlog::warn("refused a snapshot from {}: not the leader of term {}", NodeIdHex(from), raft_->term());
    }
    return;
  }
  if (kind == PeerKind::kSnapAck) {
    snap_sender_->OnAck(from, payload, now);
  } else if (kind == PeerKind::kSnapBegin) {
    reply(snap_receiver_->OnBegin(from, payload, now));
  } else if (kind == PeerKind::kSnapChunk) {
    observability::Global().cluster().snapshot_bytes_received += payload.size();
    reply(snap_receiver_->OnChunk(from, payload, now));
  } else if (kind == PeerKind::kSnapEnd) {
    std::optional<std::string> nack;
    auto msg = snap_receiver_->OnEnd(from, payload, now, &nack);
    if (!msg.ok()) {
      spdlog::warn("snapshot from {}: {}", NodeIdHex(from), msg.status().ToString());
      reply(nack);
      return;
    }
    raft::Index index = snap_receiver_->staged_index();
    auto m = raft::Message::Decode(*msg);
    bool valid = m.ok() && m->type == raft::MessageType::kSnapshot && m->snapshot && m->from == from &&
                 m->to == identity_.self_id &&
                 m->snapshot->meta.index == index && m->snapshot->data == kStreamedSnapshotData;
    if (valid) raft_->Step(std::move(m).value());
    // Taken if the core now holds it as its (unstable) snapshot: the next Ready installs it.
    bool taken = valid && raft_->log().snapshot_unstable() && raft_->log().snapshot().meta.index == index;
    if (!taken) {
      spdlog::info("snapshot at index {} from {} not needed by Raft (commit index {}): discarded", index,
                   NodeIdHex(from), raft_->commit_index());
      reply(snap_receiver_->EndAck(false));
      snap_receiver_->Discard();
      return;
    }
    reply(snap_receiver_->EndAck(true));
  }
}

Status RaftReplicator::InstallStreamedSnapshot(raft::Index index, std::map<uint64_t, MemberAddr>* members) {
  // A node that was leader a moment ago may still read its store for a transfer of its own.
  if (snap_sender_) snap_sender_->AbortAll();
  if (!snap_receiver_) return Status::InvalidArgument("no snapshot was received");
  return snap_receiver_->Install(index, members);
}

void RaftReplicator::SnapshotTick() {
  if (!snap_sender_ || !raft_) return;
  int64_t now = NowMs();
  snap_receiver_->Tick(now);
  if (raft_->role() != raft::Role::kLeader) {
    snap_sender_->AbortAll();
    snap_delivered_.clear();
    return;
  }
  snap_sender_->Tick(now);
  // A connection that dropped lost what was in flight on it (transport.h): no acknowledgement
  // will come, so start over now rather than at the timeout.
  if (transport_) {
    for (const auto& ps : transport_->Stats()) {
      auto [it, fresh] = snap_reconnects_.emplace(ps.id, ps.reconnects);
      bool dropped = !ps.connected || (!fresh && it->second != ps.reconnects);
      it->second = ps.reconnects;
      if (dropped && snap_sender_->Active(ps.id)) snap_sender_->Abort(ps.id);
    }
  }
  // Transfers to peers that no longer need them (removed, or caught up some other way).
  for (auto& p : snap_sender_->Transfers()) {
    const raft::Progress* pr = raft_->GetProgress(p.peer);
    if (!pr || pr->state != raft::ProgressState::kSnapshot) snap_sender_->Abort(p.peer);
  }
  for (auto it = snap_delivered_.begin(); it != snap_delivered_.end();) {
    if (now - it->second < kDeliveredGraceMs) {
      ++it;
      continue;
    }
    const raft::Progress* pr = raft_->GetProgress(it->first);
    if (pr && pr->state == raft::ProgressState::kSnapshot && !snap_sender_->Active(it->first)) {
      raft_->ReportSnapshot(it->first, false);
    }
    it = snap_delivered_.erase(it);
  }
}

std::optional<raft::Index> RaftReplicator::SnapshotCompactFloor() const {
  if (!snap_sender_) return std::nullopt;
  // Bounded: past this the log is compacted anyway (the follower will need another snapshot).
  if (!compaction_.TransferMayHoldBack()) return std::nullopt;
  return snap_sender_->CompactFloor();
}

void RaftReplicator::SnapshotInfo(std::string* out) const {
  auto line = [&](const std::string& k, const std::string& v) { *out += k + ":" + v + "\r\n"; };
  if (!snap_sender_) return;
  int i = 0;
  for (auto& p : snap_sender_->Transfers()) {
    line("raft_snapshot_send" + std::to_string(i++),
         "peer=" + NodeIdHex(p.peer) + ",index=" + std::to_string(p.applied) + ",bytes=" + std::to_string(p.bytes_sent) +
             ",total=" + std::to_string(p.bytes_total_estimate) + ",keys=" + std::to_string(p.keys_sent) +
             ",keys_total=" + std::to_string(p.keys_total));
  }
  line("raft_snapshots_sent", std::to_string(snap_sender_->completed()));
  line("raft_snapshots_send_failed", std::to_string(snap_sender_->failed()));
  if (snap_receiver_->receiving() || snap_receiver_->staged()) {
    line("raft_snapshot_recv", "from=" + NodeIdHex(snap_receiver_->from()) +
                                   ",index=" + std::to_string(snap_receiver_->staged_index()) +
                                   ",bytes=" + std::to_string(snap_receiver_->bytes_received()) +
                                   ",keys=" + std::to_string(snap_receiver_->keys_received()) +
                                   ",keys_total=" + std::to_string(snap_receiver_->keys_total()));
  }
  line("raft_snapshots_installed", std::to_string(snap_receiver_->installed()));
}

}  // namespace redraft::cluster
