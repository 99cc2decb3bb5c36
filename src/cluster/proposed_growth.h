// What the leader's proposals not yet applied will add to the dataset (docs/memory.md, "Eviction
// ahead of the writes"): an estimate per entry (server/eviction.h EstimateEntryGrowth), kept from
// the moment a write is queued for proposal until its index is applied, so the evictor can make
// room for writes before they land instead of after.
//
// Invariants:
//   - bytes() counts each queued or proposed entry's estimate exactly once: queued (this loop
//     iteration's batch, no index yet) until the batch is proposed or dropped, then in flight by
//     index until the applied index reaches it.
//   - Retiring is by index alone: whatever entry ends up at an index (ours, or another leader's
//     after ours was overwritten), applying it ends our estimate for that index. Nothing waits on
//     an entry that never comes.
#pragma once

#include <cstdint>
#include <deque>

#include "raft/raft.h"

namespace redraft::cluster {

class ProposedGrowth {
 public:
  void Queue(uint64_t bytes) { queued_ += bytes; }
  // The queued batch was proposed or dropped: its estimates leave the queued part (Append puts
  // back those that were proposed, by index).
  void ClearQueued() { queued_ = 0; }
  // An entry of the batch was appended at index (indexes increase from call to call).
  void Append(raft::Index index, uint64_t bytes) {
    if (bytes == 0) return;
    inflight_.push_back({index, bytes});
    inflight_bytes_ += bytes;
  }
  // Entries up to applied were applied: their effect is in the dataset's size now.
  void Retire(raft::Index applied) {
    while (!inflight_.empty() && inflight_.front().index <= applied) {
      inflight_bytes_ -= inflight_.front().bytes;
      inflight_.pop_front();
    }
  }
  uint64_t bytes() const { return queued_ + inflight_bytes_; }

 private:
  struct InFlight {
    raft::Index index;
    uint64_t bytes;
  };
  uint64_t queued_ = 0;
  uint64_t inflight_bytes_ = 0;
  std::deque<InFlight> inflight_;
};

}  // namespace redraft::cluster
