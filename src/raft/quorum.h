// Majority arithmetic over a set of voters (etcd-io/raft quorum/majority.go).
// Learners are never passed in: they do not count towards any quorum.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "raft/types.h"

namespace redraft::raft {

enum class VoteResult { kPending, kWon, kLost };

// The largest index that a majority of `voters` has acknowledged, given each voter's acked
// index (missing voters count as 0). An empty voter set commits nothing (returns 0).
Index QuorumCommittedIndex(const std::vector<NodeId>& voters, const std::function<Index(NodeId)>& acked);

// Tally of an election: votes maps voter -> granted; voters absent from it have not answered.
VoteResult QuorumVoteResult(const std::vector<NodeId>& voters, const std::map<NodeId, bool>& votes);

// Whether the voters for which `yes` returns true form a majority.
bool QuorumActive(const std::vector<NodeId>& voters, const std::function<bool(NodeId)>& yes);

}  // namespace redraft::raft
