#pragma once

// The Readies of a cluster node between GetReady and Advance (raft.h "Advance", ready_order.h):
// handed to the storage thread in order and completed in order (the storage thread answers jobs
// in order), each holding back the messages that wait for its fsync. The committed entries that
// were already durable here when a Ready was taken are applied at once, while its own entries are
// synced (ready_order.h AppliableBeforePersist); the rest when it is durable.
//
// Owns: the queue of Readies in flight and the early-apply decision, read from the core right
// after GetReady. Must not: persist, send, apply or Advance by itself — RaftReplicator does, through
// the callbacks. Kept apart from RaftReplicator so that a test can drive it with a real Raft core
// and a storage thread it controls (tests/cluster/ready_pipeline_test.cc: nothing is applied before
// it is durable here).

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <vector>

#include "raft/raft.h"

namespace redraft::cluster {

class ReadyPipeline {
 public:
  struct InFlight {
    raft::Ready rd;
    std::vector<raft::Message> held;
    uint64_t submitted_us = 0;  // observability::NowMicros() when handed to storage (0: metrics off)
    size_t applied_early = 0;   // rd.committed_entries applied before it was durable
  };
  static constexpr size_t kMaxInFlight = 64;

  // rd was just taken from `core` (GetReady; nothing Advanced since) and must be persisted.
  // Queues it, calls submit() (its storage job starts syncing), then apply() with the committed
  // entries that may go before rd is durable. `applied`: the state machine's applied index.
  // Queued before applying, so its order among Readies holds even if apply re-enters the loop.
  // Returns how many of rd.committed_entries were applied early.
  size_t Take(const raft::Raft& core, raft::Index applied, raft::Ready rd, std::vector<raft::Message> held,
              uint64_t submitted_us, const std::function<void()>& submit,
              const std::function<void(std::span<raft::Entry>)>& apply);
  // The oldest Ready's job is done (it and every Ready before it are durable): hands it back; what
  // is left to apply is Remaining().
  InFlight PopDurable();
  static std::span<raft::Entry> Remaining(InFlight& f) {
    return std::span<raft::Entry>(f.rd.committed_entries).subspan(f.applied_early);
  }

  bool empty() const { return inflight_.empty(); }
  size_t size() const { return inflight_.size(); }
  bool full() const { return inflight_.size() >= kMaxInFlight; }

 private:
  std::deque<InFlight> inflight_;  // oldest first
};

}  // namespace redraft::cluster
