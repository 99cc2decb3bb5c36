#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace redraft::commands {

struct ClusterNode {
  std::string id;  // 40 hex characters, like Redis node ids
  std::string host;
  int port = 0;          // client port
  int cluster_port = 0;  // peer port
  bool self = false;
  bool leader = false;
  bool learner = false;
  bool connected = false;  // peer link up (always true for self)
};

// What CLUSTER commands and INFO may ask of the replication layer (implemented by cluster/).
class ClusterApi {
 public:
  virtual ~ClusterApi() = default;
  virtual std::string MyId() = 0;
  // Voters and learners; the leader first when known.
  virtual std::vector<ClusterNode> Nodes() = 0;
  virtual bool HasLeader() = 0;
  virtual uint64_t CurrentTerm() = 0;
  // The "raft" INFO section's lines ("key:value\r\n").
  virtual std::string RaftInfo() = 0;
  // CLUSTER MEET: adds the fresh node listening on host:port (learner first, voter once caught up).
  // Asynchronous (it talks to that node): done runs once, on the event-loop thread, possibly
  // before Meet returns; the loop serves everyone else meanwhile. Bounded by timeouts.
  virtual void Meet(const std::string& host, int port, std::function<void(Status)> done) = 0;
  // CLUSTER FORGET: removes a member (the leader included).
  virtual Status Forget(const std::string& node_id) = 0;
  // CLUSTER FAILOVER [node-id]: makes node_id (default: this node) the leader.
  virtual Status Failover(const std::string& node_id) = 0;
  // CLUSTER JOIN (sent by the leader's MEET to a node started with cluster-join yes): adopt the
  // cluster id and the member list (pairs of decimal id, "host:port@cport").
  virtual Status Join(const std::string& cluster_id, const std::vector<std::string>& members) = 0;
  // Fault injection (DEBUG PARTITION, only with enable-debug-command yes): drop all peer traffic
  // to and from node_id ("*" = every peer) while blocked.
  virtual Status BlockPeer(const std::string& node_id, bool blocked) = 0;
};

}  // namespace redraft::commands
