// The simulation's network: delivers in-flight messages in random order, with loss,
// duplication and cut links (symmetric and one-way partitions); tells a snapshot's sender whether
// it arrived.
#include "sim/sim_simulation.h"

#include <set>
#include <utility>
#include <vector>

namespace redraft::raft::sim {

void Simulation::DeliverOne(size_t i, bool lossy) {
  Message m = std::move(net_[i]);
  net_[i] = std::move(net_.back());
  net_.pop_back();
  bool drop = cut_.count({m.from, m.to}) > 0 || (lossy && rng_.Chance(loss_pct_, 100));
  auto to = nodes_.find(m.to);
  if (to == nodes_.end() || !to->second.up) drop = true;
  if (!drop && lossy && rng_.Chance(dup_pct_, 100)) net_.push_back(m);  // duplicate
  Deliver(std::move(m), drop);
}

// Delivers m to its (up) destination, or drops it; a sender of a snapshot learns the outcome.
void Simulation::Deliver(Message&& m, bool drop) {
  auto to = nodes_.find(m.to);
  if (to == nodes_.end() || !to->second.up) drop = true;
  Trace(1, m.from * 16 + m.to, static_cast<uint64_t>(m.type) * 1000003 + m.index, m.term + (drop ? 1u << 31 : 0));
  if (m.type == MessageType::kSnapshot) {
    auto from = nodes_.find(m.from);  // gone if it was wiped since
    if (from != nodes_.end() && from->second.up) from->second.raft->ReportSnapshot(m.to, !drop);
    if (!drop) res_.snapshots_sent++;
  }
  if (drop) return;
  (void)to->second.raft->Step(std::move(m));
}

void Simulation::Partition() {
  cut_.clear();
  int kind = rng_.Uniform(3);
  std::vector<NodeId> ids;
  for (auto& [id, n] : nodes_) ids.push_back(id);
  if (kind == 0) {  // isolate one node
    NodeId x = ids[rng_.Uniform(ids.size())];
    for (NodeId y : ids) {
      if (y != x) cut_.insert({x, y}), cut_.insert({y, x});
    }
  } else if (kind == 1) {  // random bipartition
    std::set<NodeId> side;
    for (NodeId id : ids) {
      if (rng_.Chance(1, 2)) side.insert(id);
    }
    for (NodeId a : ids)
      for (NodeId b : ids)
        if (side.count(a) != side.count(b)) cut_.insert({a, b});
  } else {  // one-way cuts
    int k = 1 + rng_.Uniform(3);
    for (int i = 0; i < k; i++) {
      NodeId a = ids[rng_.Uniform(ids.size())], b = ids[rng_.Uniform(ids.size())];
      if (a != b) cut_.insert({a, b});
    }
  }
  Trace(12, kind, cut_.size(), 0);
}

}  // namespace redraft::raft::sim
