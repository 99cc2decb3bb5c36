// Deterministic simulation of a Raft group (docs/testing.md, layer 3).
//
// Everything — fault schedule, message order, client workload, election timeouts — derives
// from one seed through Rng; all containers are ordered, so one seed always replays the same
// run (the trace hash proves it). The world:
//   - N nodes (3 or 5), each a Raft core + a simulated durable storage + a KV state machine;
//     the group is born as the server's is: its configuration is the committed entries 1..N of
//     every initial node's log (SimOptions::boot_with_initial_conf: the older Config::initial_conf);
//   - a network holding in-flight messages, delivered in random order (reordering, delay),
//     with loss, duplication, symmetric and one-way partitions;
//   - crashes: a node loses its Raft object, its state machine and every Ready it had not yet
//     handled. A Ready is handled atomically: persist (the "sync") -> send -> apply -> Advance,
//     so what a crash drops is exactly the unsynced state; restart rebuilds from storage;
//   - the Ready handling is the server's: raft/ready_order.h decides which messages leave before
//     the persist step (a leader's appends, heartbeats, snapshots) and which wait for it; crashes
//     may hit between the early sends and the persist, and between the persist and the rest;
//   - snapshots/compaction at random nodes, membership changes (remove a voter, even the
//     leader; add it back as learner; promote it), leadership transfers;
//   - disk loss ("wipe"): a node loses its whole durable state. As the server does, it comes
//     back under a NEW id and the harness, through the leader, removes the old id, adds the new
//     one as a learner and promotes it once it has caught up (SimOptions::wipe_keeps_id is the
//     mutation that brings it back under its old id instead, which the checker must catch);
//   - targeted adversarial schedules, one per seed at most (see Scenario): Figure 8 (an old-term
//     entry replicated to a majority by a later leader that crashes before its own entry
//     commits) and the disk-loss trap (pause F2, commit on L+F1, wipe F1, kill L, resume F2);
//   - clients doing puts (through the log, with (client, seq) de-dup and retries) and
//     linearizable gets (ReadIndex, at leaders and followers).
// After every step: Election Safety, Log Matching, Leader Completeness, State Machine Safety and
// membership safety (sim_checker.h). At the end: heal and restart everything, require convergence
// within a bound (liveness; a run that does not converge fails with its seed, it never hangs) and
// check the client history is linearizable (sim_history.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace redraft::raft::sim {

enum class Scenario : int {
  kRandom = -1,   // chosen by the seed (most seeds: none)
  kNone = 0,
  kFigure8 = 1,   // Raft paper Figure 8, aimed at "commit an old-term entry by counting replicas"
  kWipeTrap = 2,  // pause F2, commit on L+F1, wipe F1 and restart it, kill L, resume F2
};

struct SimOptions {
  uint64_t seed = 1;
  int nodes = 3;
  int steps = 5000;
  bool verbose = false;  // print the trace
  Scenario scenario = Scenario::kRandom;
  // MUTATION, for measuring the checker only: a wiped node comes back under its OLD id with
  // empty state (what the server must never do). Runs with it set are expected to fail.
  bool wipe_keeps_id = false;
  // BUG reproduction, meaningful only with boot_with_initial_conf: a replacement node joins with
  // no configuration at all, as the server's cluster-join did at 05cc697, when the bootstrap
  // configuration was Config::initial_conf and not in the log. If the leader has not compacted,
  // the joiner replays the log from index 1 without the bootstrap configuration, believes (once
  // promoted) that it is the only voter, and elects itself. Off: the joiner is given the
  // configuration the log starts from. With the bootstrap in the log (the default) a joiner
  // always starts empty, as the server's does, and finds the configuration in entries 1..N.
  bool joiner_empty_conf = false;
  // How the group is born. Default, as the server does (cluster/formation.cc BootstrapEntries):
  // every initial node's durable log already holds one committed kConfChange AddNode per voter
  // at indexes 1..N, term 1, hard state {term 1, no vote, commit N}, and Config::initial_conf is
  // empty; a joiner starts with no configuration at all (so joiner_empty_conf changes nothing).
  // Set: the older way, an empty log and Config::initial_conf = every voter, for every node
  // (replacements included unless joiner_empty_conf). Runs of this mode replay the simulation
  // as it was before the default changed, hash for hash.
  bool boot_with_initial_conf = false;
  // Final convergence: at most this many rounds of healed, loss-free running (and at most
  // kMaxConvergeDeliveries messages) before the run fails as a liveness violation.
  int converge_rounds = 3000;
};

struct SimResult {
  bool ok = true;
  std::string error;        // first violation
  uint64_t trace_hash = 0;  // FNV-1a over every event: equal seeds => equal hashes
  // Statistics, to see that the run exercised something.
  uint64_t committed = 0, ops_completed = 0, reads_completed = 0, elections = 0, snapshots_sent = 0,
           conf_changes = 0, crashes = 0, max_term = 0, wipes = 0, ready_crashes = 0;
  // Targeted scenarios: started, and reached the point where a bug would show.
  uint64_t scenarios_started = 0, scenarios_completed = 0;
};

SimResult RunSimulation(const SimOptions& opts);

}  // namespace redraft::raft::sim
