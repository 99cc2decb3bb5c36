// Deterministic simulation of a Raft group (docs/testing.md, layer 3).
//
// Everything — fault schedule, message order, client workload, election timeouts — derives
// from one seed through Rng; all containers are ordered, so one seed always replays the same
// run (the trace hash proves it). The world:
//   - N nodes (3 or 5), each a Raft core + a simulated durable storage + a KV state machine;
//   - a network holding in-flight messages, delivered in random order (reordering, delay),
//     with loss, duplication, symmetric and one-way partitions;
//   - crashes: a node loses its Raft object, its state machine and every Ready it had not yet
//     handled. A Ready is handled atomically: persist (the "sync") -> send -> apply -> Advance,
//     so what a crash drops is exactly the unsynced state; restart rebuilds from storage;
//   - snapshots/compaction at random nodes, membership changes (remove a voter, even the
//     leader; add it back as learner; promote it), leadership transfers;
//   - clients doing puts (through the log, with (client, seq) de-dup and retries) and
//     linearizable gets (ReadIndex, at leaders and followers).
// After every step: Election Safety, Log Matching, Leader Completeness and State Machine Safety
// (see sim_cluster.cc). At the end: heal and restart everything, require convergence (liveness)
// and check the client history is linearizable (sim_history.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace redraft::raft::sim {

struct SimOptions {
  uint64_t seed = 1;
  int nodes = 3;
  int steps = 5000;
  bool verbose = false;  // print the trace
};

struct SimResult {
  bool ok = true;
  std::string error;        // first violation
  uint64_t trace_hash = 0;  // FNV-1a over every event: equal seeds => equal hashes
  // Statistics, to see that the run exercised something.
  uint64_t committed = 0, ops_completed = 0, reads_completed = 0, elections = 0, snapshots_sent = 0,
           conf_changes = 0, crashes = 0, max_term = 0;
};

SimResult RunSimulation(const SimOptions& opts);

}  // namespace redraft::raft::sim
