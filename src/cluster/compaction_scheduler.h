#pragma once

// When to compact the Raft log (raft_replicator.cc MaybeCompact): after `compact_every` entries
// or `compact_bytes` of appended entry data since the last compaction, at the state machine's
// applied index — held back to a snapshot transfer's floor while one runs, within a bound.
//
// Owns: the compaction bookkeeping (the last compaction index, bytes appended since) and the
// decision. Must not: touch the log, the store or the Raft core — the replicator checks the
// chosen index against the core, compacts it and hands the log cut to the storage thread.

#include <cstdint>
#include <optional>
#include <vector>

#include "raft/raft.h"

namespace redraft::cluster {

class CompactionScheduler {
 public:
  CompactionScheduler(int64_t every_entries, int64_t every_bytes)
      : every_entries_(every_entries), every_bytes_(every_bytes) {}

  // The log as recovered at startup starts after this snapshot.
  void Recovered(raft::Index snapshot_index) { last_compact_ = snapshot_index; }
  // Entries handed to the storage thread (counted towards every_bytes).
  void NoteAppended(const std::vector<raft::Entry>& entries) {
    for (const raft::Entry& e : entries) bytes_since_ += static_cast<int64_t>(e.data.size());
  }
  // May a snapshot transfer keep entries beyond the usual bound? Only so far: past it the log is
  // compacted anyway (the follower will need another snapshot).
  bool TransferMayHoldBack() const { return bytes_since_ <= kMaxHeldBackFactor * every_bytes_; }
  // The index to compact at now, or nullopt. `applied`: the state machine's applied index;
  // `transfer_floor`: the oldest entry a running snapshot transfer needs kept, if any.
  std::optional<raft::Index> Due(raft::Index applied, std::optional<raft::Index> transfer_floor) const {
    if (transfer_floor && *transfer_floor < applied) applied = std::max<uint64_t>(*transfer_floor, last_compact_);
    if (static_cast<int64_t>(applied - last_compact_) < every_entries_ && bytes_since_ < every_bytes_) {
      return std::nullopt;
    }
    return applied;
  }
  // The core compacted at `index`: count from here.
  void Compacted(raft::Index index) {
    last_compact_ = index;
    bytes_since_ = 0;
  }
  raft::Index last_compact() const { return last_compact_; }  // INFO raft_snapshot_index

 private:
  static constexpr int64_t kMaxHeldBackFactor = 4;
  const int64_t every_entries_;
  const int64_t every_bytes_;
  raft::Index last_compact_ = 0;
  int64_t bytes_since_ = 0;  // entry bytes persisted since the last compaction
};

}  // namespace redraft::cluster
