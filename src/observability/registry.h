#pragma once

// observability/: owns the node's counters and histograms and their rendering (Prometheus text,
// INFO-style figures, SLOWLOG and LATENCY's records). Must not know commands or Raft rules: the
// server and the cluster layer record what happened (a command name, a stage's duration, a
// figure) and hand over their current values through collectors when a scrape asks.
//
// Threads: everything here belongs to the event-loop thread, except what is marked Shared
// (written by the storage thread with relaxed atomics, read by the loop thread). No locks.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <algorithm>
#include <vector>

#include "observability/histogram.h"
#include "observability/latency_monitor.h"
#include "observability/slowlog.h"

namespace redraft::observability {

class PromWriter;

// A request's stages (docs/observability.md). A write: parsed -> proposed -> durable on the leader
// -> committed by a quorum -> applied -> reply queued for the socket. A read: barrier wait -> read
// (which queues its reply). Replies queued in a loop iteration are written at its end.
enum class Stage : uint8_t {
  kWritePropose,       // parsed -> handed to the log (prepare, ACL, encode)
  kWriteLeaderDurable, // a Ready handed to the storage thread -> fsynced (per Ready, leader)
  kWriteQuorumCommit,  // durable on the leader -> committed (per Ready, leader)
  kWriteApply,         // committed -> applied (per applied batch)
  kWriteReply,         // applied -> reply queued to the connection (waits behind earlier replies)
  kReadBarrierWait,    // read barrier asked -> passed
  kReadExecute,        // barrier passed -> read done and its reply queued (its turn at the head of
                       // the connection's pipeline, then the read; a read's reply is queued as it runs)
  kCount
};
struct StageName {
  const char* op;
  const char* stage;
};
StageName NameOf(Stage s);

// Per command (Redis's cmdstat_*): calls, time, failures (an error reply from the command itself)
// and rejections (refused before running: arity, auth, ACL, ...). Latency is measured from the
// parsed request to its reply being ready, so for a write it includes replication.
struct CommandStats {
  std::string name;
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t failed = 0;
  uint64_t rejected = 0;
  Histogram latency_us;
  bool skip_slowlog = false;  // set by the recorder (Redis's skip_slowlog flag, e.g. EXEC)
};

// Counters of cluster events, incremented on the loop thread.
struct ClusterCounters {
  uint64_t elections = 0;          // campaigns this node started
  uint64_t leader_changes = 0;     // leader changes this node saw
  uint64_t proposals_dropped = 0;  // proposals the log refused
  uint64_t forwards = 0;           // requests forwarded to the leader
  uint64_t snapshots_sent = 0, snapshot_bytes_sent = 0;
  uint64_t snapshots_received = 0, snapshot_bytes_received = 0;
  // The leaders this node learned of, oldest first, at most kLeaderHistory (the console's leader
  // change history, GET /v1/cluster "leader_history"): when (unix ms), the term, the leader's id.
  struct LeaderChange {
    int64_t unix_ms = 0;
    uint64_t term = 0;
    std::string leader;
  };
  static constexpr size_t kLeaderHistory = 32;
  std::deque<LeaderChange> leader_history;
};

class Registry {
 public:
  // metrics-enabled: when false, the server records nothing per request (the benchmark's "off").
  bool enabled() const { return enabled_; }
  void set_enabled(bool on) { enabled_ = on; }

  // The stats of the command named `name`, found by `key` (any pointer stable for the process, e.g.
  // the command's table entry): one hash lookup, no allocation after the first call. With an `id`
  // (a dense number > 0 the caller keeps for that key, e.g. its CommandSpec::id; 0: none), later
  // calls find them by index, without the hash lookup (one per request otherwise).
  CommandStats* Command(uint32_t id, const void* key, std::string_view name) {
    if (id < by_id_.size() && by_id_[id]) return by_id_[id];
    return CommandByKey(id, key, name);
  }
  CommandStats* Command(const void* key, std::string_view name) { return Command(0, key, name); }
  // An error reply (RESP "-PREFIX text"): counted under its prefix (Redis's errorstat_*).
  void Error(std::string_view reply);
  static bool IsError(std::string_view reply) { return !reply.empty() && (reply[0] == '-' || reply[0] == '!'); }

  Histogram& stage(Stage s) { return stages_[static_cast<size_t>(s)]; }
  const Histogram& stage(Stage s) const { return stages_[static_cast<size_t>(s)]; }
  SlowLog& slowlog() { return slowlog_; }
  // The shortest call (µs) that the slow log or LATENCY's "command" event records; UINT64_MAX when
  // both are off. One compare per call decides whether either must look at it.
  uint64_t RecordedCallUs() const {
    uint64_t us = slowlog_.active() ? static_cast<uint64_t>(slowlog_.slower_than_us()) : UINT64_MAX;
    if (latency_.threshold_ms() > 0) us = std::min(us, static_cast<uint64_t>(latency_.threshold_ms()) * 1000);
    return us;
  }
  LatencyMonitor& latency() { return latency_; }
  ClusterCounters& cluster() { return cluster_; }
  const ClusterCounters& cluster() const { return cluster_; }

  // Written by the storage thread: each fdatasync of the Raft log, and entries per sync.
  SharedHistogram fsync_us, fsync_batch_entries;

  // Commands with at least one call or rejection, by name.
  std::vector<const CommandStats*> Commands() const;
  const std::map<std::string, uint64_t>& errors() const { return errors_; }
  uint64_t total_errors() const { return total_errors_; }
  // CONFIG RESETSTAT: commands, errors and stage histograms start again.
  void ResetStats();

  // Figures owned elsewhere (Raft state, connections, RocksDB), rendered at scrape time by whoever
  // owns them. Returns an id for RemoveCollector (call it before the owner goes away).
  using Collector = std::function<void(PromWriter&)>;
  int AddCollector(Collector c);
  void RemoveCollector(int id);
  void Collect(PromWriter& w) const;

 private:
  bool enabled_ = true;
  CommandStats* CommandByKey(uint32_t id, const void* key, std::string_view name);
  std::unordered_map<const void*, std::unique_ptr<CommandStats>> commands_;
  std::vector<CommandStats*> by_id_;  // cache of commands_ by id (null: not looked up yet)
  std::map<std::string, uint64_t> errors_;
  uint64_t total_errors_ = 0;
  Histogram stages_[static_cast<size_t>(Stage::kCount)];
  ClusterCounters cluster_;
  SlowLog slowlog_;
  LatencyMonitor latency_;
  std::map<int, Collector> collectors_;
  int next_collector_ = 1;
};

// The process's registry (one node per process). Asked several times per request: inline, one
// load once it exists (a function-local static was not inlined, and its call showed in a GET
// profile).
namespace registry_detail {
Registry& CreateGlobal();
inline std::atomic<Registry*> global{nullptr};
}  // namespace registry_detail
inline Registry& Global() {
  Registry* r = registry_detail::global.load(std::memory_order_acquire);
  return r ? *r : registry_detail::CreateGlobal();
}

// Monotonic microseconds (steady clock), the time base of every duration here.
uint64_t NowMicros();

}  // namespace redraft::observability
