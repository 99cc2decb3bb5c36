// Disk faults in the Raft replicator (README "Disk faults"): waiting out a full disk in the storage
// thread, postponing log compaction while space is short, and a leader with a faulty disk handing
// leadership over.
#include <spdlog/spdlog.h>

#include <chrono>

#include "cluster/raft_replicator.h"

namespace redraft::cluster {

bool RaftReplicator::RetryOnNoSpace(const char* what, const std::function<Status()>& op) {
  DiskHealth& disk = sm_->disk();
  int backoff_ms = 10;
  int64_t waited_ms = 0;
  bool reported = false;
  for (;;) {
    Status st = op();
    if (st.ok()) {
      if (reported && disk.Clear(DiskHealth::kLog)) {
        spdlog::warn("{}: space is back, done after {} ms", what, waited_ms);
      }
      return true;
    }
    if (!st.IsNoSpace()) REDRAFT_PANIC(std::string(what) + " failed: " + st.ToString());
    if (!reported) {
      reported = true;
      disk.Set(DiskHealth::kLog, "No space left on device (Raft log)");
      spdlog::error("{}: {}; writes are refused, retrying until space is available", what, st.ToString());
    }
    {
      std::unique_lock<std::mutex> l(mu_);
      if (cv_.wait_for(l, std::chrono::milliseconds(backoff_ms), [&] { return stopping_; })) {
        // Shutting down with a full disk: what was not written was not acknowledged either.
        spdlog::error("{}: still no space at shutdown; the unwritten batch was never acknowledged", what);
        return false;
      }
    }
    waited_ms += backoff_ms;
    backoff_ms = std::min(backoff_ms * 2, 1000);
    if (disk_watch_) disk_watch_->Check();
  }
}

void RaftReplicator::CompactLog(const raft::SnapshotMeta& meta) {
  // Compaction only frees space later; right now it costs some (a store flush writes files). While
  // space is short it is postponed: the log keeps its entries, the next compaction covers them.
  DiskHealth& disk = sm_->disk();
  if (disk.WritesRefused()) {
    spdlog::warn("log compaction at index {} postponed: {}", meta.index, disk.Reason());
    return;
  }
  Status fs = sm_->store()->Flush();
  if (fs.IsNoSpace()) {
    disk.Set(DiskHealth::kStore, "No space left on device (store)");
    spdlog::error("store flush for log compaction at index {}: {}; compaction postponed", meta.index, fs.ToString());
    return;
  }
  if (!fs.ok()) REDRAFT_PANIC("store flush failed: " + fs.ToString());
  if (disk.Clear(DiskHealth::kStore)) spdlog::warn("store: flushed again, space is back");
  RetryOnNoSpace("log compaction", [&] { return log_->Compact(meta); });
}

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
