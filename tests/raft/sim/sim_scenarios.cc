// The targeted adversarial schedules of the simulation (one per seed at most, see Scenario):
// Figure 8 of the Raft paper and the disk-loss trap, with the scripting helpers they share
// (Settle, Calm, Elect, ScenarioWrite).
//
// Scripted stretches of adversarial scheduling. They use only what the random schedule could
// do (crashes, restarts, message loss, ticks, a node's own campaign); they just pick the
// worst moment on purpose. If the cluster does not play along (a node that should win an
// election does not), the scenario gives up and the random schedule resumes.
#include "sim/sim_simulation.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace redraft::raft::sim {

namespace {

bool IsVoteMsg(const Message& m) {
  return m.type == MessageType::kVote || m.type == MessageType::kVoteResp || m.type == MessageType::kPreVote ||
         m.type == MessageType::kPreVoteResp;
}
bool All(const Message&) { return true; }
bool None(const Message&) { return false; }

}  // namespace

// Runs the nodes not in `frozen` without random faults: handles their Readies, delivers the
// messages `pass` accepts between them, drops every other message, and ticks them every
// `tick_every` rounds (0: never; then it stops as soon as nothing happens).
void Simulation::Settle(const Filter& pass, const std::set<NodeId>& frozen, int rounds, int tick_every) {
  for (int i = 0; i < rounds && checker_.ok(); i++) {
    bool work = false;
    for (auto& [id, n] : nodes_) {
      if (frozen.count(id)) continue;
      work |= DrainReadies(n);
    }
    std::vector<Message> msgs;
    msgs.swap(net_);
    for (Message& m : msgs) {
      bool ok = pass(m) && !frozen.count(m.from) && !frozen.count(m.to);
      work |= ok;
      Deliver(std::move(m), !ok);
    }
    if (tick_every > 0 && i % tick_every == 0) {
      for (auto& [id, n] : nodes_) {
        if (n.up && !frozen.count(id)) n.raft->Tick();
      }
    }
    CheckStep();
    if (!work && tick_every == 0) break;
  }
}

// Everyone up, no cuts, a leader with everything committed (or nullptr).
SimNode* Simulation::Calm() {
  cut_.clear();
  for (auto& [id, n] : nodes_) Restart(n);
  for (int i = 0; i < 40 && checker_.ok(); i++) {
    Settle(All, {}, 30, 3);
    SimNode* l = Leader();
    if (l && l->raft->commit_index() == l->raft->last_index()) return l;
  }
  return nullptr;
}

// Node z wins an election among the nodes not in `frozen`, if it can: everyone's election
// timer runs out (messages dropped meanwhile, as a flaky network would), then z campaigns and
// only the vote traffic gets through.
// A few attempts: a first campaign may only teach z the voters' newer term (a pre-vote for a
// term the voters already voted in is refused).
bool Simulation::Elect(NodeId z, const std::set<NodeId>& frozen) {
  for (int attempt = 0; attempt < 4; attempt++) {
    for (int i = 0; i < 10; i++) Settle(None, frozen, 1, 1);  // election_tick = 10
    SimNode& n = nodes_.at(z);
    if (!n.up) return false;
    n.raft->Campaign();
    Settle(IsVoteMsg, frozen, 50);
    if (n.up && n.raft->role() == Role::kLeader) return true;
  }
  return false;
}

// A write from an idle client, proposed at node n (false if no client is idle).
bool Simulation::ScenarioWrite(SimNode& n) {
  for (Client& c : clients_) {
    if (c.busy) continue;
    c.is_write = true;
    c.key = "k" + std::to_string(rng_.Uniform(kNumKeys));
    c.seq++;
    c.value = "c" + std::to_string(c.id) + "s" + std::to_string(c.seq);
    c.op = history_.Invoke(true, c.key, c.value, now_);
    SubmitWrite(c, n);
    if (!c.busy) history_.Fail(c.op);
    return c.busy;
  }
  return false;
}

// n's voters, or nothing while a replacement is being brought in (a voter may not exist).
std::vector<NodeId> Simulation::VotersOf(const SimNode& n) const {
  std::vector<NodeId> v = n.raft->conf().voters;
  for (NodeId id : v) {
    if (!nodes_.count(id) || !admin_.empty()) return {};
  }
  return v;
}

// Raft paper Figure 8. A (term t) appends X alone and crashes; C wins term t+1 without X,
// persists its no-op alone and crashes; A comes back, wins again and replicates X -- and only X,
// not its new no-op -- to a majority, then crashes. Committing X now (it is of term t, not the
// current term) would be the bug: C comes back, wins with its newer last term and overwrites X.
void Simulation::Figure8() {
  calm_ = true;
  res_.scenarios_started++;
  Trace(40, 0, 0, 0);
  Figure8Script();
  calm_ = false;
}

