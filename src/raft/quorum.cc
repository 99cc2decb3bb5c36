#include "raft/quorum.h"

#include <algorithm>

namespace redraft::raft {

Index QuorumCommittedIndex(const std::vector<NodeId>& voters, const std::function<Index(NodeId)>& acked) {
  if (voters.empty()) return 0;
  // Small fixed buffer on the hot path: clusters have a handful of voters.
  Index buf[16];
  std::vector<Index> big;
  Index* v = buf;
  if (voters.size() > 16) {
    big.resize(voters.size());
    v = big.data();
  }
  size_t n = voters.size();
  for (size_t i = 0; i < n; i++) v[i] = acked(voters[i]);
  // Sorted descending, the (n/2)-th element is acknowledged by n/2 + 1 voters: a majority.
  std::sort(v, v + n, std::greater<Index>());
  return v[n / 2];
}

VoteResult QuorumVoteResult(const std::vector<NodeId>& voters, const std::map<NodeId, bool>& votes) {
  if (voters.empty()) return VoteResult::kWon;  // by convention (etcd): nothing to win
  size_t yes = 0, no = 0;
  for (NodeId id : voters) {
    auto it = votes.find(id);
    if (it == votes.end()) continue;
    (it->second ? yes : no)++;
  }
  size_t q = voters.size() / 2 + 1;
  if (yes >= q) return VoteResult::kWon;
  if (voters.size() - no < q) return VoteResult::kLost;
  return VoteResult::kPending;
}

bool QuorumActive(const std::vector<NodeId>& voters, const std::function<bool(NodeId)>& yes) {
  size_t n = 0;
  for (NodeId id : voters) n += yes(id) ? 1 : 0;
  return n >= voters.size() / 2 + 1;
}

}  // namespace redraft::raft
