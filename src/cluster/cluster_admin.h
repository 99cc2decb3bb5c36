#pragma once

// ClusterAdmin: the operator's changes to a cluster — CLUSTER MEET, FORGET, FAILOVER, JOIN and
// DEBUG PARTITION (BlockPeer) — turned into Raft configuration changes, leadership transfers
// and peer blocks (docs/membership.md).
//
// Owns: MEET's exchanges with the new node (on libuv's thread pool: RemoteNode blocks, bounded by
// its timeouts; the loop only decides the next step), the DEBUG PARTITION addresses, and what a
// committed configuration change means for the address book and for learner promotion.
// Must not: block the event loop (no socket call on it, ever: a slow or blackholed node would
// stall every client), decide what commits (the replicator hands it applied changes in log
// order), or reach the Raft core except to read the configuration and progress, propose a
// change or transfer the leadership.
// Thread-safety: the event loop's thread; a MEET worker touches only its own probe.

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cluster/node_identity.h"
#include "cluster/peer_kinds.h"
#include "common/status.h"
#include "raft/raft.h"
#include "tls/tls.h"

namespace redraft::cluster {

class ClusterAdmin {
 public:
  // What administration needs from the node, as calls (all on the event loop).
  struct Env {
    std::function<raft::Raft*()> raft;   // null while the node is forming its cluster
    std::function<bool()> started;       // false once the node is stopping
    std::function<const NodeIdentity&()> identity;
    std::function<bool()> has_transport;
    std::function<bool(uint64_t to, PeerKind kind, std::string payload)> send;
    std::function<void(uint64_t id, bool blocked)> set_blocked;  // REQUIRES: has_transport()
    // The address book (NodeIdentity::members): record or drop a member; then sync_peers dials
    // the book's members (the replicator saves nodes.conf after applied changes).
    std::function<void(uint64_t id, const MemberAddr& addr)> set_member;
    std::function<void(uint64_t id)> remove_member;  // also forgets its link unless a configured slot
    std::function<void()> sync_peers;
    std::function<void()> pump;  // a proposal or transfer is waiting in the core
    // CLUSTER JOIN on a fresh node: adopt the cluster and start the peer transport.
    std::function<Status(const std::string& cluster_id, const std::map<uint64_t, MemberAddr>& members)> adopt;
  };
  struct Options {
    bool join = false;                             // started with cluster-join yes
    std::map<uint64_t, MemberAddr> initial_members;  // the configured slots (also blocked by BlockPeer)
    std::shared_ptr<tls::TlsContext> tls_client;   // tls-cluster: MEET's exchange is TLS
  };
  ClusterAdmin(uv_loop_t* loop, Env env, Options opts);
  ~ClusterAdmin();

  // commands::ClusterApi's administrative calls (cluster_api.h has their contracts).
  void Meet(const std::string& host, int port, std::function<void(Status)> done);
  Status Forget(const std::string& node_id);
  Status Failover(const std::string& node_id);
  Status Join(const std::string& cluster_id, const std::vector<std::string>& members);
  Status BlockPeer(const std::string& node_id, bool blocked);
  // DEBUG PARTITION by address also blocks whoever turns up there later.
  bool AddressBlocked(const MemberAddr& a) const;

  // Membership as it commits (the replicator calls it for each applied ConfChange, in log order):
  // the address book follows, and a new learner waits to be promoted.
  void OnConfChangeApplied(const raft::ConfChange& cc, raft::Index index);
  // Periodic, as leader: proposes one caught-up learner's promotion to voter.
  void PromoteCaughtUpLearners();

 private:
  // CLUSTER MEET's exchange with the new node, run on libuv's thread pool.
  struct MeetProbe;
  void MeetStep(std::unique_ptr<MeetProbe> probe);
  void QueueMeetCall(std::unique_ptr<MeetProbe> probe);

  uv_loop_t* loop_;
  Env env_;
  Options opts_;
  // False once this object is destroyed: a probe finishing later must not touch it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::set<std::string> blocked_addrs_;  // DEBUG PARTITION host:port (fault injection)
  std::map<uint64_t, raft::Index> learner_since_;  // learners waiting to be promoted -> admission index
};

}  // namespace redraft::cluster
