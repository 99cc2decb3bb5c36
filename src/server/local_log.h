#pragma once

#include <uv.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "raft/log_store.h"
#include "server/replicator.h"
#include "server/state_machine.h"

namespace redraft::server {

// The single-node write path: entries proposed during one event-loop iteration are appended to
// the LogStore and made durable with one fdatasync on the storage thread (group commit); when the
// sync returns, the loop applies them in order and answers their proposers.
//
// Invariants:
//  - an entry is applied (and its proposer answered) only after Sync() covering it returned;
//  - entries are applied in index order, exactly once (replay at start applies only those above
//    the store's applied index);
//  - the log is compacted only up to an index whose effects the store has flushed.
class LocalLog : public Replicator {
 public:
  LocalLog(uv_loop_t* loop, std::string dir, StateMachine* sm, AppliedFn on_applied,
           ReadReadyFn on_read_ready, int64_t compact_every);
  ~LocalLog() override;

  Status Start() override;
  void Propose(std::string data, uint64_t token, int proto) override;
  // A single node's applied state already holds every acknowledged write: the barrier is immediate.
  void ReadBarrier(uint64_t token) override { on_read_ready_(token); }
  void Flush() override;
  void Stop() override;
  uint64_t last_index() const override { return last_index_; }
  uint64_t durable_index() const override { return durable_index_; }

 private:
  struct Pending {
    uint64_t token;
    int proto;
  };
  struct Batch {
    std::vector<raft::Entry> entries;
    uint64_t compact_to = 0;  // if set: flush the store, then compact the log up to here
  };

  void StorageThreadMain();
  void OnDurable();  // loop thread, via async_

  uv_loop_t* loop_;
  std::string dir_;
  StateMachine* sm_;
  AppliedFn on_applied_;
  ReadReadyFn on_read_ready_;
  int64_t compact_every_;
  std::unique_ptr<raft::LogStore> log_;

  uint64_t last_index_ = 0;     // last proposed index (loop thread)
  uint64_t durable_index_ = 0;  // last index synced and applied (loop thread)
  uint64_t last_compact_ = 0;   // last index a compaction was requested for (loop thread)
  std::vector<raft::Entry> proposed_;  // proposed in this loop iteration, not yet handed off
  std::deque<Pending> waiting_;        // proposers of entries durable_index_+1 ... last_index_

  // Hand-off with the storage thread: the loop pushes batches to todo_, the thread moves synced
  // batches to done_ and wakes the loop through async_.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> todo_;
  std::deque<Batch> done_;
  bool stopping_ = false;
  std::thread thread_;
  uv_async_t async_;
  bool started_ = false;
};

}  // namespace redraft::server
