#pragma once

// The storage thread of a cluster node: every write to the Raft log after startup, in order, with
// one fdatasync per group of queued jobs (group commit), and jobs answered in the order given.
//
// Owns: the thread, its queues (todo/done), the free-space watch, and the disk-fault policy of the
// log (README "Disk faults"): a write that fails for lack of space is retried with backoff until it
// succeeds, so what was handed over is never dropped; any other error panics; compaction is
// postponed while space is short.
// Must not: touch Raft, the event loop or replies. It tells the loop a job is done through `wake`
// (uv_async_send); the loop takes finished jobs with TakeDone and completes Readies in order.

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "cluster/disk_watch.h"
#include "common/status.h"
#include "logstore/log_store.h"
#include "raft/raft.h"
#include "server/state_machine.h"

namespace redraft::cluster {

// A unit of work for the storage thread, answered in order.
struct StorageJob {
  std::optional<raft::HardState> hard_state;
  std::vector<raft::Entry> entries;
  std::optional<raft::SnapshotMeta> install;  // a received snapshot: drop the log behind it
  std::optional<raft::SnapshotMeta> compact;  // flush the store, then drop the log behind it
  bool is_ready = false;                      // completes the Ready in flight
  uint64_t sync_us = 0;  // set by the storage thread: its group's fdatasync took this long (metrics)
};

class StorageThread {
 public:
  // log and sm outlive this object; from Start on, only this thread writes the log.
  StorageThread(raft::LogStore* log, server::StateMachine* sm, std::unique_ptr<DiskWatch> watch,
                std::function<void()> wake);
  ~StorageThread() { StopAndJoin(); }

  void Start();
  void Submit(StorageJob job);
  // Jobs done since the last call, in submission order (their entries already released).
  std::deque<StorageJob> TakeDone();
  // Finishes the queued jobs (everything handed over becomes durable), then stops.
  void StopAndJoin();

 private:
  void Main();
  // Runs op until it succeeds. NoSpace is waited out with backoff (DiskHealth kLog set
  // meanwhile); any other error panics. False if the node stops while waiting.
  bool RetryOnNoSpace(const char* what, const std::function<Status()>& op);
  // Flushes the store and drops the log behind `meta` unless the disk is short.
  void CompactLog(const raft::SnapshotMeta& meta);

  raft::LogStore* const log_;
  server::StateMachine* const sm_;
  std::unique_ptr<DiskWatch> disk_watch_;  // this thread only (after Start)
  std::function<void()> wake_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<StorageJob> todo_;
  std::deque<StorageJob> done_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace redraft::cluster
