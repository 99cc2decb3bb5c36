// A tiny in-process cluster for interaction tests (etcd-io/raft raft_test.go's `network`):
// every node is a Raft core plus a fake durable storage and a list of applied entries; messages
// are queued and delivered in FIFO order by Stabilize(), subject to cut links and drop filters.
// Everything is deterministic: no threads, no clocks, ordered containers.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "raft/raft.h"

namespace redraft::raft::test {

struct TestNode {
  std::unique_ptr<Raft> raft;
  bool up = true;
  // "Durable" state: what the Ready loop persisted.
  HardState hs;
  Snapshot snap;
  std::vector<Entry> entries;  // after snap.meta.index
  // State machine: applied normal entries' data in order (from index 1 or from the snapshot).
  std::vector<std::string> applied;
  Index sm_applied = 0;
  std::vector<ReadState> reads;
};

class Network {
 public:
  using ConfigFn = std::function<void(Config*)>;

  // Nodes 1..n, all voters (plus learners if given), configured by `tweak`.
  explicit Network(int n, ConfigFn tweak = nullptr, std::vector<NodeId> learners = {}) : tweak_(tweak) {
    for (int i = 1; i <= n; i++) conf_.voters.push_back(i);
    conf_.learners = learners;
    for (int i = 1; i <= n; i++) AddNode(i);
    for (NodeId l : learners) AddNode(l);
  }

  // Creates (or re-creates after Crash) node id from its durable state.
  void AddNode(NodeId id) {
    TestNode& n = nodes_[id];
    Config c;
    c.id = id;
    c.group = 7;
    c.initial_conf = conf_;
    c.seed = 1000 + id;
    c.max_size_per_msg = 1 << 16;
    if (tweak_) tweak_(&c);
    RestoredState r;
    r.hard_state = n.hs;
    r.snapshot = n.snap;
    r.entries = n.entries;
    r.applied = n.sm_applied;
    n.raft = std::make_unique<Raft>(c, r);
    n.up = true;
  }

  Raft& raft(NodeId id) { return *nodes_.at(id).raft; }
  TestNode& node(NodeId id) { return nodes_.at(id); }
  std::vector<NodeId> ids() const {
    std::vector<NodeId> out;
    for (auto& [id, n] : nodes_) out.push_back(id);
    return out;
  }

  // Handles one Ready of node id: persist, queue messages, apply, Advance.
  void HandleReady(NodeId id) {
    TestNode& n = nodes_.at(id);
    Ready rd = n.raft->GetReady();
    if (rd.hard_state) n.hs = *rd.hard_state;
    if (rd.snapshot) {
      n.snap = *rd.snapshot;
      n.entries.clear();
    }
    if (!rd.entries.empty()) {
      Index first = rd.entries.front().index;
      while (!n.entries.empty() && n.entries.back().index >= first) n.entries.pop_back();
      for (const Entry& e : rd.entries) n.entries.push_back(e);
    }
    for (Message& m : rd.messages) queue_.push_back(std::move(m));
    if (rd.snapshot) {
      n.sm_applied = rd.snapshot->meta.index;
      n.applied.assign(1, "snapshot@" + std::to_string(n.sm_applied));
    }
    for (const Entry& e : rd.committed_entries) {
      EXPECT_EQ(e.index, n.sm_applied + 1);
      n.sm_applied = e.index;
      if (e.type == EntryType::kNormal && !e.data.empty()) n.applied.push_back(e.data);
    }
    for (ReadState& rs : rd.read_states) n.reads.push_back(rs);
    n.raft->Advance(rd);
  }

  // Runs Ready handling and message delivery until nothing is left to do.
  void Stabilize(int max_rounds = 10000) {
    for (int round = 0; round < max_rounds; round++) {
      bool busy = false;
      for (auto& [id, n] : nodes_) {
        while (n.up && n.raft->HasReady()) {
          HandleReady(id);
          busy = true;
        }
      }
      std::deque<Message> q;
      q.swap(queue_);
      for (Message& m : q) {
        busy = true;
        Deliver(std::move(m));
      }
      if (!busy) return;
    }
    ADD_FAILURE() << "network did not stabilize";
  }

  void Deliver(Message m) {
    if (Blocked(m)) return;
    auto it = nodes_.find(m.to);
    if (it == nodes_.end() || !it->second.up) return;
    delivered_.push_back(DescribeMessage(m));
    if (m.type == MessageType::kSnapshot) {
      auto from = nodes_.find(m.from);
      if (from != nodes_.end() && from->second.up) from->second.raft->ReportSnapshot(m.to, true);
    }
    (void)it->second.raft->Step(std::move(m));
  }

  bool Blocked(const Message& m) const {
    if (cut_.count({m.from, m.to})) return true;
    for (const auto& f : filters_) {
      if (f(m)) return true;
    }
    return false;
  }

  // Collects (and removes) queued messages instead of delivering them.
  std::vector<Message> TakeMessages() {
    for (auto& [id, n] : nodes_) {
      while (n.up && n.raft->HasReady()) HandleReady(id);
    }
    std::vector<Message> out(queue_.begin(), queue_.end());
    queue_.clear();
    return out;
  }

  void Tick(NodeId id, int n = 1) {
    for (int i = 0; i < n; i++) nodes_.at(id).raft->Tick();
  }
  // Ticks every up node n times, stabilizing after each round of ticks.
  void TickAll(int n) {
    for (int i = 0; i < n; i++) {
      for (auto& [id, node] : nodes_) {
        if (node.up) node.raft->Tick();
      }
      Stabilize();
    }
  }

  void Campaign(NodeId id) {
    raft(id).Campaign();
    Stabilize();
  }

  void Cut(NodeId a, NodeId b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  void CutOneWay(NodeId from, NodeId to) { cut_.insert({from, to}); }
  void Isolate(NodeId id) {
    for (auto& [other, n] : nodes_) {
      if (other != id) Cut(id, other);
    }
  }
  void Heal() {
    cut_.clear();
    filters_.clear();
  }
  void AddFilter(std::function<bool(const Message&)> f) { filters_.push_back(std::move(f)); }

  // Crash: volatile state is lost; durable state (everything handed out in a Ready) survives.
  void Crash(NodeId id) {
    nodes_.at(id).up = false;
    std::deque<Message> keep;
    for (Message& m : queue_) {
      if (m.from != id) keep.push_back(std::move(m));
    }
    queue_.swap(keep);
  }
  void Restart(NodeId id) { AddNode(id); }

  NodeId Leader() {
    NodeId lead = kNoNode;
    for (auto& [id, n] : nodes_) {
      if (n.up && n.raft->role() == Role::kLeader) {
        if (lead == kNoNode || n.raft->term() > raft(lead).term()) lead = id;
      }
    }
    return lead;
  }

  std::vector<std::string>& delivered() { return delivered_; }
  const ConfState& initial_conf() const { return conf_; }

 private:
  ConfigFn tweak_;
  ConfState conf_;
  std::map<NodeId, TestNode> nodes_;
  std::deque<Message> queue_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  std::vector<std::function<bool(const Message&)>> filters_;
  std::vector<std::string> delivered_;
};

}  // namespace redraft::raft::test
