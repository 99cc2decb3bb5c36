// logstore/: the durable, segmented log of a Raft group, on files.
//   Owns: the segment format below, recovery (a torn tail versus damaged synced data), the order
//   of writes and fsyncs that makes a Sync() durable, and the FileSystem seam (log_store_fs.h:
//   POSIX in production, an in-memory twin that drops unsynced writes in tests).
//   Must not: apply Raft's rules (it stores what the ready loop hands it and checks only index
//   contiguity), touch RocksDB, libuv, sockets or clocks, or start threads (its caller runs it on
//   the storage thread). From the consensus core it uses only the plain types of raft/types.h;
//   raft/ never includes anything of logstore/ (the core does no I/O).
//
// LogStore: the durable Raft log (entries, hard state, snapshot metadata) of one Raft group, in its
// own directory (several groups = several directories). The replicator's storage thread
// (cluster/raft_replicator.*) appends, syncs and compacts it; the server's state machine (RocksDB)
// is the other half of the persistent state.
//
// ON-DISK FORMAT (version 1)
//   <dir>/log-<seq>.seg  segments; <seq> is a 20-digit zero-padded sequence number 1, 2, 3, ...
//                        (not an index: after a conflicting append a segment may start below its
//                        predecessor). Other file names are ignored.
//   Segments are fallocate'd to LogStoreOptions::segment_bytes when created, and the writer keeps
//   1 MiB of explicit zeros written ahead of its last record, so the fdatasync of an append mostly
//   overwrites initialized blocks and commits no file metadata. Zeros mean "no record here".
//   A segment is a sequence of records (integers little endian):
//     record := masked_crc32c:u32 | length:u32 | type:u8 | payload[length]
//     The crc32c covers type and payload, stored masked (crc32c::Mask). An all-zero 9-byte header
//     is never a record (it is preallocated space).
//     type   := kind (low 7 bits) | 0x80 if the record is the first written after a Sync() or
//               Open. This "batch start" flag proves that every byte written before it was synced.
//     kind 1 Entry      term:u64 index:u64 entry_type:u8 data[rest]
//     kind 2 HardState  term:u64 vote:u64 commit:u64
//     kind 3 Snapshot   index:u64 term:u64 varint n, n x varint voter, varint m, m x varint
//                       learner, keep_log:u8 (1 = entries after index kept, 0 = log discarded)
//     kind 4 Header     version:u32 seq:u64 prev_end:u64 (prev_end = bytes of records in the
//                       previous segment, 0 if none: tells its normal end from a torn one)
//   Every segment starts with Header, HardState, Snapshot (the state when it was created), so
//   deleting old segments never loses the latest hard state or snapshot metadata.
//   The log is append-only: records are never overwritten. Replaying the records of all segments
//   in order rebuilds the state (logstore/log_store_replay.h):
//     - Entry i replaces any entries >= i. Raft's conflicting-suffix truncation is just the append
//       of the new entry i; superseded records stay on disk until their segment is deleted. So a
//       crash at any point leaves the old log or a prefix of the new one, never a mix.
//     - The last HardState wins (it shares the batch and the fdatasync of the entries around it).
//     - A newer Snapshot drops entries <= its index, or all of them if keep_log is 0 (Compact found
//       the entry at its index missing or of another term, as in Raft's InstallSnapshot; the
//       decision is recorded because that entry's segment may have been deleted since).
//     - An entry gap is allowed only below the final snapshot index (deleted segments); else it is
//       Corruption.
//   Compaction deletes whole segments, oldest first, that hold no live entry above the snapshot.
//
// RECOVERY (Open)
//   Records are read in order until the first zero-filled, short, oversized or checksum-failing
//   record, at segment s, offset p. If s is not the last segment and the next segment's Header
//   says prev_end == p, that is s's normal end. Otherwise p is the end of the log, and:
//     - if some record after p (in s or a later segment, found by a byte-by-byte scan) is valid
//       and carries the batch-start flag, a Sync() completed after the bytes at p were written:
//       they were acknowledged and are now damaged -> Corruption, refuse to open;
//     - unreadable Header/HardState/Snapshot copies at the start of the oldest segment, when that
//       is not segment 1, are Corruption too (Compact synced them before deleting older ones);
//     - else it is a torn write of the last, never acknowledged batch (its pages may reach the
//       disk in any order, so valid records of that batch after a hole are dropped too): s is cut
//       at p (ftruncate, re-fallocate), later segments are deleted, RecoveredState reports it.
//   Open then fdatasyncs every segment and the directory: what it read may have been only in the
//   page cache (kill -9), and the next batch-start flag will vouch for it. If the log ended inside
//   the active segment's HardState/Snapshot copies, Open appends them again.
//   Limits: damage inside the last synced batch, with nothing synced after it, cannot be told
//   from a torn write and is dropped; an entry payload embedding a forged valid flagged record
//   could make a torn tail look like mid-log damage (a refusal to start, never a silent loss).
//
// WHY SEGMENT FILES AND NOT A ROCKSDB INSTANCE (tools/storage_bench: one run, same disk)
//   The log needs one fdatasync per batch of sequential appends, and prefix deletion. Segments do
//   that with one pwrite + one fdatasync into initialized blocks: measured about 2x the syncs/s of
//   appending to a growing file, which is what RocksDB's WAL does for every sync=true write (plus
//   a memtable insert). Deleting a prefix is unlink() instead of DeleteRange + compaction, and
//   what a torn tail means is decided here, not by RocksDB's WAL recovery mode.
//   Figures (storage_bench defaults: medians of 5 interleaved rounds, 64-byte entries; 2 vCPUs, a
//   virtio disk shared with other builds, so wide ranges; quietest of 3 runs, 2026-11-22 08:59):
//     raw 4 KiB + fdatasync: growing file 1,256/s, fallocated 5,646/s, zero-filled 9,116/s
//     LogStore batch 1: 8,239 syncs/s, 34 us CPU/sync | RocksDB batch 1: 1,743 syncs/s, 106 us
//     LogStore batch 16: 84,947 entries/s             | RocksDB batch 16: 63,178 entries/s
//     LogStore batch 128: 829,369 entries/s           | RocksDB batch 128: 151,811 entries/s
//   CPU per sync, the figure least disturbed by other disk users, was 1.5-3x lower for LogStore in
//   every run.
//
// Thread-safety: none. One thread (the server's storage thread) owns a LogStore.
// Errors: Corruption and IOError from Open are final. A failed fdatasync panics (never retried).
// NoSpace (ENOSPC/EDQUOT from pwrite, fallocate, creating a segment) from Append, SetHardState,
// Sync or Compact leaves the store consistent and the call retryable: repeat the same call (with
// the same arguments) until it succeeds, then carry on. Nothing is lost or half-committed:
//   - records are only ever appended, so a retry frames its records again after whatever the
//     failed attempt buffered or wrote; replay's rules (an entry replaces entries >= its index,
//     the last HardState/Snapshot wins) make such duplicates harmless, and none of them is
//     durable (nor carries a batch-start flag vouching for it) before a Sync succeeds;
//   - a pwrite that failed part-way is rewritten whole, at the same offset, by the retry;
//   - a segment whose creation failed is removed at once (its fallocated blocks freed) and was
//     never referenced: the retry creates it again.
// Inside a preallocated segment writes need no new blocks, so NoSpace normally surfaces only when
// a segment rolls over (fallocate of the next one). Any other non-OK Status from a write method
// (an I/O error) leaves the store unspecified: drop it, Open again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "logstore/log_store_fs.h"
#include "raft/types.h"

