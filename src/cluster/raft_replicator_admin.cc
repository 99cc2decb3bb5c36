// RaftReplicator's operator side: CLUSTER MEET/FORGET/FAILOVER, node listings, INFO raft. MEET's exchanges
// with the new node run on libuv's thread pool (blocking, bounded by timeouts: remote_node.h), never on the loop.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "cluster/raft_replicator.h"
#include "cluster/remote_node.h"
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
  SnapshotInfo(&out);
  return out;
}


// One CLUSTER MEET in progress. The loop thread owns it except while a worker runs Work(); the
// worker touches only node, call and the results (uv_queue_work orders the hand-overs).
struct RaftReplicator::MeetProbe {
  enum class Step { kAskId, kJoin };
  uv_work_t req;
  RaftReplicator* self = nullptr;
  std::shared_ptr<bool> alive;  // self's AliveFlag
  std::string host;
  int port = 0;
  std::function<void(Status)> done;
  std::shared_ptr<tls::TlsContext> tls;  // tls-cluster: the exchange is TLS (client context)
  Step step = Step::kAskId;
  uint64_t id = 0;                // the node's id, once known
  std::vector<std::string> call;  // the command the worker sends
  RemoteNode node;
  Status status;                  // the worker's outcome
  std::string reply;

  void Work() {
    if (!node.connected()) {
      status = node.Connect(host, port, tls);
      if (!status.ok()) return;
    }
    Result<std::string> r = node.Call(call);
    status = r.ok() ? Status::OK() : r.status();
    if (r.ok()) reply = std::move(r).value();
  }
};

void RaftReplicator::Meet(const std::string& host, int port, std::function<void(Status)> done) {
  if (!raft_ || raft_->role() != raft::Role::kLeader) {
    return done(Status::InvalidArgument("CLUSTER MEET must be sent to the leader"));
  }
  auto probe = std::make_unique<MeetProbe>();
  probe->self = this;
  probe->alive = alive_.alive;
  probe->host = host;
  probe->port = port;
  probe->done = std::move(done);
  probe->tls = opts_.tls_client;
  probe->call = {"CLUSTER", "MYID"};
  QueueMeetCall(std::move(probe));
}

void RaftReplicator::QueueMeetCall(std::unique_ptr<MeetProbe> probe) {
  probe->req.data = probe.get();
  int rc = uv_queue_work(
      loop_, &probe->req, [](uv_work_t* req) { static_cast<MeetProbe*>(req->data)->Work(); },
      [](uv_work_t* req, int) {
        std::unique_ptr<MeetProbe> p(static_cast<MeetProbe*>(req->data));
        if (!*p->alive) return;  // the replicator is gone: nobody to answer
        if (!p->self->started_) return p->done(Status::Aborted("shutting down"));
        p->self->MeetStep(std::move(p));
      });
  if (rc != 0) {
    probe->done(Status::IOError(std::string("can't queue CLUSTER MEET: ") + uv_strerror(rc)));
    return;
  }
  probe.release();  // owned by the request until its after-work callback
}

// On the loop, after each exchange: decide the next one, or finish.
void RaftReplicator::MeetStep(std::unique_ptr<MeetProbe> p) {
  if (!p->status.ok()) {
    if (p->step == MeetProbe::Step::kJoin) {
      return p->done(Status::InvalidArgument("node refused to join: " + p->status.message()));
    }
    return p->done(p->status);
  }
  // Leadership may have moved while the worker waited.
  if (!raft_ || raft_->role() != raft::Role::kLeader) {
    return p->done(Status::InvalidArgument("CLUSTER MEET must be sent to the leader"));
  }
  if (p->step == MeetProbe::Step::kAskId) {
    uint64_t id = ParseNodeId(p->reply);
    if (id == 0) return p->done(Status::InvalidArgument("bad node id from " + p->host));
    const std::vector<uint64_t>& named = p->node.certificate_ids();
    if (p->tls && std::find(named.begin(), named.end(), id) == named.end()) {
      // tls-cluster's identity rule (docs/peer_protocol.md) applies from the first contact.
      spdlog::warn("CLUSTER MEET {}:{}: node {} presents a certificate that does not name redraft-node-{}", p->host,
                   p->port, id, id);
      return p->done(Status::InvalidArgument("the node's TLS certificate does not name redraft-node-" +
                                             std::to_string(id)));
    }
    if (raft::IsVoter(raft_->conf(), id) || raft::IsLearner(raft_->conf(), id)) return p->done(Status::OK());
    // Tell the (empty, --cluster-join) node which cluster it joins, then add it as a learner.
    p->call = {"CLUSTER", "JOIN", identity_.cluster_id};
    for (auto& [mid, a] : identity_.members) {
      p->call.push_back(std::to_string(mid));
      p->call.push_back(a.Encode());
    }
    p->step = MeetProbe::Step::kJoin;
    p->id = id;
    return QueueMeetCall(std::move(p));
  }
  // Joined. (Another MEET may have added it meanwhile.)
  if (raft::IsVoter(raft_->conf(), p->id) || raft::IsLearner(raft_->conf(), p->id)) return p->done(Status::OK());
  MemberAddr addr{p->host, p->port, p->port + 10000};
  raft::ConfChange cc;
  cc.type = raft::ConfChangeType::kAddLearner;
  cc.node_id = p->id;
  cc.context = addr.Encode();
  identity_.members[p->id] = addr;
  SyncPeers();
  Status st = raft_->ProposeConfChange(cc);
  Pump();
  p->done(st);
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
  if (!SendPeer(leader, PeerKind::kTransfer, std::move(payload))) return Status::Aborted("leader unreachable");
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
