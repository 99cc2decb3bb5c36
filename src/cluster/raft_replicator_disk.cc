// Disk faults in the Raft replicator (README "Disk faults"): a leader with a faulty disk hands
// leadership over. (Waiting out a full disk and postponing compaction: storage_thread.cc.)
#include <spdlog/spdlog.h>

#include "cluster/raft_replicator.h"

namespace redraft::cluster {

uint64_t RaftReplicator::BestTransferTarget() const {
  uint64_t best = 0, best_match = 0;
  for (auto& ps : raft_->PeerStatuses()) {
    if (ps.id != identity_.self_id && raft::IsVoter(raft_->conf(), ps.id) && ps.progress.match >= best_match) {
      best = ps.id;
      best_match = ps.progress.match;
    }
  }
  return best;
}

// A leader that refuses writes would make the whole cluster refuse them (followers forward to it),
// while the other voters' disks may be fine: it hands leadership to the most up-to-date voter, as
// CLUSTER FAILOVER does, and tries again every election timeout while the fault lasts (it does not
// campaign as long as the new leader's heartbeats arrive). If its storage thread is stuck on the
// full disk, the handover cannot be sent; the followers then elect a leader after their election
// timeout, as they would for a paused node.
void RaftReplicator::MaybeStepDownForDisk() {
  if (!raft_ || raft_->role() != raft::Role::kLeader || !sm_->disk().WritesRefused()) return;
  if (raft_->conf().voters.size() < 2) return;
  int64_t now = NowMs();
  if (now - last_disk_step_down_ms_ < int64_t{opts_.election_tick} * opts_.tick_ms) return;
  last_disk_step_down_ms_ = now;
  uint64_t to = BestTransferTarget();
  if (to == 0) return;
  spdlog::warn("disk: {}; handing leadership to {}", sm_->disk().Reason(), NodeIdHex(to));
  (void)raft_->TransferLeadership(to);
}

}  // namespace redraft::cluster
