// ClusterAdmin (cluster_admin.h): CLUSTER MEET/FORGET/FAILOVER/JOIN and DEBUG PARTITION. MEET's exchanges
// with the new node run on libuv's thread pool (blocking, bounded by timeouts: remote_node.h), never on the loop.
#include "cluster/cluster_admin.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cluster/remote_node.h"
#include "common/coding.h"

namespace redraft::cluster {

ClusterAdmin::ClusterAdmin(uv_loop_t* loop, Env env, Options opts)
    : loop_(loop), env_(std::move(env)), opts_(std::move(opts)) {}

ClusterAdmin::~ClusterAdmin() { *alive_ = false; }

bool ClusterAdmin::AddressBlocked(const MemberAddr& a) const {
  return blocked_addrs_.count(a.host + ":" + std::to_string(a.port)) > 0;
}

// One CLUSTER MEET in progress. The loop thread owns it except while a worker runs Work(); the
// worker touches only node, call and the results (uv_queue_work orders the hand-overs).
struct ClusterAdmin::MeetProbe {
  enum class Step { kAskId, kJoin };
  uv_work_t req;
  ClusterAdmin* self = nullptr;
  std::shared_ptr<bool> alive;  // self's alive_
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

void ClusterAdmin::Meet(const std::string& host, int port, std::function<void(Status)> done) {
  raft::Raft* r = env_.raft();
  if (!r || r->role() != raft::Role::kLeader) {
    return done(Status::InvalidArgument("CLUSTER MEET must be sent to the leader"));
  }
  auto probe = std::make_unique<MeetProbe>();
  probe->self = this;
  probe->alive = alive_;
  probe->host = host;
  probe->port = port;
  probe->done = std::move(done);
  probe->tls = opts_.tls_client;
  probe->call = {"CLUSTER", "MYID"};
  QueueMeetCall(std::move(probe));
}

void ClusterAdmin::QueueMeetCall(std::unique_ptr<MeetProbe> probe) {
  probe->req.data = probe.get();
  int rc = uv_queue_work(
      loop_, &probe->req, [](uv_work_t* req) { static_cast<MeetProbe*>(req->data)->Work(); },
      [](uv_work_t* req, int) {
        std::unique_ptr<MeetProbe> p(static_cast<MeetProbe*>(req->data));
        if (!*p->alive) return;  // the node is gone: nobody to answer
        if (!p->self->env_.started()) return p->done(Status::Aborted("shutting down"));
        p->self->MeetStep(std::move(p));
      });
  if (rc != 0) {
    probe->done(Status::IOError(std::string("can't queue CLUSTER MEET: ") + uv_strerror(rc)));
    return;
  }
  probe.release();  // owned by the request until its after-work callback
}

// On the loop, after each exchange: decide the next one, or finish.
void ClusterAdmin::MeetStep(std::unique_ptr<MeetProbe> p) {
  raft::Raft* r = env_.raft();
  if (!p->status.ok()) {
    if (p->step == MeetProbe::Step::kJoin) {
      return p->done(Status::InvalidArgument("node refused to join: " + p->status.message()));
    }
    return p->done(p->status);
  }
  // Leadership may have moved while the worker waited.
  if (!r || r->role() != raft::Role::kLeader) {
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
    if (raft::IsVoter(r->conf(), id) || raft::IsLearner(r->conf(), id)) return p->done(Status::OK());
    // Tell the (empty, --cluster-join) node which cluster it joins, then add it as a learner.
    p->call = {"CLUSTER", "JOIN", env_.identity().cluster_id};
    for (auto& [mid, a] : env_.identity().members) {
      p->call.push_back(std::to_string(mid));
      p->call.push_back(a.Encode());
    }
    p->step = MeetProbe::Step::kJoin;
    p->id = id;
    return QueueMeetCall(std::move(p));
  }
  // Joined. (Another MEET may have added it meanwhile.)
  if (raft::IsVoter(r->conf(), p->id) || raft::IsLearner(r->conf(), p->id)) return p->done(Status::OK());
  MemberAddr addr{p->host, p->port, p->port + 10000};
  raft::ConfChange cc;
  cc.type = raft::ConfChangeType::kAddLearner;
  cc.node_id = p->id;
  cc.context = addr.Encode();
  env_.set_member(p->id, addr);
  env_.sync_peers();
  Status st = r->ProposeConfChange(cc);
  env_.pump();
  p->done(st);
}

Status ClusterAdmin::Forget(const std::string& node_id) {
  raft::Raft* r = env_.raft();
  if (!r) return Status::Aborted("this node is still forming its cluster");
  uint64_t id = ParseNodeId(node_id);
  if (id == 0) return Status::InvalidArgument("Unknown node " + node_id);
  if (!raft::IsVoter(r->conf(), id) && !raft::IsLearner(r->conf(), id)) {
    return Status::InvalidArgument("Unknown node " + node_id);
  }
  if (r->role() != raft::Role::kLeader) return Status::InvalidArgument("CLUSTER FORGET must be sent to the leader");
  raft::ConfChange cc;
  cc.type = raft::ConfChangeType::kRemoveNode;
  cc.node_id = id;
  Status st = r->ProposeConfChange(cc);
  env_.pump();
  return st;
}

Status ClusterAdmin::Failover(const std::string& node_id) {
  raft::Raft* r = env_.raft();
  if (!r) return Status::Aborted("this node is still forming its cluster");
  uint64_t target = node_id.empty() ? env_.identity().self_id : ParseNodeId(node_id);
  if (target == 0 || !raft::IsVoter(r->conf(), target)) return Status::InvalidArgument("Unknown node " + node_id);
  if (r->role() == raft::Role::kLeader) {
    if (target == env_.identity().self_id) return Status::OK();
    Status st = r->TransferLeadership(target);
    env_.pump();
    return st;
  }
  uint64_t leader = r->leader();
  if (leader == raft::kNoNode || !env_.has_transport()) return Status::Aborted("no leader is known");
  std::string payload;
  PutVarint64(&payload, target);
  if (!env_.send(leader, PeerKind::kTransfer, std::move(payload))) return Status::Aborted("leader unreachable");
  return Status::OK();
}

Status ClusterAdmin::BlockPeer(const std::string& node_id, bool blocked) {
  if (!env_.has_transport()) return Status::InvalidArgument("no peer transport");
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
    if (id == env_.identity().self_id) return false;
    if (node_id == "*") return true;
    if (is_addr) return a.host == by_addr.host && a.port == by_addr.port;
    return ParseNodeId(node_id) == id;
  };
  for (auto& [id, a] : env_.identity().members) {
    if (match(id, a)) env_.set_blocked(id, blocked);
  }
  for (auto& [id, a] : opts_.initial_members) {
    if (match(id, a)) env_.set_blocked(id, blocked);
  }
  return Status::OK();
}

Status ClusterAdmin::Join(const std::string& cluster_id, const std::vector<std::string>& members) {
  if (!opts_.join) return Status::InvalidArgument("this node was not started with cluster-join yes");
  std::map<uint64_t, MemberAddr> book;
  for (size_t i = 0; i + 1 < members.size(); i += 2) {
    uint64_t id = ParseNodeId(members[i]);
    MemberAddr a;
    if (id == 0 || !MemberAddr::Decode(members[i + 1], &a)) return Status::InvalidArgument("bad member " + members[i]);
    book[id] = a;
  }
  if (env_.identity().cluster_id == cluster_id) return Status::OK();
  return env_.adopt(cluster_id, book);
}

// ---------------------------------------------------------------------------------------------
// Membership as it commits

void ClusterAdmin::OnConfChangeApplied(const raft::ConfChange& cc, raft::Index index) {
  spdlog::info("membership: {} {} at index {}",
               cc.type == raft::ConfChangeType::kRemoveNode  ? "removed"
               : cc.type == raft::ConfChangeType::kAddLearner ? "added as learner"
                                                              : "added as voter",
               NodeIdHex(cc.node_id), index);
  if (cc.type == raft::ConfChangeType::kRemoveNode) {
    if (cc.node_id != env_.identity().self_id) env_.remove_member(cc.node_id);
    learner_since_.erase(cc.node_id);
  } else {
    MemberAddr a;
    if (MemberAddr::Decode(cc.context, &a)) env_.set_member(cc.node_id, a);
    if (cc.type == raft::ConfChangeType::kAddLearner) learner_since_[cc.node_id] = index;
    else learner_since_.erase(cc.node_id);
  }
}

void ClusterAdmin::PromoteCaughtUpLearners() {
  raft::Raft* r = env_.raft();
  if (!r || r->role() != raft::Role::kLeader) return;
  for (uint64_t id : r->conf().learners) {
    const raft::Progress* pr = r->GetProgress(id);
    if (!pr) continue;
    // Caught up: promoting it cannot stall commits while it fetches the log. It must also have
    // acknowledged its own admission (the entry that added it, when this node applied it): a
    // learner that never answered is not promoted, it would count as a voter that is down.
    auto since = learner_since_.find(id);
    raft::Index admitted = since == learner_since_.end() ? 1 : since->second;
    if (pr->match >= admitted && pr->match + 100 >= r->commit_index()) {
      raft::ConfChange cc;
      cc.type = raft::ConfChangeType::kAddNode;
      cc.node_id = id;
      cc.context = env_.identity().members.count(id) ? env_.identity().members.at(id).Encode() : "";
      if (r->ProposeConfChange(cc).ok()) {
        spdlog::info("promoting learner {} to voter", NodeIdHex(id));
        return;  // one change at a time
      }
    }
  }
}

}  // namespace redraft::cluster