namespace redraft::raft {

struct LogStoreOptions {
  uint64_t segment_bytes = 64 << 20;  // roll over past this; a bigger record gets its own segment
  bool preallocate = true;            // fallocate segments and write zeros ahead (see format)
  std::shared_ptr<FileSystem> fs;     // null = PosixFileSystem(); tests inject faults here
};

struct RecoveredState {
  HardState hard_state;
  SnapshotMeta snapshot;
  std::vector<Entry> entries;  // snapshot.index+1 .. last, contiguous
  uint64_t dropped_bytes = 0;  // non-zero bytes of a torn tail removed by recovery
  std::string recovery_note;   // human-readable description of what recovery repaired, if anything
};

class LogStore {
 public:
  // Opens or creates the log under dir (mkdir -p; every directory it creates, and dir itself, is
  // fsync'ed with its parent), recovers as described above, fills *recovered, and makes the
  // recovered state durable.
  static Result<std::unique_ptr<LogStore>> Open(const std::string& dir, const LogStoreOptions& opts,
                                                RecoveredState* recovered);
  ~LogStore();  // does not Sync: what was not synced may be lost, as in a crash
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  // Buffered writes; nothing is durable until Sync() returns. (Bytes reach the kernel early when
  // 1 MiB is buffered or a segment rolls over; that does not make them durable.)
  // Append: if entries[0].index <= LastIndex(), the suffix from entries[0].index is replaced
  // (Raft's "delete the existing entry and all that follow it"), durably at the next Sync.
  // REQUIRES: entries contiguous; FirstIndex() <= entries[0].index <= LastIndex()+1; else
  // InvalidArgument and nothing is written. Empty = no-op.
  Status Append(const std::vector<Entry>& entries);
  // Recorded in the same batch (and fdatasync) as the entries around it; a no-op if unchanged.
  Status SetHardState(const HardState& hs);
  // One fdatasync per segment written since the last Sync (normally one) and, if a segment was
  // created or deleted, one directory fsync (group commit). Nothing to do = no syscall.
  // A failed fsync panics (REDRAFT_PANIC): it is never retried.
  Status Sync();
  // The state machine has a durable snapshot at meta.index: records meta durably (this Syncs) and
  // deletes whole segments that hold no entry > meta.index. If the entry at meta.index has
  // meta.term the entries after it are kept, otherwise the whole log is discarded (as
  // InstallSnapshot does).
  // REQUIRES: meta.index >= snapshot().index.
  Status Compact(const SnapshotMeta& meta);

  Index FirstIndex() const;  // snapshot().index + 1
  Index LastIndex() const;   // snapshot().index if the log is empty
  // Term of entry i; for i == snapshot().index, the snapshot's term.
  // REQUIRES: i in [snapshot().index, LastIndex()] (NotFound otherwise).
  Result<Term> TermAt(Index i) const;
  // Entries [lo, hi), read back from the segments (one pread per run in the same segment; only
  // terms and file offsets are kept in memory, about 32 bytes per entry).
  // REQUIRES: FirstIndex() <= lo <= hi <= LastIndex()+1 (InvalidArgument otherwise).
  Result<std::vector<Entry>> Entries(Index lo, Index hi) const;
  const HardState& hard_state() const;
  const SnapshotMeta& snapshot() const;
  size_t SegmentCount() const;

  struct Impl;

 private:
  explicit LogStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace redraft::raft
