// The leader's view of one follower (etcd-io/raft tracker/progress.go).
//
// States:
//   kProbe      the leader does not know where the follower's log matches; it sends one
//               MsgApp per heartbeat interval (probe_sent pauses further sends) and backs off
//               `next` on each rejection, using the follower's conflict hint to skip whole terms.
//   kReplicate  the follower's log is known to match up to `match`; the leader streams entries
//               optimistically (next advances on send), bounded by the inflight window.
//   kSnapshot   the follower needs a snapshot (its next entry was compacted away); nothing else is
//               sent until it acknowledges an index >= pending_snapshot or the send is reported failed.
// Invariant: match < next (the leader never sends an entry it knows the follower has).
#pragma once

#include <cstddef>
#include <deque>
#include <string>

#include "raft/types.h"

namespace redraft::raft {

// A sliding window of in-flight MsgApps (identified by their last entry index) to one follower.
class Inflights {
 public:
  explicit Inflights(size_t capacity) : capacity_(capacity) {}
  bool Full() const { return window_.size() >= capacity_; }
  size_t Count() const { return window_.size(); }
  // REQUIRES: !Full() and last is larger than every index already in the window.
  void Add(Index last);
  // Frees every in-flight message whose last index is <= to (they were acknowledged).
  void FreeLE(Index to);
  void FreeFirstOne();
  void Reset() { window_.clear(); }

 private:
  size_t capacity_;
  std::deque<Index> window_;
};

enum class ProgressState : uint8_t { kProbe, kReplicate, kSnapshot };
const char* ProgressStateName(ProgressState s);

struct Progress {
  explicit Progress(size_t max_inflight) : inflights(max_inflight) {}

  Index match = 0;  // Figure 2 matchIndex: highest index known to be replicated on the follower
  Index next = 1;   // Figure 2 nextIndex: index of the next entry to send
  ProgressState state = ProgressState::kProbe;
  bool probe_sent = false;      // kProbe: a MsgApp is outstanding; wait for a reply or heartbeat
  Index pending_snapshot = 0;   // kSnapshot: index of the snapshot being sent
  bool recent_active = false;   // heard from within the last election timeout (CheckQuorum)
  bool is_learner = false;
  Inflights inflights;

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(Index snapshot_index);
  // The follower acknowledged index n. Returns false if the ack is stale (n <= match).
  bool MaybeUpdate(Index n);
  // Records that entries up to n were sent (kReplicate pipelining).
  void OptimisticUpdate(Index n) { next = n + 1; }
  // The follower rejected MsgApp at `rejected`; match_hint is the highest index that might match.
  // Returns false if the rejection is stale (it answers a message sent before a later change).
  bool MaybeDecrTo(Index rejected, Index match_hint);
  // Whether the leader must hold further MsgApps to this follower for now.
  bool IsPaused() const;
  std::string ToString() const;
};

}  // namespace redraft::raft
