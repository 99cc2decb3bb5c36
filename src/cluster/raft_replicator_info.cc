// RaftReplicator's answers to the CLUSTER and INFO queries: the node's id, the members, INFO raft.
#include "cluster/raft_replicator.h"

namespace redraft::cluster {

std::string RaftReplicator::MyId() { return NodeIdHex(identity_.self_id); }

bool RaftReplicator::HasLeader() { return raft_ && raft_->leader() != raft::kNoNode; }

uint64_t RaftReplicator::CurrentTerm() { return raft_ ? raft_->term() : 0; }

std::vector<commands::ClusterNode> RaftReplicator::Nodes() {
  std::vector<commands::ClusterNode> out;
  if (!raft_) return out;
  const raft::ConfState& conf = raft_->conf();
  auto add = [&](uint64_t id, bool learner) {
    commands::ClusterNode n;
    n.id = NodeIdHex(id);
    auto it = identity_.members.find(id);
    if (it != identity_.members.end()) {
      n.host = it->second.host;
      n.port = it->second.port;
      n.cluster_port = it->second.cluster_port;
    }
    n.self = id == identity_.self_id;
    n.leader = id == raft_->leader();
    n.learner = learner;
    n.connected = n.self || (transport_ && transport_->IsConnected(id));
    if (n.leader) out.insert(out.begin(), n);
    else out.push_back(n);
  };
  for (uint64_t id : conf.voters) add(id, false);
  for (uint64_t id : conf.learners) add(id, true);
  return out;
}

std::string RaftReplicator::RaftInfo() {
  std::string out;
  auto line = [&](const std::string& k, const std::string& v) { out += k + ":" + v + "\r\n"; };
  line("raft_node_id", NodeIdHex(identity_.self_id));
  line("raft_cluster_id", identity_.cluster_id);
  line("raft_incarnation", std::to_string(incarnation_));
  line("raft_ticks", std::to_string(ticks_));
  if (!raft_) {
    // In formation (formation.h): the log is empty and Raft does not run yet.
    line("raft_role", "forming");
    line("raft_slot", formation_ ? std::to_string(formation_->slot()) : "0");
    line("raft_leader", "none");
    return out;
  }
  line("raft_role", raft_->divergence() ? "diverged" : raft::RoleName(raft_->role()));
  if (const auto& d = raft_->divergence()) {
    line("raft_divergence", "index=" + std::to_string(d->index) + ",local_term=" + std::to_string(d->local_term) +
                                ",leader_term=" + std::to_string(d->leader_term) + ",leader=" + NodeIdHex(d->leader));
  }
  line("raft_term", std::to_string(raft_->term()));
  line("raft_leader", raft_->leader() ? NodeIdHex(raft_->leader()) : "none");
  line("raft_commit_index", std::to_string(raft_->commit_index()));
  line("raft_applied_index", std::to_string(sm_->applied_index()));
  line("raft_last_index", std::to_string(raft_->last_index()));
  line("raft_durable_index", std::to_string(durable_));
  line("raft_snapshot_index", std::to_string(compaction_.last_compact()));
  line("raft_voters", std::to_string(raft_->conf().voters.size()));
  line("raft_learners", std::to_string(raft_->conf().learners.size()));
  line("raft_pending_proposals", std::to_string(forwarder_.pending_count()));
  line("raft_pending_writes", std::to_string(forwarder_.writes_count()));
  int i = 0;
  for (auto& ps : raft_->PeerStatuses()) {
    if (ps.id == identity_.self_id) continue;
    uint64_t lag = raft_->last_index() > ps.progress.match ? raft_->last_index() - ps.progress.match : 0;
    bool up = transport_ && transport_->IsConnected(ps.id);
    line("raft_peer" + std::to_string(i++), "id=" + NodeIdHex(ps.id) + ",match=" + std::to_string(ps.progress.match) +
                                                ",lag=" + std::to_string(lag) + ",connected=" + (up ? "1" : "0"));
  }
  snapshots_.Info(&out);
  return out;
}

}  // namespace redraft::cluster
