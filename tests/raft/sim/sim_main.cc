// raft_sim: runs the deterministic Raft simulation from the command line.
//   raft_sim --seeds N [--first S] [--nodes 3|5|0] [--steps K]   many seeds (nodes 0: alternate 3 and 5)
//   raft_sim --seed S --nodes N [--steps K] [--verbose]          replay one seed (prints its trace)
//   --scenario none|figure8|wipetrap   force one targeted scenario in every seed (default: per seed)
//   --wipe-keeps-id                    MUTATION: wiped nodes return under their old id (must fail)
//   --joiner-empty-conf                BUG reproduction: replacements join with no configuration
//                                      (as cluster-join did at 05cc697); see SimOptions
//   --initial-conf                     boot through Config::initial_conf with an empty log (the
//                                      simulation before it booted from the log as the server
//                                      does; replays those runs hash for hash)
//   --stop-on-failure                  stop at the first failing seed
//   --hashes                           print every seed's trace hash ("seed S nodes N hash=H ok"):
//                                      a fingerprint, to show a refactoring changed no run
// Exit status 0 iff every seed passed. A failing seed prints "replay: raft_sim --seed S --nodes N".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "sim/sim_cluster.h"

using redraft::raft::sim::RunSimulation;
using redraft::raft::sim::SimOptions;
using redraft::raft::sim::SimResult;

int main(int argc, char** argv) {
  uint64_t first = 1, count = 100;
  int nodes = 0, steps = 5000;
  bool verbose = false, single = false, wipe_keeps_id = false, joiner_empty_conf = false, initial_conf = false, stop_on_failure = false, hashes = false;
  redraft::raft::sim::Scenario scenario = redraft::raft::sim::Scenario::kRandom;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seeds") {
      count = std::strtoull(next(), nullptr, 10);
    } else if (a == "--first") {
      first = std::strtoull(next(), nullptr, 10);
    } else if (a == "--seed") {
      first = std::strtoull(next(), nullptr, 10);
      count = 1;
      single = true;
    } else if (a == "--nodes") {
      nodes = std::atoi(next());
    } else if (a == "--steps") {
      steps = std::atoi(next());
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "--wipe-keeps-id") {
      wipe_keeps_id = true;
    } else if (a == "--joiner-empty-conf") {
      joiner_empty_conf = true;
    } else if (a == "--initial-conf") {
      initial_conf = true;
    } else if (a == "--stop-on-failure") {
      stop_on_failure = true;
    } else if (a == "--hashes") {
      hashes = true;
    } else if (a == "--scenario") {
      std::string v = next();
      using redraft::raft::sim::Scenario;
      scenario = v == "none" ? Scenario::kNone : v == "figure8" ? Scenario::kFigure8 : v == "wipetrap" ? Scenario::kWipeTrap : Scenario::kRandom;
    } else {
      std::fprintf(stderr, "usage: raft_sim [--seeds N] [--first S] [--seed S] [--nodes 3|5] [--steps K] [--verbose] [--scenario none|figure8|wipetrap] [--wipe-keeps-id] [--joiner-empty-conf] [--initial-conf] [--stop-on-failure] [--hashes]\n");
      return 2;
    }
  }
  if (single && nodes == 0) nodes = 3;
  auto start = std::chrono::steady_clock::now();
  uint64_t failures = 0, committed = 0, ops = 0, reads = 0, snaps = 0, confs = 0, crashes = 0, elections = 0;
  uint64_t wipes = 0, ready_crashes = 0, sc_started = 0, sc_completed = 0;
  for (uint64_t s = first; s < first + count; s++) {
    SimOptions o;
    o.seed = s;
    o.nodes = nodes != 0 ? nodes : (s % 2 ? 3 : 5);
    o.steps = steps;
    o.verbose = verbose;
    o.scenario = scenario;
    o.wipe_keeps_id = wipe_keeps_id;
    o.joiner_empty_conf = joiner_empty_conf;
    o.boot_with_initial_conf = initial_conf;
    SimResult r = RunSimulation(o);
    wipes += r.wipes;
    ready_crashes += r.ready_crashes;
    sc_started += r.scenarios_started;
    sc_completed += r.scenarios_completed;
    committed += r.committed;
    ops += r.ops_completed;
    reads += r.reads_completed;
    snaps += r.snapshots_sent;
    confs += r.conf_changes;
    crashes += r.crashes;
    elections += r.elections;
    if (single) {
      std::printf("seed %llu nodes %d: %s hash=%016llx committed=%llu ops=%llu reads=%llu elections=%llu "
                  "snapshots=%llu confchanges=%llu crashes=%llu max_term=%llu\n",
                  (unsigned long long)s, o.nodes, r.ok ? "ok" : "FAIL", (unsigned long long)r.trace_hash,
                  (unsigned long long)r.committed, (unsigned long long)r.ops_completed,
                  (unsigned long long)r.reads_completed, (unsigned long long)r.elections,
                  (unsigned long long)r.snapshots_sent, (unsigned long long)r.conf_changes,
                  (unsigned long long)r.crashes, (unsigned long long)r.max_term);
    }
    if (hashes && !single) {
      std::printf("seed %llu nodes %d hash=%016llx %s\n", (unsigned long long)s, o.nodes,
                  (unsigned long long)r.trace_hash, r.ok ? "ok" : "FAIL");
    }
    if (!r.ok) {
      failures++;
      std::printf("seed %llu nodes %d FAILED: %s\nreplay: raft_sim --seed %llu --nodes %d --steps %d\n",
                  (unsigned long long)s, o.nodes, r.error.c_str(), (unsigned long long)s, o.nodes, steps);
      std::fflush(stdout);
      if (stop_on_failure) {
        count = s - first + 1;
        break;
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%llu seeds [%llu, %llu), %llu failed, %.1fs; totals: committed=%llu ops=%llu reads=%llu "
              "elections=%llu snapshots=%llu confchanges=%llu crashes=%llu wipes=%llu ready_crashes=%llu "
              "scenarios=%llu/%llu\n",
              (unsigned long long)count, (unsigned long long)first, (unsigned long long)(first + count),
              (unsigned long long)failures, secs, (unsigned long long)committed, (unsigned long long)ops,
              (unsigned long long)reads, (unsigned long long)elections, (unsigned long long)snaps,
              (unsigned long long)confs, (unsigned long long)crashes, (unsigned long long)wipes,
              (unsigned long long)ready_crashes, (unsigned long long)sc_completed, (unsigned long long)sc_started);
  return failures == 0 ? 0 : 1;
}
