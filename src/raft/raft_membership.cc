// Membership changes (single-server, applied on commit: see conf_change.h for why) and log
// compaction behind state-machine snapshots.
#include <algorithm>

#include "raft/raft.h"

namespace redraft::raft {

Status Raft::ProposeConfChange(const ConfChange& cc) {
  if (role_ != Role::kLeader) return Status::Aborted("not leader");
  if (lead_transferee_ != kNoNode) return Status::Aborted("leadership transfer in progress");
  if (cc.node_id == kNoNode) return Status::InvalidArgument("conf change: node id 0");
  // One change at a time: the previous one (or, after an election, this term's no-op) must be
  // committed first, so consecutive configurations differ by one server and majorities overlap.
  if (pending_conf_index_ > conf_scan_index_) return Status::Busy("a configuration change is pending");
  ConfState next = ApplyToConfState(conf_, cc);
  if (next.voters.empty()) return Status::InvalidArgument("conf change would remove the last voter");
  if (cc.type == ConfChangeType::kAddLearner && IsVoter(conf_, cc.node_id)) {
    return Status::InvalidArgument("demoting a voter to learner is not supported");
  }
  std::vector<Entry> ents(1);
  ents[0].type = EntryType::kConfChange;
  ents[0].data = cc.Encode();
  AppendEntries(std::move(ents));
  pending_conf_index_ = log_.LastIndex();
  BcastAppend();
  AfterInput();
  return Status::OK();
}

void Raft::AfterInput() { ApplyCommittedConfChanges(); }

void Raft::ApplyCommittedConfChanges() {
  while (conf_scan_index_ < log_.committed()) {
    Index i = ++conf_scan_index_;
    if (i < log_.FirstIndex()) continue;  // covered by the snapshot's ConfState
    const Entry& e = log_.At(i);
    if (e.type != EntryType::kConfChange) continue;
    Result<ConfChange> cc = ConfChange::Decode(e.data);
    REDRAFT_CHECK(cc.ok());  // the leader encoded it; corruption would be a bug, not an input
    ApplyConfChange(i, *cc);
  }
}

void Raft::ApplyConfChange(Index index, const ConfChange& cc) {
  ConfState next = ApplyToConfState(conf_, cc);
  conf_history_[index] = next;
  Log("conf change at " + std::to_string(index) + ": " + std::to_string(static_cast<int>(cc.type)) +
      " node " + std::to_string(cc.node_id));
  ApplyConfState(next);
}

void Raft::ApplyConfState(const ConfState& conf) {
  conf_ = conf;
  if (role_ != Role::kLeader) {
    if (!Promotable() && (role_ == Role::kCandidate || role_ == Role::kPreCandidate)) {
      BecomeFollower(current_term_, kNoNode);
    }
    return;
  }
  // Bring the progress map in line with the new membership.
  for (auto it = progress_.begin(); it != progress_.end();) {
    if (!IsVoter(conf_, it->first) && !IsLearner(conf_, it->first)) {
      it = progress_.erase(it);
    } else {
      it->second.is_learner = IsLearner(conf_, it->first);
      ++it;
    }
  }
  AddMissingProgress();
  if (lead_transferee_ != kNoNode && !IsVoter(conf_, lead_transferee_)) AbortLeaderTransfer();

  if (!Promotable()) {
    // We were removed (or made a learner): the change is committed, so the new configuration can
    // elect a leader without us. Tell everyone the commit index, hand off to the most up-to-date
    // voter to skip an election timeout, then step down.
    NodeId best = kNoNode;
    Index best_match = 0;
    for (auto& [id, pr] : progress_) {
      if (id == id_ || pr.is_learner) continue;
      SendHeartbeat(id, "");
      if (pr.match > best_match) best = id, best_match = pr.match;
    }
    if (best != kNoNode && best_match == log_.LastIndex()) SendTimeoutNow(best);
    Log("removed from the configuration: stepping down");
    BecomeFollower(current_term_, kNoNode);
    return;
  }
  // A smaller quorum may commit more right away.
  if (MaybeCommit()) BcastAppend();
}

ConfState Raft::ConfAt(Index index) const {
  auto it = conf_history_.upper_bound(index);
  REDRAFT_CHECK(it != conf_history_.begin());
  return std::prev(it)->second;
}

Status Raft::Compact(Index index, std::string data) {
  if (log_.snapshot_unstable()) return Status::Busy("a snapshot from the leader is being installed");
  if (index > log_.applied()) return Status::InvalidArgument("compact beyond applied index");
  if (index < log_.FirstIndex()) return Status::OK();  // already compacted
  Snapshot s;
  s.meta.index = index;
  s.meta.term = *log_.TermAt(index);
  s.meta.conf = ConfAt(index);
  s.data = std::move(data);
  log_.Compact(std::move(s));
  // Keep only the configuration history from the snapshot on.
  ConfState at = ConfAt(index);
  conf_history_.erase(conf_history_.begin(), conf_history_.upper_bound(index));
  conf_history_[index] = at;
  return Status::OK();
}

}  // namespace redraft::raft
