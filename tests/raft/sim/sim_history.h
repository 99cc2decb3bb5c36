// Client history of the simulation and its linearizability check.
//
// Model: independent registers (one per key); every write writes a value unique in the whole
// run; a read returns the key's value or "absent". Each operation has an invocation time and a
// completion time (simulation steps); an operation whose outcome the client never learned
// (timeout, crashed node) is "pending": completion = infinity, and it may or may not have taken
// effect.
//
// What Check() verifies, exactly: the history is linearizable with the writes of each key in
// the order the replicated state machine actually applied them (log order; only writes that
// executed, i.e. not de-duplicated retries) and each read placed right after the write whose
// value it returned (reads of the same write ordered by invocation). That total order is legal
// for a register by construction, so the history is linearizable iff the order never contradicts
// real time: no operation completes before the invocation of an operation ordered before it.
// This is checked in O(n) per key with a running maximum of invocation times. In addition:
//   - every read returns "absent" or a value some write of that key wrote and that was applied;
//   - every completed write was applied exactly once (de-duplication: at most once).
// Fixing the write order to the log order makes the check slightly stronger than
// linearizability (a different write order could in theory also explain a history), which
// never produces false alarms for a correct Raft: a write that completes is applied before it
// completes, so log order always agrees with real time for non-overlapping writes.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace redraft::raft::sim {

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

struct Op {
  bool is_write = false;
  std::string key;
  std::optional<std::string> value;  // write: the value written; read: the value returned
  uint64_t invoke = 0;
  uint64_t complete = kNever;  // kNever: pending (outcome unknown)
};

class History {
 public:
  // Returns the op id.
  size_t Invoke(bool is_write, std::string key, std::optional<std::string> value, uint64_t now);
  void Complete(size_t op, uint64_t now, std::optional<std::string> read_value = std::nullopt);
  // A definite failure (e.g. the node was not the leader): the op never took effect.
  void Fail(size_t op) { failed_[op] = true; }
  // The state machine applied a write for the first time (log order); `executed` false for a
  // de-duplicated retry.
  void Applied(const std::string& key, const std::string& value, bool executed);

  // Returns "" if linearizable, else a description of the violation.
  std::string Check() const;

  size_t size() const { return ops_.size(); }
  size_t completed() const;

 private:
  std::vector<Op> ops_;
  std::map<size_t, bool> failed_;
  std::map<std::string, std::vector<std::string>> write_order_;  // key -> values in log order
  std::map<std::string, int> apply_count_;                        // value -> executions
};

}  // namespace redraft::raft::sim
