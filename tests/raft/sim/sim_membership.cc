// Membership in the simulation: random membership changes and leadership transfers, disk loss
// ("wipe": the node comes back under a NEW id, as the server does) and the administrator that,
// through the leader, removes the old id, adds the replacement as a learner and promotes it once
// caught up.
#include "sim/sim_simulation.h"

#include <vector>

namespace redraft::raft::sim {

namespace {

bool IsMember(const ConfState& c, NodeId id) { return IsVoter(c, id) || IsLearner(c, id); }

}  // namespace

void Simulation::MembershipEvent() {
  SimNode* l = Leader();
  if (!l) return;
  const ConfState& conf = l->raft->conf();
  std::vector<NodeId> outside;
  for (auto& [id, n] : nodes_) {
    if (!IsVoter(conf, id) && !IsLearner(conf, id)) outside.push_back(id);
  }
  size_t min_voters = min_voters_;
  ConfChange cc;
  int choice = rng_.Uniform(3);
  if (choice == 0 && !outside.empty()) {
    cc = ConfChange{ConfChangeType::kAddLearner, outside[rng_.Uniform(outside.size())], ""};
  } else if (choice == 1 && !conf.learners.empty()) {
    cc = ConfChange{ConfChangeType::kAddNode, conf.learners[rng_.Uniform(conf.learners.size())], ""};
  } else if (choice == 2 && conf.voters.size() > min_voters) {
    cc = ConfChange{ConfChangeType::kRemoveNode, conf.voters[rng_.Uniform(conf.voters.size())], ""};
  } else {
    return;
  }
  if (l->raft->ProposeConfChange(cc).ok()) {
    res_.conf_changes++;
    Trace(31, l->id, static_cast<int>(cc.type), cc.node_id);
  }
}

void Simulation::TransferEvent() {
  SimNode* l = Leader();
  if (!l) return;
  const auto& voters = l->raft->conf().voters;
  NodeId to = voters[rng_.Uniform(voters.size())];
  if (to != l->id && l->raft->TransferLeadership(to).ok()) Trace(32, l->id, to, 0);
}

// Node `id` loses its durable state. The server's policy: it never comes back under its old
// id; a replacement with a new id joins empty, and the leader removes the old id, adds the new
// one as a learner and promotes it once caught up (AdminEvent). One wipe at a time, and only
// while the leader has 3 voters or more, so a quorum of intact voters always remains.
void Simulation::Wipe(NodeId id) {
  SimNode& n = nodes_.at(id);
  Trace(16, id, opts_.wipe_keeps_id, 0);
  res_.wipes++;
  if (n.up) Crash(n);
  if (opts_.wipe_keeps_id) {  // MUTATION: back under the old id with nothing (restart event)
    n.hs = HardState();
    n.snap = Snapshot();
    n.log.clear();
    return;
  }
  nodes_.erase(id);
  NodeId fresh = next_id_++;
  SimNode& m = nodes_[fresh];
  m.id = fresh;
  m.joiner = true;
  StartNode(m);
  admin_.push_back({ConfChangeType::kRemoveNode, id});
  admin_.push_back({ConfChangeType::kAddLearner, fresh});
  admin_.push_back({ConfChangeType::kAddNode, fresh});
}

// A disk may be lost only while the group could survive it: no replacement in progress, 3
// voters or more, every voter up, caught up and agreeing on the configuration, and no
// configuration change in flight. (Losing a disk while, say, a just-promoted voter is still
// empty, or while the survivors do not yet know the latest configuration committed, can leave
// no quorum of intact voters: a real outage, not a bug.)
bool Simulation::MayWipe() {
  SimNode* l = Leader();
  if (!l || !admin_.empty()) return false;
  const Raft& r = *l->raft;
  const ConfState& c = r.conf();
  if (c.voters.size() < 3) return false;
  for (NodeId v : c.voters) {
    auto it = nodes_.find(v);
    if (it == nodes_.end() || !it->second.up || it->second.raft->conf() != c) return false;
    const Progress* pr = r.GetProgress(v);
    if (!pr || pr->match < r.commit_index()) return false;
  }
  for (Index i = r.commit_index() + 1; i <= r.last_index(); i++) {
    if (r.log().At(i).type == EntryType::kConfChange) return false;
  }
  return true;
}

void Simulation::WipeEvent() {
  if (!MayWipe()) return;
  std::vector<NodeId> ids;
  for (auto& [id, n] : nodes_) ids.push_back(id);
  Wipe(ids[rng_.Uniform(ids.size())]);
}

// The harness's administrator: drives the queued membership changes through the leader, as the
// server does (each one is done once some leader's committed configuration shows it).
void Simulation::AdminEvent() {
  if (admin_.empty()) return;
  SimNode* l = Leader();
  if (!l) return;
  const ConfState& conf = l->raft->conf();
  const AdminOp op = admin_.front();
  bool done = op.type == ConfChangeType::kRemoveNode ? !IsMember(conf, op.id)
              : op.type == ConfChangeType::kAddLearner ? IsMember(conf, op.id)
                                                        : IsVoter(conf, op.id);
  if (done) {
    admin_.pop_front();
    Trace(34, static_cast<int>(op.type), op.id, 0);
    return;
  }
  if (op.type == ConfChangeType::kAddNode) {  // promote only once caught up
    const Progress* pr = l->raft->GetProgress(op.id);
    if (!pr || pr->match + 5 < l->raft->commit_index()) return;
  }
  if (l->raft->ProposeConfChange(ConfChange{op.type, op.id, ""}).ok()) {
    res_.conf_changes++;
    Trace(33, l->id, static_cast<int>(op.type), op.id);
  }
}

}  // namespace redraft::raft::sim
