// RaftReplicator's operator side: CLUSTER MEET/FORGET/FAILOVER, node listings, INFO raft.
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include "cluster/raft_replicator.h"
#include "common/coding.h"

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
  line("raft_snapshot_index", std::to_string(last_compact_));
  line("raft_voters", std::to_string(raft_->conf().voters.size()));
  line("raft_learners", std::to_string(raft_->conf().learners.size()));
  line("raft_pending_proposals", std::to_string(pending_.size()));
  line("raft_pending_writes", std::to_string(writes_.size()));
  int i = 0;
  for (auto& ps : raft_->PeerStatuses()) {
    if (ps.id == identity_.self_id) continue;
    uint64_t lag = raft_->last_index() > ps.progress.match ? raft_->last_index() - ps.progress.match : 0;
    bool up = transport_ && transport_->IsConnected(ps.id);
    line("raft_peer" + std::to_string(i++), "id=" + NodeIdHex(ps.id) + ",match=" + std::to_string(ps.progress.match) +
                                                ",lag=" + std::to_string(lag) + ",connected=" + (up ? "1" : "0"));
  }
  SnapshotInfo(&out);
  return out;
}

namespace {

// A short blocking exchange with another node's client port (operator commands only).
struct RemoteNode {
  redisContext* c = nullptr;
  ~RemoteNode() {
    if (c) redisFree(c);
  }
  Status Connect(const std::string& host, int port) {
    timeval tv{2, 0};
    c = redisConnectWithTimeout(host.c_str(), port, tv);
    if (!c || c->err) return Status::IOError("can't connect to " + host + ":" + std::to_string(port));
    redisSetTimeout(c, tv);
    return Status::OK();
  }
  Result<std::string> Call(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto& a : args) argv.push_back(a.c_str()), lens.push_back(a.size());
    auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (!r) return Status::IOError("no reply from node");
    std::string s = r->str ? std::string(r->str, r->len) : "";
    bool err = r->type == REDIS_REPLY_ERROR;
    freeReplyObject(r);
    if (err) return Status::Aborted(s);
    return s;
  }
};

}  // namespace

Status RaftReplicator::Meet(const std::string& host, int port) {
  if (!raft_ || raft_->role() != raft::Role::kLeader) return Status::InvalidArgument("CLUSTER MEET must be sent to the leader");
  RemoteNode node;
  REDRAFT_RETURN_IF_ERROR(node.Connect(host, port));
  auto id_hex = node.Call({"CLUSTER", "MYID"});
  if (!id_hex.ok()) return id_hex.status();
  uint64_t id = ParseNodeId(*id_hex);
  if (id == 0) return Status::InvalidArgument("bad node id from " + host);
  if (raft::IsVoter(raft_->conf(), id) || raft::IsLearner(raft_->conf(), id)) return Status::OK();
  // Tell the (empty, --cluster-join) node which cluster it joins, then add it as a learner.
  std::vector<std::string> join{"CLUSTER", "JOIN", identity_.cluster_id};
  for (auto& [mid, a] : identity_.members) {
    join.push_back(std::to_string(mid));
    join.push_back(a.Encode());
  }
  auto joined = node.Call(join);
  if (!joined.ok()) return Status::InvalidArgument("node refused to join: " + joined.status().message());
  MemberAddr addr{host, port, port + 10000};
  raft::ConfChange cc;
  cc.type = raft::ConfChangeType::kAddLearner;
  cc.node_id = id;
  cc.context = addr.Encode();
  identity_.members[id] = addr;
  SyncPeers();
  Status st = raft_->ProposeConfChange(cc);
  Pump();
  return st;
}

Status RaftReplicator::Forget(const std::string& node_id) {
  if (!raft_) return Status::Aborted("this node is still forming its cluster");
  uint64_t id = ParseNodeId(node_id);
  if (id == 0) return Status::InvalidArgument("Unknown node " + node_id);
  if (!raft::IsVoter(raft_->conf(), id) && !raft::IsLearner(raft_->conf(), id)) {
    return Status::InvalidArgument("Unknown node " + node_id);
  }
  if (raft_->role() != raft::Role::kLeader) return Status::InvalidArgument("CLUSTER FORGET must be sent to the leader");
  raft::ConfChange cc;
  cc.type = raft::ConfChangeType::kRemoveNode;
  cc.node_id = id;
  Status st = raft_->ProposeConfChange(cc);
  Pump();
  return st;
}

Status RaftReplicator::Failover(const std::string& node_id) {
  if (!raft_) return Status::Aborted("this node is still forming its cluster");
  uint64_t target = node_id.empty() ? identity_.self_id : ParseNodeId(node_id);
  if (target == 0 || !raft::IsVoter(raft_->conf(), target)) return Status::InvalidArgument("Unknown node " + node_id);
  if (raft_->role() == raft::Role::kLeader) {
    if (target == identity_.self_id) return Status::OK();
    Status st = raft_->TransferLeadership(target);
    Pump();
    return st;
  }
  uint64_t leader = raft_->leader();
  if (leader == raft::kNoNode || !transport_) return Status::Aborted("no leader is known");
  std::string payload;
  PutVarint64(&payload, target);
  if (!transport_->Send(leader, "xfer", std::move(payload))) return Status::Aborted("leader unreachable");
  return Status::OK();
}

Status RaftReplicator::BlockPeer(const std::string& node_id, bool blocked) {
  if (!transport_) return Status::InvalidArgument("no peer transport");
  // A peer is named by its id, or by its client address "host:port" (every id ever seen there:
  // a node that rejoined after losing its data has a new id at the same address).
  MemberAddr by_addr;
  bool is_addr = node_id.find(':') != std::string::npos && MemberAddr::Decode(node_id, &by_addr);
  if (is_addr) {
    // Also whoever turns up there later (SyncPeers applies it to new members).
    if (blocked) blocked_addrs_.insert(by_addr.host + ":" + std::to_string(by_addr.port));
    else blocked_addrs_.erase(by_addr.host + ":" + std::to_string(by_addr.port));
  }
  auto match = [&](uint64_t id, const MemberAddr& a) {
    if (id == identity_.self_id) return false;
    if (node_id == "*") return true;
    if (is_addr) return a.host == by_addr.host && a.port == by_addr.port;
    return ParseNodeId(node_id) == id;
  };
  for (auto& [id, a] : identity_.members) {
    if (match(id, a)) transport_->SetBlocked(id, blocked);
  }
  for (auto& [id, a] : opts_.initial_members) {
    if (match(id, a)) transport_->SetBlocked(id, blocked);
  }
  return Status::OK();
}

Status RaftReplicator::Join(const std::string& cluster_id, const std::vector<std::string>& members) {
  if (!opts_.join) return Status::InvalidArgument("this node was not started with cluster-join yes");
  std::map<uint64_t, MemberAddr> book;
  for (size_t i = 0; i + 1 < members.size(); i += 2) {
    uint64_t id = ParseNodeId(members[i]);
    MemberAddr a;
    if (id == 0 || !MemberAddr::Decode(members[i + 1], &a)) return Status::InvalidArgument("bad member " + members[i]);
    book[id] = a;
  }
  if (identity_.cluster_id == cluster_id) return Status::OK();
  return AdoptCluster(cluster_id, book);
}

}  // namespace redraft::cluster
