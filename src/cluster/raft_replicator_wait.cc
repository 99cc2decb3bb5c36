// WAIT's count (server::Replicator::FollowersHolding; the meaning is in the README's WAIT
// section): how many followers' logs are known to hold an index.
#include <algorithm>

#include "cluster/raft_replicator.h"

namespace redraft::cluster {

int RaftReplicator::FollowersHolding(uint64_t index) const {
  if (!raft_ || index == 0) return 0;
  int n = 0;
  if (raft_->role() == raft::Role::kLeader) {
    // Exact: every other member (voter or learner) whose acknowledged log reaches index.
    for (const auto& ps : raft_->PeerStatuses()) n += ps.id != identity_.self_id && ps.progress.match >= index;
    return n;
  }
  // A follower sees its own log and the commit index only. A committed entry is in the logs of a
  // majority of the voters, at least quorum - 1 = voters / 2 of them followers (the leader may be
  // one of the majority); and this node's log holds it once it applied it.
  size_t voters = raft_->conf().voters.size();
  if (voters <= 1 || raft_->commit_index() < index) return 0;
  return std::max<int>(static_cast<int>(voters / 2), 1);
}

}  // namespace redraft::cluster