void Simulation::Figure8Script() {
  SimNode* a = Calm();
  if (!a) return;
  NodeId ida = a->id;
  std::vector<NodeId> others;
  for (NodeId v : VotersOf(*a)) {
    if (v != ida) others.push_back(v);
  }
  if (others.size() < 2) return;
  NodeId idc = others[rng_.Uniform(others.size())];
  std::set<NodeId> all_but_a;
  for (auto& [id, n] : nodes_) {
    if (id != ida) all_but_a.insert(id);
  }
  // 1. X on A alone.
  if (!ScenarioWrite(*a)) return;
  Settle(None, all_but_a, 5);
  Index x = a->raft->last_index();
  Crash(*a);
  // 2. C wins without X, persists its no-op alone, crashes.
  if (!Elect(idc, {ida})) return;
  std::set<NodeId> all_but_c;
  for (auto& [id, n] : nodes_) {
    if (id != idc) all_but_c.insert(id);
  }
  Settle(None, all_but_c, 5);
  Crash(nodes_.at(idc));
  // 3. A comes back and wins (its log ends with X, of the highest term anyone live has).
  Restart(nodes_.at(ida));
  if (!Elect(ida, {idc})) return;
  // Replicate up to X (one entry per MsgApp in this profile), never A's new no-op: appends the
  // follower will reject (probes) pass, so A backs up to X; appends carrying the no-op are lost.
  auto up_to_x = [this, x](const Message& m) {
    if (m.type == MessageType::kApp) {
      if (m.entries.empty() || m.entries.back().index <= x) return true;
      auto to = nodes_.find(m.to);
      return to != nodes_.end() && to->second.up && !to->second.raft->log().MatchTerm(m.index, m.log_term);
    }
    return m.type == MessageType::kAppResp || m.type == MessageType::kHeartbeat ||
           m.type == MessageType::kHeartbeatResp;
  };
  Settle(up_to_x, {idc}, 30, 2);  // ticks: heartbeats unpause the probes the election dropped
  Crash(nodes_.at(ida));
  // 4. C comes back and wins with its newer last term.
  Restart(nodes_.at(idc));
  if (!Elect(idc, {ida})) return;
  res_.scenarios_completed++;
  Settle(All, {ida}, 20);
}

// docs/testing.md's disk-loss trap: pause F2, commit on L+F1, wipe F1 and restart it, kill L,
// resume F2. With 5 nodes: pause 2 followers (P), commit on the other 3 (L, F1, F2), wipe F1,
// kill L, resume P: P plus F1 is a majority that never saw the writes. Only the new-id policy
// keeps F1 from voting as its old self.
void Simulation::WipeTrap() {
  calm_ = true;
  res_.scenarios_started++;
  Trace(41, 0, 0, 0);
  WipeTrapScript();
  calm_ = false;
}

void Simulation::WipeTrapScript() {
  SimNode* l = Calm();
  if (!l || !MayWipe()) return;
  NodeId idl = l->id;
  std::vector<NodeId> followers;
  for (NodeId v : VotersOf(*l)) {
    if (v != idl) followers.push_back(v);
  }
  if (followers.size() < 2) return;
  for (size_t i = followers.size() - 1; i > 0; i--) std::swap(followers[i], followers[rng_.Uniform(i + 1)]);
  // Pause half the followers (rounded down): L and the others are a majority that commits;
  // once F1 is wiped and L down, the paused ones plus F1 are a majority that never saw it.
  size_t n_paused = followers.size() / 2;
  std::set<NodeId> paused(followers.begin(), followers.begin() + n_paused);
  NodeId idf1 = followers[n_paused];
  // Commit writes on L and the unpaused followers.
  int writes = 0;
  for (int i = 0; i < 3; i++) writes += ScenarioWrite(*l);
  if (writes == 0) return;
  Settle(All, paused, 40);
  if (!nodes_.at(idl).up || nodes_.at(idl).raft->role() != Role::kLeader) return;
  Wipe(idf1);
  NodeId f1 = opts_.wipe_keeps_id ? idf1 : next_id_ - 1;
  Restart(nodes_.at(f1));
  Crash(nodes_.at(idl));
  res_.scenarios_completed++;
  // Resume P; elections among P and F1 (whichever id it has now), L still down.
  Settle(All, {idl}, 300, 3);
}

}  // namespace redraft::raft::sim
