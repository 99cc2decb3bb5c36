#include "logstore/log_store_replay.h"

#include <string>

namespace redraft::raft {

void LogReplay::TruncateAfter(Index i) {
  locs_.resize(i - base_);
  if (keep_entries_) entries_.resize(i - base_);
}

void LogReplay::DropThrough(Index i) {
  size_t n = i - base_;
  locs_.erase(locs_.begin(), locs_.begin() + static_cast<ptrdiff_t>(n));
  if (keep_entries_) entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(n));
  base_ = i;
}

Status LogReplay::OnEntry(Entry e, const EntryLoc& loc) {
  if (e.index <= snap_.index) {
    // Appends above the snapshot are a precondition of LogStore::Append, so this is damage.
    return Status::Corruption("entry " + std::to_string(e.index) + " at or below snapshot index " +
                              std::to_string(snap_.index));
  }
  if (e.index > last() + 1 || e.index <= base_) {
    // Entries before this one lived in deleted segments. Allowed only if the final snapshot covers
    // them; Finish() checks that.
    TruncateAfter(base_);
    base_ = e.index - 1;
  } else {
    TruncateAfter(e.index - 1);
  }
  locs_.push_back(loc);
  if (keep_entries_) entries_.push_back(std::move(e));
  return Status::OK();
}

Status LogReplay::OnSnapshot(const SnapshotMeta& m, bool keep_log) {
  if (m.index < snap_.index) {
    return Status::Corruption("snapshot index went back from " + std::to_string(snap_.index) +
                              " to " + std::to_string(m.index));
  }
  if (m.index > snap_.index) {
    // The decision is recorded rather than recomputed: the entry at m.index may be in a deleted
    // segment.
    if (keep_log && m.index <= base_) {
      // Entries up to base_ are already gone (their segments were deleted).
    } else if (keep_log && m.index <= last()) {
      DropThrough(m.index);
    } else {
      TruncateAfter(base_);
      base_ = m.index;
    }
  }
  snap_ = m;
  return Status::OK();
}

Status LogReplay::Finish() {
  if (base_ > snap_.index) {
    return Status::Corruption("log entries " + std::to_string(snap_.index + 1) + ".." +
                              std::to_string(base_) + " are missing (snapshot index " +
                              std::to_string(snap_.index) + ")");
  }
  if (snap_.index > last()) {
    TruncateAfter(base_);
    base_ = snap_.index;
  } else if (snap_.index > base_) {
    DropThrough(snap_.index);
  }
  return Status::OK();
}

}  // namespace redraft::raft
