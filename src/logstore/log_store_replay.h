// LogReplay: rebuilds the log state from the records of all segments, in order, following the
// replay rules at the top of logstore/log_store.h. Pure (no I/O), so its rules are unit-tested
// directly.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "raft/types.h"

namespace redraft::raft {

// Where an entry's record lives.
struct EntryLoc {
  Term term = 0;
  uint64_t seq = 0;     // segment sequence number
  uint64_t offset = 0;  // of the framed record in the segment
  uint32_t size = 0;    // framed size
};

class LogReplay {
 public:
  // keep_entries = false records only locations (for callers that do not need the data).
  explicit LogReplay(bool keep_entries = true) : keep_entries_(keep_entries) {}

  Status OnEntry(Entry e, const EntryLoc& loc);
  void OnHardState(const HardState& hs) { hs_ = hs; }
  // keep_log: the entries after m.index survived the compaction (else the log was discarded).
  Status OnSnapshot(const SnapshotMeta& m, bool keep_log);
  // Checks that no entry above the snapshot is missing and drops entries at or below it.
  Status Finish();

  const HardState& hard_state() const { return hs_; }
  const SnapshotMeta& snapshot() const { return snap_; }
  Index base() const {
    return base_;
  }  // index before entries()[0]; == snapshot().index after Finish
  Index last() const { return base_ + locs_.size(); }
  std::vector<Entry>& entries() { return entries_; }
  std::vector<EntryLoc>& locs() { return locs_; }

 private:
  void TruncateAfter(Index i);  // keep entries <= i (REQUIRES: base_ <= i <= last())
  void DropThrough(Index i);    // drop entries <= i (REQUIRES: base_ <= i <= last())

  bool keep_entries_;
  HardState hs_;
  SnapshotMeta snap_;
  Index base_ = 0;
  std::vector<Entry> entries_;
  std::vector<EntryLoc> locs_;
};

}  // namespace redraft::raft
