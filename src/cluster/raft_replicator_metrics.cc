// RaftReplicator: what the Ready loop tells observability/ (docs/observability.md) — the stage
// timings of a write on the leader (durable, quorum commit; apply is timed in Finish), elections
// and leader changes, heartbeat round trips, and the Raft figures a scrape renders.
#include <ctime>

#include "cluster/raft_replicator.h"
#include "server/log_format.h"

namespace redraft::cluster {

using observability::Global;
using observability::Stage;

void RaftReplicator::NoteDurable(const raft::Ready& rd, uint64_t submitted_us, uint64_t now_us) {
  if (!submitted_us || rd.entries.empty() || !raft_ || raft_->role() != raft::Role::kLeader) return;
  Global().stage(Stage::kWriteLeaderDurable).Observe(now_us - submitted_us);
  // The entries up to here are durable on the leader; they wait for a quorum from now.
  if (durable_marks_.size() < 4096) durable_marks_.emplace_back(rd.entries.back().index, now_us);
}

void RaftReplicator::NoteCommitted(std::span<const raft::Entry> entries, uint64_t now_us) {
  if (entries.empty()) return;
  raft::Index committed = entries.back().index;
  while (!durable_marks_.empty() && durable_marks_.front().first <= committed) {
    Global().stage(Stage::kWriteQuorumCommit).Observe(now_us - durable_marks_.front().second);
    durable_marks_.pop_front();
  }
}

void RaftReplicator::NoteSoftState(const raft::Ready& rd) {
  const auto& ss = *rd.soft_state;
  observability::ClusterCounters& c = Global().cluster();
  if (ss.role == raft::Role::kCandidate && last_role_ != raft::Role::kCandidate) c.elections++;
  if (ss.role != raft::Role::kLeader) durable_marks_.clear();  // commits of another term's leader
  last_role_ = ss.role;
  if (ss.leader == known_leader_) return;
  uint64_t now_us = observability::NowMicros();
  if (ss.leader == raft::kNoNode) {
    if (!leaderless_since_us_) leaderless_since_us_ = now_us;
    return;
  }
  c.leader_changes++;
  c.leader_history.push_back({observability::WallMicros() / 1000, raft_->term(), NodeIdHex(ss.leader)});
  if (c.leader_history.size() > observability::ClusterCounters::kLeaderHistory) c.leader_history.pop_front();
  if (leaderless_since_us_) {
    // LATENCY's "election": how long the node knew no leader.
    Global().latency().AddIfNeeded("election", (now_us - leaderless_since_us_) / 1000, time(nullptr));
    leaderless_since_us_ = 0;
  }
}

void RaftReplicator::NoteHeartbeat(const raft::Message& m, bool sent) {
  uint64_t now = observability::NowMicros();
  if (sent) {
    heartbeat_sent_us_.try_emplace(m.to, now);  // the oldest unanswered one
    return;
  }
  auto it = heartbeat_sent_us_.find(m.from);
  if (it == heartbeat_sent_us_.end()) return;
  heartbeat_rtt_us_[m.from] = now - it->second;
  heartbeat_rtt_hist_.Observe(now - it->second);
  heartbeat_sent_us_.erase(it);
}

void RaftReplicator::RegisterMetrics() {
  server::SetLogContext(identity_.self_id, raft_ ? raft_->term() : 0, raft_ ? raft::RoleName(raft_->role()) : "none");
  metrics_collector_ = Global().AddCollector([this](observability::PromWriter& w) { CollectMetrics(w); });
}

void RaftReplicator::CollectMetrics(observability::PromWriter& w) const {
  bool running = raft_ != nullptr;
  raft::Role role = running ? raft_->role() : raft::Role::kFollower;
  w.Gauge("redraft_raft_term", "Current Raft term.", running ? double(raft_->term()) : 0);
  w.Family("redraft_raft_role", "gauge", "1 for this node's current Raft role, 0 for the others.");
  for (raft::Role r : {raft::Role::kFollower, raft::Role::kPreCandidate, raft::Role::kCandidate, raft::Role::kLeader}) {
    w.Sample("redraft_raft_role", {{"role", raft::RoleName(r)}}, running && r == role ? 1 : 0);
  }
  w.Gauge("redraft_raft_is_leader", "1 if this node is the Raft leader.", running && role == raft::Role::kLeader ? 1 : 0);
  w.Family("redraft_node_info", "gauge", "This node's identity (value always 1).");
  w.Sample("redraft_node_info", {{"node_id", NodeIdHex(identity_.self_id)}, {"cluster_id", identity_.cluster_id}}, 1);
  w.Gauge("redraft_raft_learners", "Non-voting members (catching up).", running ? double(raft_->conf().learners.size()) : 0);
  w.Gauge("redraft_raft_has_leader", "1 if this node knows a leader.",
          running && raft_->leader() != raft::kNoNode ? 1 : 0);
  w.Gauge("redraft_raft_commit_index", "Highest log index known committed.", running ? double(raft_->commit_index()) : 0);
  w.Gauge("redraft_raft_applied_index", "Highest log index applied to the store.", double(sm_->applied_index()));
  w.Gauge("redraft_raft_last_index", "Last index in this node's log.", running ? double(raft_->last_index()) : 0);
  w.Gauge("redraft_raft_durable_index", "Last log index made durable (fsynced) here.", double(durable_));
  w.Gauge("redraft_raft_snapshot_index", "Index of the log's snapshot (the log starts after it).",
          running ? double(raft_->log().snapshot().meta.index) : 0);
  w.Gauge("redraft_raft_voters", "Voting members in the configuration.", running ? double(raft_->conf().voters.size()) : 0);
  // Per peer: only the leader knows its followers' progress.
  bool leader = running && role == raft::Role::kLeader;
  std::vector<uint64_t> peers;
  if (leader) {
    for (const auto& list : {raft_->conf().voters, raft_->conf().learners}) {
      for (uint64_t id : list) {
        if (id != identity_.self_id) peers.push_back(id);
      }
    }
  }
  w.Family("redraft_raft_peer_match_index", "gauge", "Leader: highest log index known replicated on each peer.");
  for (uint64_t id : peers) {
    if (const raft::Progress* p = raft_->GetProgress(id)) {
      w.Sample("redraft_raft_peer_match_index", {{"peer", NodeIdHex(id)}}, double(p->match));
    }
  }
  w.Family("redraft_raft_peer_lag_entries", "gauge", "Leader: entries each peer is behind the leader's last index.");
  for (uint64_t id : peers) {
    if (const raft::Progress* p = raft_->GetProgress(id)) {
      w.Sample("redraft_raft_peer_lag_entries", {{"peer", NodeIdHex(id)}},
               double(raft_->last_index() > p->match ? raft_->last_index() - p->match : 0));
    }
  }
  w.Family("redraft_raft_peer_connected", "gauge", "Leader: 1 if the link to the peer is up.");
  for (uint64_t id : peers) {
    w.Sample("redraft_raft_peer_connected", {{"peer", NodeIdHex(id)}}, transport_ && transport_->IsConnected(id) ? 1 : 0);
  }
  w.Family("redraft_raft_peer_heartbeat_rtt_seconds", "gauge", "Leader: last heartbeat round trip to each peer.");
  for (uint64_t id : peers) {
    auto it = heartbeat_rtt_us_.find(id);
    if (it != heartbeat_rtt_us_.end()) {
      w.Sample("redraft_raft_peer_heartbeat_rtt_seconds", {{"peer", NodeIdHex(id)}}, double(it->second) / 1e6);
    }
  }
  w.Family("redraft_raft_heartbeat_rtt_seconds", "histogram", "Leader: heartbeat round trips to all peers.");
  w.HistogramSamples("redraft_raft_heartbeat_rtt_seconds", {}, heartbeat_rtt_hist_.Data(), 1e6);
  w.Gauge("redraft_raft_readies_in_flight", "Readies handed to the storage thread and not yet durable.",
          double(inflight_.size()));
}

}  // namespace redraft::cluster
