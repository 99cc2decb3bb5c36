// Internals of LogStore shared by log_store.cc (write path) and log_store_recovery.cc (Open).
// Not part of the public interface.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "logstore/log_store.h"
#include "logstore/log_store_format.h"
#include "logstore/log_store_replay.h"

namespace redraft::raft {

struct LogSegment {
  uint64_t seq = 0;
  std::string path;
  std::unique_ptr<File> file;
  uint64_t end = 0;       // bytes of records, including those still buffered in Impl::pending
  uint64_t flushed = 0;   // bytes handed to the file (pwrite); pending starts here
  uint64_t capacity = 0;  // roll over to a new segment rather than grow past this
  uint64_t zeroed = 0;    // [0, zeroed) was written (records or zeros): overwrites need no metadata
  bool dirty = false;     // written since its last fdatasync
};

struct LogStore::Impl {
  std::string dir;
  LogStoreOptions opts;
  std::deque<LogSegment> segments;  // by seq; back() is the active segment
  std::string pending;              // records for back() not yet written
  bool batch_start = true;          // the next record is the first after a Sync
  bool dir_dirty = false;           // a segment was created or removed since the last dir fsync
  HardState hs;
  SnapshotMeta snap;
  std::deque<EntryLoc> locs;  // entries snap.index+1 .. LastIndex()
  std::string zeros;          // up to kZeroChunk zero bytes, grown on demand

  static constexpr uint64_t kZeroChunk = 1 << 20;   // zero-fill this far ahead of the last record
  static constexpr uint64_t kFlushBytes = 1 << 20;  // write pending out once it is this large

  std::string SegmentPath(uint64_t seq) const;
  // Frames a record into the active segment (rolling over first if it does not fit).
  Status AddRecord(log_format::Kind kind, const std::string& payload, EntryLoc* loc = nullptr);
  // Creates segment seq, preallocated for at least `need` bytes of records after its own header
  // records, and buffers Header(prev_end), HardState and Snapshot into it.
  Status CreateSegment(uint64_t seq, uint64_t prev_end, uint64_t need);
  Status Flush();    // pwrite pending (and zeros ahead of it) to the active segment
  Status SyncAll();  // Flush, fdatasync dirty segments, fsync dir; PANICs on sync failure
  LogSegment* FindSegment(uint64_t seq);
  Index last_index() const { return snap.index + locs.size(); }

  // Recovery (log_store_recovery.cc): lists and replays the segments, repairs a torn tail.
  Status Recover(RecoveredState* out);
};

// "log-%020llu.seg"; ParseSegmentName returns false for other names.
std::string SegmentFileName(uint64_t seq);
bool ParseSegmentName(const std::string& name, uint64_t* seq);

}  // namespace redraft::raft
