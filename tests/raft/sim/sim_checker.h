// Raft's safety properties (Figure 3 of the paper), checked by the simulation after every step
// and at every persist/apply. The checker sees the cores only through their public accessors
// and through what the Ready loop persists and applies. The first violation is kept in error().
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "raft/raft.h"

namespace redraft::raft::sim {

class SafetyChecker {
 public:
  // Log Matching, checked on every entry a node persists: if two logs hold an entry with the
  // same index and term, the entries are identical AND so is the preceding entry's term — by
  // induction, the logs are identical up to that index. `prev_term` is the term of the entry
  // just before entries[0] in the node's log.
  void OnPersist(NodeId node, Term prev_term, const std::vector<Entry>& entries);
  // Persisted HardState: the term never decreases and the vote never changes within a term.
  void OnHardState(NodeId node, const HardState& before, const HardState& after);
  // State Machine Safety: no two nodes apply different entries at the same index.
  void OnApply(NodeId node, const Entry& e);
  // A snapshot (taken or installed) must agree with what was applied at its index, and two
  // snapshots of the same index must hold identical data (deterministic state machine).
  void OnSnapshot(NodeId node, const SnapshotMeta& meta, const std::string& data);
  // After every step, with the live cores:
  //   Election Safety: at most one leader per term (ever);
  //   Leader Completeness: a leader of term T holds every entry committed in terms < T;
  //   and per node: applied <= commit <= last index.
  //   Membership safety (per live node, configurations recomputed here from the node's own
  //   snapshot and committed log, never taken from the core):
  //     - the node's conf() equals the configuration its snapshot + committed log entries up to
  //       its commit index produce (the group's bootstrap configuration if it has no snapshot);
  //     - committed configurations, across all nodes, form one chain: the same index always
  //       yields the same configuration, and consecutive ones differ by at most one voter;
  //     - a leader is a voter of its configuration and tracks exactly its members (no Progress
  //       for a non-member, learners marked as such), so it counts no voter it should not.
  //     - one change at a time, and not before the term's no-op: the uncommitted part of a
  //       leader's log holds at most one kConfChange, and one of the leader's own term only once
  //       the first entry of its term (the no-op) is committed.
  void AfterStep(const std::vector<const Raft*>& live);
  // The configuration every node's log starts from (Config::initial_conf): empty when the log
  // itself begins with the bootstrap configuration entries (as the server's does).
  void SetBootstrapConf(const ConfState& conf) { committed_confs_[0] = conf; }
  // The node restarted (a new core): forget what was derived from the old one.
  void OnRestart(NodeId node) { conf_scans_.erase(node); }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  Index max_applied() const { return applied_.empty() ? 0 : applied_.rbegin()->first; }

 private:
  void CheckMembership(const Raft& r);
  void RecordCommittedConf(NodeId node, Index index, const ConfState& conf);
  void Fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
  }
  struct PairHash {
    size_t operator()(const std::pair<Index, Term>& p) const { return p.first * 1000003u ^ p.second; }
  };
  struct Seen {
    uint64_t hash;
    Term prev_term;
  };
  std::unordered_map<std::pair<Index, Term>, Seen, PairHash> entries_;  // lookups only: deterministic
  std::map<Index, std::pair<Term, uint64_t>> applied_;                   // index -> (term, hash)
  std::map<Index, uint64_t> snapshots_;                                  // index -> data hash
  std::map<Term, NodeId> leaders_;
  std::map<Term, std::pair<Index, Term>> commits_;  // term -> highest (index, entry term) its leader committed
  struct ConfScan {
    bool valid = false;
    Index snapshot_index = 0;  // the snapshot the derivation started from
    Index scanned = 0;         // committed entries up to here are folded into conf
    ConfState conf;
    Term peers_checked_term = 0;  // the leader's progress map was checked at (term, commit)
    Index peers_checked_commit = 0;
  };
  std::map<NodeId, ConfScan> conf_scans_;
  std::map<Index, ConfState> committed_confs_;  // index of a committed conf change -> result
  std::string error_;
};

uint64_t HashEntry(const Entry& e);
uint64_t Fnv(const void* data, size_t n, uint64_t h = 1469598103934665603ULL);

}  // namespace redraft::raft::sim
