// The simulation's world, internal to tests/raft/sim (the public entry point is RunSimulation in
// sim_cluster.h, whose header comment describes what is simulated).
//
// One Simulation object owns everything of one seeded run: the nodes (SimNode), the network, the
// clients, the history, the safety checker and the trace hash. Its methods are implemented by
// responsibility, one file each:
//   sim_cluster.cc     the run: setup from the seed, the random step, per-step checks, the final
//                      convergence, trace hash and failure reporting; RunSimulation
//   sim_node.cc        the node driver: start/crash/restart, Ready handling in the server's order
//                      (raft/ready_order.h) with its crash points, persist-before-send checks at
//                      send time, compaction of a node's durable log
//   sim_network.cc     message delivery (loss, duplication, cuts) and partitions
//   sim_workload.cc    the clients: puts with (client, seq) retries, ReadIndex gets, timeouts
//   sim_membership.cc  membership changes and leadership transfer, disk loss ("wipe") and the
//                      administrator that replaces a wiped node (remove old id, add learner, promote)
//   sim_scenarios.cc   the targeted adversarial schedules (Figure 8, the disk-loss trap)
// Everything draws from rng_ in program order, so moving code between these files must never
// reorder a draw: raft_sim --hashes fingerprints every seed's run.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "raft/raft.h"
#include "sim/sim_checker.h"
#include "sim/sim_cluster.h"
#include "sim/sim_history.h"
#include "sim/sim_kv.h"

namespace redraft::raft::sim {

inline constexpr uint64_t kClientTimeout = 400;  // steps
inline constexpr size_t kMaxInFlight = 4000;
inline constexpr int kNumClients = 4;
inline constexpr int kNumKeys = 3;
inline constexpr int kMaxReadiesInARow = 1000;
inline constexpr uint64_t kMaxConvergeDeliveries = 2'000'000;  // messages, over the whole final convergence

struct SimNode {
  NodeId id = kNoNode;
  std::unique_ptr<Raft> raft;
  bool up = true;
  // A replacement for a wiped node, started empty. It is given the group's bootstrap configuration
  // (the one the log starts from) unless SimOptions::joiner_empty_conf.
  bool joiner = false;
  // Durable storage: what Ready handling persisted ("synced").
  HardState hs;
  Snapshot snap;
  std::vector<Entry> log;  // entries after snap.meta.index
  // Volatile: the state machine (rebuilt from the snapshot on restart) and waiting clients.
  KvStateMachine sm;
  std::map<std::pair<uint64_t, uint64_t>, int> write_waits;  // (client id, seq) -> client
  struct ReadWait {
    int client;
    Index index = 0;
    bool ready = false;
  };
  std::map<std::string, ReadWait> read_waits;  // ReadIndex context -> waiter
  // Async mode: Readies handed out by GetReady and not yet synced, oldest first (pipelined: up
  // to the run's pipeline depth at once, synced and completed in order).
  struct PendingReady {
    Ready rd;
    Term prev_term = 0;  // term of the entry before rd.entries (for the Log Matching check)
    size_t applied_early = 0;  // rd.committed_entries applied in StartReady (ready_order.h)
  };
  std::deque<PendingReady> pending;
};

struct Client {
  uint64_t id = 0;
  uint64_t seq = 0;
  bool busy = false;
  bool is_write = false;
  size_t op = 0;
  NodeId node = kNoNode;
  uint64_t deadline = 0;
  std::string key, value, ctx;
};

class Simulation {
 public:
  explicit Simulation(const SimOptions& o);  // sim_cluster.cc
  SimResult Run();                           // sim_cluster.cc

 private:
  // ---- The run (sim_cluster.cc) -----------------------------------------------------------
  void RandomEvent();
  void CheckStep();
  void Converge();
  std::string DescribeNodes();
  void Fail(const std::string& msg);
  void Trace(uint64_t a, uint64_t b, uint64_t c, uint64_t d);
  SimNode* Leader();        // the up leader of the highest term, or nullptr
  SimNode* RandomUpNode();  // nullptr if every node is down

  // ---- Nodes (sim_node.cc) ----------------------------------------------------------------
  void WriteBootstrap(SimNode& n, int voters);  // the server's bootstrap entries, as if synced
  void StartNode(SimNode& n);
  void Crash(SimNode& n);
  void Restart(SimNode& n);  // StartNode if it is down
  void HandleReady(SimNode& n);
  void StartReady(SimNode& n);
  void FinishReady(SimNode& n);
  // Applies committed entries in order and completes the writes they answer.
  void ApplyEntries(SimNode& n, const Entry* begin, const Entry* end);
  void Send(const SimNode& n, Message&& m);
  bool ReadyCrash();
  bool NeedsReady(SimNode& n);
  bool DrainReadies(SimNode& n);
  void CompactEvent();

  // ---- Network (sim_network.cc) -----------------------------------------------------------
  void DeliverOne(size_t i, bool lossy);
  void Deliver(Message&& m, bool drop);
  void Partition();

  // ---- Workload (sim_workload.cc) ---------------------------------------------------------
  void SubmitWrite(Client& c, SimNode& n);
  void ClientEvent();
  void ClientTimeouts();

  // ---- Membership, transfer, disk loss (sim_membership.cc) --------------------------------
  void MembershipEvent();
  void TransferEvent();
  void Wipe(NodeId id);
  bool MayWipe();
  void WipeEvent();
  void AdminEvent();

  // ---- Targeted scenarios (sim_scenarios.cc) ----------------------------------------------
  using Filter = std::function<bool(const Message&)>;
  void Settle(const Filter& pass, const std::set<NodeId>& frozen, int rounds, int tick_every = 0);
  SimNode* Calm();
  bool Elect(NodeId z, const std::set<NodeId>& frozen);
  bool ScenarioWrite(SimNode& n);
  std::vector<NodeId> VotersOf(const SimNode& n) const;
  void Figure8();
  void Figure8Script();
  void WipeTrap();
  void WipeTrapScript();

  // A membership change the administrator still has to drive through the leader.
  struct AdminOp {
    ConfChangeType type;
    NodeId id;
  };

  SimOptions opts_;
  Rng rng_;
  uint64_t ready_crash_permille_ = 0, wipe_permille_ = 0;
  size_t min_voters_ = 2;
  Scenario scenario_ = Scenario::kNone;
  uint64_t scenario_step_ = 0;
  bool calm_ = false;  // no crashes inside Ready handling (scenarios, final convergence)
  NodeId next_id_ = 1;
  std::deque<AdminOp> admin_;
  bool pre_vote_ = true, check_quorum_ = true, async_ready_ = false;
  size_t pipeline_depth_ = 1;  // async mode: Readies in flight at once (raft.h Advance)
  size_t max_size_ = 256, max_inflight_ = 4;
  uint64_t loss_pct_ = 5, dup_pct_ = 3, crash_permille_ = 2, partition_permille_ = 5;
  ConfState conf_;
  std::map<NodeId, SimNode> nodes_;
  std::vector<Message> net_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  std::vector<Client> clients_;
  History history_;
  SafetyChecker checker_;
  Index global_applied_ = 0;
  std::set<Term> seen_leader_terms_;
  uint64_t now_ = 0;
  uint64_t hash_ = 1469598103934665603ULL;
  SimResult res_;
};

}  // namespace redraft::raft::sim
