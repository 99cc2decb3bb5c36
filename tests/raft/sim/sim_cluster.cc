// The simulation's run (RunSimulation): the world set up from the seed (fault profile, scenario,
// nodes, clients), the random step that picks one event per step, the safety checks after every
// step, the final heal-and-converge phase with its liveness bound, the trace hash and failure
// reporting, and the replay line printed if the core aborts. The parts of the world live in
// sim_node.cc, sim_network.cc, sim_workload.cc, sim_membership.cc and sim_scenarios.cc
// (sim_simulation.h).
#include "sim/sim_cluster.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "sim/sim_simulation.h"

#include <unistd.h>

namespace redraft::raft::sim {

Simulation::Simulation(const SimOptions& o) : opts_(o), rng_(o.seed * 0x9e3779b97f4a7c15ULL + o.nodes) {
  pre_vote_ = rng_.Chance(3, 4);
  check_quorum_ = rng_.Chance(3, 4);
  max_size_ = rng_.Chance(1, 3) ? 1 : 64 + rng_.Uniform(512);  // 1: one entry per MsgApp
  max_inflight_ = 1 + rng_.Uniform(8);
  // A per-seed fault profile, so that some runs are calm and some are brutal.
  loss_pct_ = rng_.Uniform(4) == 0 ? 0 : 1 + rng_.Uniform(20);
  dup_pct_ = rng_.Uniform(6);
  crash_permille_ = 1 + rng_.Uniform(8);
  partition_permille_ = rng_.Uniform(12);
  async_ready_ = rng_.Chance(1, 2);
  ready_crash_permille_ = rng_.Chance(1, 2) ? 0 : 1 + rng_.Uniform(10);
  wipe_permille_ = rng_.Chance(1, 3) ? 1 + rng_.Uniform(3) : 0;
  uint64_t sc = rng_.Uniform(8);
  scenario_ = sc == 0 ? Scenario::kFigure8 : sc == 1 ? Scenario::kWipeTrap : Scenario::kNone;
  if (o.scenario != Scenario::kRandom) scenario_ = o.scenario;
  scenario_step_ = 100 + rng_.Uniform(std::max(1, o.steps / 2));
  // Figure 8 needs the old-term entry acknowledged without the new leader's no-op behind it.
  if (scenario_ == Scenario::kFigure8) max_size_ = 1;
  // With disk loss, a 2-voter group that loses one is stuck for good: keep 3 voters or more
  // (the replacement's removal/add/promote goes below that, one wipe at a time).
  if (wipe_permille_ > 0 || scenario_ == Scenario::kWipeTrap) min_voters_ = 3;
  else min_voters_ = o.nodes == 3 ? 2 : 3;
  next_id_ = o.nodes + 1;
  // Pipelined Readies (like the server's storage thread with several batches queued): drawn last
  // so the rest of a seed's profile is what it was before pipelining existed.
  pipeline_depth_ = async_ready_ && rng_.Chance(2, 3) ? 2 + rng_.Uniform(4) : 1;
  // conf_: the configuration the log starts from. Empty when the log itself holds the bootstrap
  // configuration (the default, as the server): the checker then derives it from entries 1..N.
  if (o.boot_with_initial_conf) {
    for (int i = 1; i <= o.nodes; i++) conf_.voters.push_back(i);
  }
  checker_.SetBootstrapConf(conf_);
  for (int i = 1; i <= o.nodes; i++) {
    nodes_[i].id = i;
    if (!o.boot_with_initial_conf) WriteBootstrap(nodes_[i], o.nodes);
    StartNode(nodes_[i]);
  }
  for (int i = 0; i < kNumClients; i++) clients_.push_back(Client{static_cast<uint64_t>(i + 1), 0, false, false, 0, kNoNode, 0, "", "", ""});
}

SimResult Simulation::Run() {
  Trace(0, 0, 0, 0);
  for (now_ = 1; now_ <= static_cast<uint64_t>(opts_.steps) && checker_.ok() && res_.error.empty(); now_++) {
    if (now_ == scenario_step_ && scenario_ == Scenario::kFigure8) Figure8();
    if (now_ == scenario_step_ && scenario_ == Scenario::kWipeTrap) WipeTrap();
    RandomEvent();
    CheckStep();
  }
  if (checker_.ok() && res_.error.empty()) Converge();
  if (checker_.ok() && res_.error.empty()) {
    std::string err = history_.Check();
    if (!err.empty()) Fail("linearizability: " + err);
  }
  res_.ok = checker_.ok() && res_.error.empty();
  if (!checker_.ok() && res_.error.empty()) res_.error = checker_.error();
  res_.trace_hash = hash_;
  res_.committed = checker_.max_applied();
  res_.ops_completed = history_.completed();
  return res_;
}

void Simulation::RandomEvent() {
  if (wipe_permille_ > 0 && rng_.Chance(wipe_permille_, 1000)) WipeEvent();
  AdminEvent();
  uint64_t r = rng_.Uniform(1000);
  if (r < 450) {
    int k = 1 + rng_.Uniform(4);
    for (int i = 0; i < k && !net_.empty(); i++) DeliverOne(rng_.Uniform(net_.size()), true);
  } else if (r < 600) {
    std::vector<SimNode*> ready;
    for (auto& [id, n] : nodes_) {
      if (NeedsReady(n)) ready.push_back(&n);
    }
    if (!ready.empty()) HandleReady(*ready[rng_.Uniform(ready.size())]);
  } else if (r < 700) {
    for (auto& [id, n] : nodes_) {
      if (n.up && rng_.Chance(19, 20)) n.raft->Tick();  // an occasional missed tick: clock skew
    }
    Trace(2, 0, 0, 0);
  } else if (r < 820) {
    ClientEvent();
  } else if (r < 820 + crash_permille_) {
    SimNode* n = rng_.Chance(1, 2) ? Leader() : nullptr;  // leaders' crashes are the interesting ones
    if (!n) n = RandomUpNode();
    if (n) Crash(*n);
  } else if (r < 835) {
    for (auto& [id, n] : nodes_) {
      if (!n.up) {
        StartNode(n);
        Trace(13, id, 0, 0);
        break;
      }
    }
  } else if (r < 835 + partition_permille_) {
    Partition();
  } else if (r < 838 + partition_permille_) {  // partitions last a few election timeouts
    cut_.clear();
    Trace(14, 0, 0, 0);
  } else if (r < 850) {
    // idle
  } else if (r < 870) {
    CompactEvent();
  } else if (r < 876) {
    MembershipEvent();
  } else if (r < 879) {
    TransferEvent();
  } else {
    for (auto& [id, n] : nodes_) {
      DrainReadies(n);
    }
  }
  ClientTimeouts();
  if (net_.size() > kMaxInFlight) DeliverOne(0, /*lossy=*/true);  // an overloaded link drops
}

void Simulation::CheckStep() {
  std::vector<const Raft*> live;
  for (auto& [id, n] : nodes_) {
    if (n.up) {
      live.push_back(n.raft.get());
      res_.max_term = std::max(res_.max_term, n.raft->term());
      if (n.raft->role() == Role::kLeader && seen_leader_terms_.insert(n.raft->term()).second) res_.elections++;
    }
  }
  checker_.AfterStep(live);
}

// Heal everything, restart every node, run without faults until every member has applied
// everything the leader committed (liveness), then compare the state machines.
// Bounded: at most opts_.converge_rounds rounds and kMaxConvergeDeliveries messages, so a
// broken core that never settles (or floods messages) fails with its seed instead of hanging.
void Simulation::Converge() {
  calm_ = true;
  cut_.clear();
  for (auto& [id, n] : nodes_) {
    if (!n.up) StartNode(n);
  }
  uint64_t deliveries = 0;
  auto drain_readies = [&]() {
    for (auto& [id, n] : nodes_) {
      DrainReadies(n);
    }
  };
  for (int iter = 0; iter < opts_.converge_rounds && checker_.ok(); iter++, now_++) {
    drain_readies();
    while (!net_.empty() && deliveries < kMaxConvergeDeliveries) {
      DeliverOne(0, /*lossy=*/false);
      deliveries++;
      drain_readies();
    }
    if (deliveries >= kMaxConvergeDeliveries) {
      return Fail("liveness: more than " + std::to_string(kMaxConvergeDeliveries) +
                  " messages while converging (seed " + std::to_string(opts_.seed) + "):" + DescribeNodes());
    }
    CheckStep();
    AdminEvent();
    if (iter % 3 == 0) {
      for (auto& [id, n] : nodes_) n.raft->Tick();
    }
    SimNode* l = Leader();
    if (!l || l->raft->commit_index() != l->raft->last_index() || !admin_.empty()) continue;
    const ConfState& conf = l->raft->conf();
    bool done = true;
    for (auto& [id, n] : nodes_) {
      if (!IsVoter(conf, id) && !IsLearner(conf, id)) continue;
      if (n.sm.applied() != l->raft->last_index() || NeedsReady(n)) done = false;
    }
    if (!done) continue;
    for (auto& [id, n] : nodes_) {
      if ((IsVoter(conf, id) || IsLearner(conf, id)) && n.sm.data() != l->sm.data()) {
        return Fail("state machines differ after convergence: node " + std::to_string(id));
      }
    }
    return;
  }
  if (checker_.ok()) {
    Fail("liveness: the cluster did not converge within " + std::to_string(opts_.converge_rounds) +
         " rounds after healing (seed " + std::to_string(opts_.seed) + "):" + DescribeNodes());
  }
}

std::string Simulation::DescribeNodes() {
  std::string out;
  for (auto& [id, n] : nodes_) {
    const Raft& r = *n.raft;
    out += "\n  node " + std::to_string(id) + " " + RoleName(r.role()) + " term " + std::to_string(r.term()) +
           " lead " + std::to_string(r.leader()) + " vote " + std::to_string(r.voted_for()) + " log [" +
           std::to_string(r.first_index()) + "," + std::to_string(r.last_index()) + "] lastterm " +
           std::to_string(r.TermAt(r.last_index()).value_or(0)) + " commit " + std::to_string(r.commit_index()) +
           " applied " + std::to_string(n.sm.applied()) + " voters";
    for (NodeId v : r.conf().voters) out += " " + std::to_string(v);
    out += " learners";
    for (NodeId v : r.conf().learners) out += " " + std::to_string(v);
    for (const PeerStatus& p : r.PeerStatuses()) out += "\n    peer " + std::to_string(p.id) + " " + p.progress.ToString();
  }
  return out;
}

void Simulation::Fail(const std::string& msg) {
  if (res_.error.empty()) res_.error = msg + " (step " + std::to_string(now_) + ")";
}

void Simulation::Trace(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  uint64_t v[5] = {now_, a, b, c, d};
  hash_ = Fnv(v, sizeof(v), hash_);
  if (opts_.verbose) {
    std::fprintf(stderr, "%llu ev=%llu %llu %llu %llu\n", (unsigned long long)now_, (unsigned long long)a,
                 (unsigned long long)b, (unsigned long long)c, (unsigned long long)d);
  }
}

SimNode* Simulation::Leader() {
  SimNode* best = nullptr;
  for (auto& [id, n] : nodes_) {
    if (n.up && n.raft->role() == Role::kLeader && (!best || n.raft->term() > best->raft->term())) best = &n;
  }
  return best;
}

SimNode* Simulation::RandomUpNode() {
  std::vector<SimNode*> up;
  for (auto& [id, n] : nodes_) {
    if (n.up) up.push_back(&n);
  }
  return up.empty() ? nullptr : up[rng_.Uniform(up.size())];
}

namespace {
// A broken invariant inside the core aborts (REDRAFT_CHECK); the replay line must still appear.
char g_replay[128];
void OnAbort(int) {
  ssize_t n = write(2, g_replay, std::strlen(g_replay));
  (void)n;
}
}  // namespace

SimResult RunSimulation(const SimOptions& opts) {
  static bool installed = [] { return std::signal(SIGABRT, OnAbort) != SIG_ERR; }();
  (void)installed;
  std::snprintf(g_replay, sizeof(g_replay), "replay: raft_sim --seed %llu --nodes %d --steps %d\n",
                static_cast<unsigned long long>(opts.seed), opts.nodes, opts.steps);
  Simulation sim(opts);
  return sim.Run();
}

}  // namespace redraft::raft::sim
