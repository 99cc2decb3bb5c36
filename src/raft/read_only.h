// The leader's queue of ReadIndex requests awaiting a heartbeat quorum (Raft dissertation §6.4,
// etcd-io/raft read_only.go).
//
// A request records the commit index at the time it arrived. The leader then broadcasts a
// heartbeat carrying the request's context; once a majority of voters (counting the leader) has
// echoed that context, the leader knows it was still leader when the request arrived, so every
// request queued up to and including that one may be served at its recorded index. One quorum
// round therefore answers all earlier requests too (batching).
//
// Contexts identify requests and must be unique among outstanding requests of the whole group
// (callers use e.g. node id + sequence number); a duplicate context is ignored.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "raft/types.h"

namespace redraft::raft {

struct ReadIndexStatus {
  Index index = 0;       // commit index when the request arrived
  NodeId from = kNoNode; // who asked (the leader itself, or a follower that forwarded it)
  std::string context;
  std::set<NodeId> acks;
};

class ReadOnly {
 public:
  // Returns false (and ignores the request) if the context is already pending.
  bool Add(Index index, NodeId from, std::string context);
  // Records a heartbeat ack for context; returns the acks so far (nullptr if unknown context).
  const std::set<NodeId>* RecvAck(NodeId from, const std::string& context);
  // Removes and returns every request up to and including `context`, in arrival order.
  std::vector<ReadIndexStatus> Advance(const std::string& context);
  // Context of the newest pending request ("" if none).
  std::string LastPendingContext() const { return queue_.empty() ? std::string() : queue_.back(); }
  size_t Pending() const { return queue_.size(); }
  void Clear() {
    queue_.clear();
    pending_.clear();
  }

 private:
  std::map<std::string, ReadIndexStatus> pending_;
  std::deque<std::string> queue_;
};

}  // namespace redraft::raft
