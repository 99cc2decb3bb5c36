#pragma once

// SnapshotTransfers: streamed snapshots of a cluster node (docs/snapshot_format.md, "Streamed
// snapshots"), both ways: as leader it streams the store's state to followers the Raft core
// sends a snapshot to (SnapshotSender), as follower it stages what the leader streams
// (SnapshotReceiver) and hands the raft message to the core once the whole state is staged.
//
// Owns: the sender and receiver, and the scheduling around them: which transfer to abandon
// (leadership lost, peer removed or caught up, its connection dropped), when a delivered
// snapshot whose acknowledgement was lost is reported failed, and the compaction floor that
// keeps the entries a follower needs right after installing.
// Must not: install into the store except through Install (the replicator calls it from the
// Ready loop, before the log is cut behind the snapshot), touch the log, or decide compaction
// (it only says how far back a transfer needs the log).
// Thread-safety: the event loop's thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/node_identity.h"
#include "cluster/peer_kinds.h"
#include "cluster/snapshot_receiver.h"
#include "cluster/snapshot_sender.h"
#include "cluster/transport.h"
#include "raft/raft.h"
#include "store/store.h"

namespace redraft::cluster {

class SnapshotTransfers {
 public:
  // What transfers need from the node, as calls (all on the event loop).
  struct Env {
    std::function<raft::Raft*()> raft;  // null while forming (then nothing is sent or received)
    std::function<store::Store*()> store;
    std::function<uint64_t()> self_id;
    std::function<const std::map<uint64_t, MemberAddr>&()> members;  // sent with a transfer
    std::function<bool(uint64_t to, PeerKind kind, std::string payload)> send;
    std::function<std::vector<PeerTransport::PeerStats>()> peer_stats;  // empty without a transport
    std::function<int64_t()> now_ms;                                    // steady clock
  };
  explicit SnapshotTransfers(Env env) : env_(std::move(env)) {}

  // Leader: the core emitted a kSnapshot message for m.to; stream the current state instead.
  void Start(const raft::Message& m);
  // A "snap-*" frame from a peer (PeerDispatch).
  void OnFrame(uint64_t from, PeerKind kind, std::string&& payload);
  // Follower: switches the store to the staged snapshot at index (the Ready loop's install).
  Status Install(raft::Index index, std::map<uint64_t, MemberAddr>* members);
  // Periodic: timeouts, and the abandon/report decisions above.
  void Tick();
  // The log must keep the entries after this index while a transfer runs (nullopt: no floor).
  std::optional<raft::Index> CompactFloor() const;
  // INFO raft's snapshot lines.
  void Info(std::string* out) const;
  // Shutdown: releases the store snapshots and iterators of transfers in progress.
  void ReleaseStore() { sender_.reset(); }

 private:
  void Ensure();

  Env env_;
  std::unique_ptr<SnapshotSender> sender_;        // leader: transfers to followers
  std::unique_ptr<SnapshotReceiver> receiver_;    // follower: the transfer being received
  std::map<uint64_t, int64_t> delivered_;         // peer -> when its transfer was delivered
  std::map<uint64_t, uint64_t> reconnects_;       // peer -> transport reconnects, last tick
};

}  // namespace redraft::cluster
