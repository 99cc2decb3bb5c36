// Log replication: AppendEntries on both sides, heartbeats, snapshots to lagging followers and
// the leader's commit rule (Figure 2 "Leaders" rules, §5.3, §5.4.2, §7).
#include <algorithm>

#include "raft/quorum.h"
#include "raft/raft.h"

namespace redraft::raft {

Status Raft::Propose(std::string data) {
  std::vector<std::string> one;
  one.push_back(std::move(data));
  return ProposeBatch(std::move(one));
}

Status Raft::ProposeBatch(std::vector<std::string> datas) {
  if (role_ != Role::kLeader) return Status::Aborted("not leader");
  if (lead_transferee_ != kNoNode) return Status::Aborted("leadership transfer in progress");
  if (datas.empty()) return Status::OK();
  std::vector<Entry> ents(datas.size());
  for (size_t i = 0; i < datas.size(); i++) ents[i].data = std::move(datas[i]);
  AppendEntries(std::move(ents));
  BcastAppend();
  AfterInput();
  return Status::OK();
}

void Raft::AppendEntries(std::vector<Entry>&& ents) {
  Index next = log_.LastIndex() + 1;
  for (Entry& e : ents) {
    e.term = current_term_;
    e.index = next++;
  }
  // Leader Append-Only: a leader only ever appends to its own log. Its own Progress advances
  // when the entries are persisted (Advance), not here.
  log_.Append(std::move(ents));
}

void Raft::UpdateSelfMatch() {
  if (SelfProgress().MaybeUpdate(log_.stable()) && MaybeCommit()) BcastAppend();
}

bool Raft::MaybeCommit() {
  Index mci = QuorumCommittedIndex(conf_.voters, [&](NodeId id) -> Index {
    auto it = progress_.find(id);
    return it == progress_.end() ? 0 : it->second.match;
  });
  // Figure 2 / §5.4.2 (Figure 8): a leader only commits entries of its own term by counting
  // replicas; earlier entries become committed indirectly, through them.
  if (mci <= log_.committed() || log_.TermAt(mci) != current_term_) return false;
  CommitTo(mci);
  if (!pending_reads_.empty()) {
    // Reads that arrived before this term's first commit can now be served (§6.4 step 1).
    auto pending = std::move(pending_reads_);
    pending_reads_.clear();
    for (auto& [from, ctx] : pending) HandleReadIndexRequest(from, std::move(ctx));
  }
  return true;
}

bool Raft::MaybeSendAppend(NodeId to, bool send_if_empty) {
  Progress& pr = progress_.at(to);
  if (pr.IsPaused()) return false;
  Index prev = pr.next - 1;
  std::optional<Term> prev_term = log_.TermAt(prev);
  if (!prev_term) return SendSnapshot(to, pr);  // the follower needs entries we compacted away
  std::vector<Entry> ents;
  if (pr.next <= log_.LastIndex()) ents = log_.Slice(pr.next, log_.LastIndex() + 1, cfg_.max_size_per_msg);
  if (ents.empty() && !send_if_empty) return false;
  Message m;
  m.type = MessageType::kApp;
  m.to = to;
  m.index = prev;
  m.log_term = *prev_term;
  m.commit = log_.committed();
  if (!ents.empty()) {
    Index last = ents.back().index;
    if (pr.state == ProgressState::kReplicate) {
      pr.OptimisticUpdate(last);  // pipelining: don't wait for the ack to send the next batch
      pr.inflights.Add(last);
    }
  }
  if (pr.state == ProgressState::kProbe) pr.probe_sent = true;
  m.entries = std::move(ents);
  Send(std::move(m));
  return true;
}

bool Raft::SendSnapshot(NodeId to, Progress& pr) {
  if (!pr.recent_active) return false;  // don't ship a snapshot to a node that looks down
  Message m;
  m.type = MessageType::kSnapshot;
  m.to = to;
  m.snapshot = log_.snapshot();
  pr.BecomeSnapshot(m.snapshot->meta.index);
  Log("sending snapshot " + std::to_string(m.snapshot->meta.index) + " to " + std::to_string(to));
  Send(std::move(m));
  return true;
}

void Raft::BcastAppend() {
  for (auto& [id, pr] : progress_) {
    if (id != id_) MaybeSendAppend(id, true);
  }
}

void Raft::BcastHeartbeat(const std::string& context) {
  for (auto& [id, pr] : progress_) {
    if (id != id_) SendHeartbeat(id, context);
  }
}

void Raft::SendHeartbeat(NodeId to, const std::string& context) {
  Message m;
  m.type = MessageType::kHeartbeat;
  m.to = to;
  // Never tell a follower to commit beyond what it is known to hold: its log past `match` may
  // still differ from ours.
  m.commit = std::min(progress_.at(to).match, log_.committed());
  // The term of the entry at that index, so a follower whose committed log contradicts ours
  // notices even when we have nothing to append (Divergence); 0 if compacted away (no check).
  m.index = m.commit;
  m.log_term = log_.TermAt(m.commit).value_or(0);
  m.context = context;
  Send(std::move(m));
}

bool Raft::CheckDivergence(const Message& m) {
  auto at = log_.CommittedConflict(m.index, m.log_term, m.entries);
  if (!at) return false;
  Term leader_term = m.log_term;
  for (const Entry& e : m.entries) {
    if (e.index == *at) leader_term = e.term;
  }
  divergence_ = Divergence{*at, log_.TermAt(*at).value_or(0), leader_term, m.from};
  Log("DIVERGED: committed entry " + std::to_string(*at) + " has term " + std::to_string(divergence_->local_term) +
      ", the leader's has term " + std::to_string(leader_term));
  BecomeFollower(current_term_, kNoNode);
  return true;
}

void Raft::HandleAppendEntries(Message& m) {
  if (CheckDivergence(m)) return;
  Message resp;
  resp.type = MessageType::kAppResp;
  resp.to = m.from;
  if (m.index < log_.committed()) {
    // Everything up to our commit index already matches the leader; tell it where we are.
    resp.index = log_.committed();
    Send(std::move(resp));
    return;
  }
  Index commit = m.commit;
  std::optional<Index> last_new = log_.MaybeAppend(m.index, m.log_term, std::move(m.entries));
  if (last_new) {
    // Figure 2 AppendEntries rule 5: commitIndex = min(leaderCommit, index of last new entry).
    CommitTo(std::min(commit, *last_new));
    resp.index = *last_new;
  } else {
    // Fast backtracking (§5.3 optimization, etcd's findConflictByTerm): point the leader at the
    // last entry whose term is <= the term it probed with, skipping whole mismatched terms.
    Index hint = log_.FindConflictByTerm(std::min(m.index, log_.LastIndex()), m.log_term);
    resp.index = m.index;
    resp.reject = true;
    resp.reject_hint = hint;
    resp.log_term = log_.TermAt(hint).value_or(0);
  }
  Send(std::move(resp));
}

void Raft::HandleAppendResponse(Message& m, Progress& pr) {
  if (m.reject) {
    Index next_probe = m.reject_hint;
    if (m.log_term > 0) {
      // The follower's entry at reject_hint has term m.log_term; our log can only match there if
      // we have an entry of that term at or below it.
      next_probe = log_.FindConflictByTerm(m.reject_hint, m.log_term);
    }
    if (pr.MaybeDecrTo(m.index, next_probe)) {
      if (pr.state == ProgressState::kReplicate) pr.BecomeProbe();
      SendAppend(m.from);
    }
    return;
  }
  bool was_paused = pr.IsPaused();
  bool updated = pr.MaybeUpdate(m.index);
  // A probe answered at exactly `match` also proves where the logs agree.
  if (!updated && !(pr.state == ProgressState::kProbe && pr.match == m.index)) return;
  if (pr.state == ProgressState::kProbe) {
    pr.BecomeReplicate();
  } else if (pr.state == ProgressState::kSnapshot && pr.match >= pr.pending_snapshot) {
    pr.BecomeProbe();
    pr.BecomeReplicate();
  } else if (pr.state == ProgressState::kReplicate) {
    pr.inflights.FreeLE(m.index);
  }
  if (MaybeCommit()) {
    BcastAppend();
  } else if (was_paused) {
    SendAppend(m.from);
  }
  while (MaybeSendAppend(m.from, false)) {
  }
  if (m.from == lead_transferee_ && pr.match == log_.LastIndex()) SendTimeoutNow(m.from);
}

void Raft::HandleHeartbeat(Message& m) {
  if (m.log_term != 0 && CheckDivergence(m)) return;
  // The leader sends min(our match, its commit), so normally m.commit <= our last index. More
  // than that means we lost entries we had acknowledged (a node restarted with an empty or
  // older data directory under the same id; Raft's safety does not cover that case: such a
  // node should rejoin under a new id). We then commit NOTHING on this heartbeat — what we hold
  // was never checked against this leader's log — and tell the leader to re-probe us; entries
  // get committed again through the AppendEntries consistency check.
  bool lost = m.commit > log_.LastIndex();
  if (!lost) CommitTo(m.commit);
  Message resp;
  resp.type = MessageType::kHeartbeatResp;
  resp.to = m.from;
  resp.reject = lost;
  resp.reject_hint = log_.LastIndex();
  resp.context = std::move(m.context);
  Send(std::move(resp));
}

void Raft::HandleHeartbeatResponse(Message& m, Progress& pr) {
  pr.probe_sent = false;
  if (m.reject && m.reject_hint < pr.match) {
    // The follower lost entries it had acknowledged (see HandleHeartbeat). Forget what it
    // acknowledged (match only ever counts verified entries) and probe from what it holds.
    pr.match = 0;
    pr.BecomeProbe();
    pr.next = std::min(m.reject_hint, log_.LastIndex()) + 1;
    SendAppend(m.from);
    return;
  }
  if (pr.state == ProgressState::kReplicate && pr.inflights.Full()) pr.inflights.FreeFirstOne();
  if (pr.match < log_.LastIndex()) SendAppend(m.from);
  if (cfg_.read_only_option != ReadOnlyOption::kSafe || m.context.empty()) return;
  const std::set<NodeId>* acks = read_only_.RecvAck(m.from, m.context);
  if (!acks) return;
  bool quorum = QuorumActive(conf_.voters, [&](NodeId id) { return id == id_ || acks->count(id) > 0; });
  if (quorum) ReleaseReadStates(read_only_.Advance(m.context));
}

void Raft::HandleSnapshot(Message& m) {
  Message resp;
  resp.type = MessageType::kAppResp;
  resp.to = m.from;
  if (m.snapshot && Restore(std::move(*m.snapshot))) {
    resp.index = log_.LastIndex();
  } else {
    resp.index = log_.committed();
  }
  Send(std::move(resp));
}

bool Raft::Restore(Snapshot&& s) {
  if (s.meta.index <= log_.committed()) return false;
  if (log_.MatchTerm(s.meta.index, s.meta.term)) {
    // We already hold the snapshot's last entry, hence (Log Matching) everything before it:
    // just fast-forward the commit index.
    CommitTo(s.meta.index);
    return false;
  }
  Log("restoring snapshot at " + std::to_string(s.meta.index));
  Index idx = s.meta.index;
  ConfState conf = s.meta.conf;
  log_.Restore(std::move(s));
  conf_history_.clear();
  conf_history_[idx] = conf;
  conf_scan_index_ = idx;
  ApplyConfState(conf);
  return true;
}

}  // namespace redraft::raft
