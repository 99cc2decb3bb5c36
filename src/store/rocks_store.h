// RocksStore: the Store over RocksDB.
//
// On-disk layout (one RocksDB database per Raft group, under the directory given to Open):
//
//   column family "default"  unused (RocksDB requires it).
//   column family "meta"     stored key [db:1][user key] (store.h, "Databases") -> encoded Value
//                            (the metadata record of the key):
//                              [type:1][expire_ms:8 fixed LE, signed][version:8 fixed LE][payload]
//                            type is a store::ValueType, expire_ms is absolute unix ms (0 = none),
//                            version tags collection sub-keys (CF "sub"), payload is the whole
//                            value for strings and [size:8 fixed LE] (the element count) for
//                            collections. Records shorter than 17 bytes are Corruption.
//   column family "sub"      sub-keys of collections (store.h EncodeSubKey):
//                              [key length:4 BE][key][version:8 BE][field] -> value
//                            (key = the stored key). The internal record with key "\xff",
//                            version 0, field "dbmap" holds the logical -> physical database
//                            map (255 bytes; absent = identity); the filter always keeps it.
//                            A sub-key is live iff "meta" holds a collection record for key with
//                            this version. Others are garbage: invisible (reads go through the
//                            metadata record's version) and dropped by SubKeyFilter, a compaction
//                            filter that looks the key up in the same slot's "meta" (Kvrocks's
//                            SubKeyFilter). It keeps everything while a SnapshotView is open and
//                            in the staging slot. Versions are never reused (commands derive them
//                            from the log index), so a sub-key found garbage stays garbage.
//   column family "sub.1"    "sub" of the second data slot (paired with "meta.1").
//   column family "meta.1"   same format as "meta": the second data slot (with "sub.1"). One of the two is
//                            live, the other is the staging area of a snapshot being received
//                            (Store::StageBegin..StageInstall) and is otherwise kept empty.
//   column family "state"    "applied" -> [applied_index:8 fixed LE][key_count:8 fixed LE]
//                            [log_time_ms:8 fixed LE]: the last log index whose effects are in
//                            the database and the number of keys in the live slot, written in
//                            the same WriteBatch as the entry's effects (one record: one memtable
//                            insert per entry).
//                            "active" -> [slot:1] 0 = "meta", 1 = "meta.1" (absent = 0), written
//                            only by StageInstall, in the same WriteBatch as the "applied" record
//                            of the installed snapshot, then flushed: the switch is one atomic
//                            write. On open, a non-empty staging slot (a crash mid-transfer or
//                            before the switch was flushed) is dropped and recreated empty.
//                            "format" -> fixed32 2 (keys qualified by database); a store
//                            with keys and no such record predates databases and is refused.
//                            "dbkeys" -> varint triples (physical db, key count, keys with
//                            an expiry) of non-empty databases, written with "applied" when a count changes and by
//                            StageInstall (counted from the staged records).
//                            "dbbytes" -> varint pairs (physical db, logical size) of databases
//                            whose size is not 0 (docs/memory.md), kept like "dbkeys"; a store
//                            without it is recounted from "meta" at open.
//
// Durability contract (WAL off, the Raft log is the WAL):
//   - Every write uses WriteOptions.disableWAL = true, so committed batches live in memtables
//     until a flush. DBOptions.atomic_flush = true makes every flush (explicit, background
//     because a memtable filled up, or at clean shutdown) persist all column families together,
//     so the persisted state is always a prefix of the applied batches: data and applied_index
//     from the same point, never data newer than applied_index.
//   - After a crash the reopened store reports the applied_index of the last flush; the caller
//     must replay log entries after applied_index(). Flush() forces a flush; after it returns,
//     log entries <= applied_index() may be discarded.
//   - A clean close (destructor) flushes memtables (RocksDB does so when WAL-less writes are
//     unpersisted, unless avoid_flush_during_shutdown is set). SimulateCrashForTest() sets that
//     option so destroying the object loses unflushed writes, as a crash would.
//
// Thread-safety: reads (Get, Scan, KeyCount, applied_index) may run concurrently with each other;
// writes (NewBatch/Commit/SetAppliedIndex/Flush) come from one thread, the applier. KeyCount and
// applied_index are plain members updated by that thread (read them from it, too). Flush and the
// Approximate* calls may also run on another thread (the log's storage thread): the column family
// handles they walk are guarded by handles_mu_, because StageInstall/StageBegin replace one.
//
// Point reads (Get) look in the ReadCache (read_cache.h) first: the records of recently written
// keys, written through by Commit and emptied by DeleteAll and StageInstall, so it never holds a
// record RocksDB does not; misses go to RocksDB (memtables with a whole-key bloom filter, then
// SST files with bloom filters and the block cache).
#pragma once

#include <algorithm>
#include <array>
#include <bitset>

#include <rocksdb/db.h>
#include <rocksdb/statistics.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <unordered_map>

#include "store/read_cache.h"
#include "store/store.h"

namespace redraft::store {

// Value record coding (format above).
void EncodeValue(const Value& v, std::string* dst);
Status DecodeValue(std::string_view data, Value* out);

class RocksStore : public Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, const StoreOptions& opts);
  ~RocksStore() override;

  Status Get(std::string_view key, int64_t now_ms, Value* out) override;
  Status Scan(std::string_view start,
              const std::function<bool(std::string_view key, const Value&)>& fn) override;
  Status GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) override;
  Status ScanSub(std::string_view key, uint64_t version, std::string_view start, const SubKeyFn& fn) override;
  Status ScanSubBefore(std::string_view key, uint64_t version, std::string_view before, const SubKeyFn& fn) override;
  uint64_t KeyCount() const override { return key_count_; }
  uint64_t DatasetBytes() const override;
  Status LoadDatasetBytes();  // at Open (docs/memory.md)
  uint8_t PhysicalDb(int db) const override;
  uint64_t DbKeyCount(int db) const override;
  uint64_t DbExpiresCount(int db) const override;
  uint64_t applied_index() const override { return applied_index_; }
  int64_t log_time_ms() const override { return log_time_ms_; }
  void NoteLogTime(int64_t ms) override { pending_log_time_ms_ = std::max(pending_log_time_ms_, ms); }

  std::unique_ptr<Batch> NewBatch() override;
  Status Commit(Batch* batch, uint64_t index) override;
  Status SetAppliedIndex(uint64_t index) override;
  Status Flush() override;
  Status Resume() override;

  std::unique_ptr<SnapshotView> NewSnapshotView() override;
  Status StageBegin() override;
  void StagePut(std::string_view key, const Value& v) override;
  Status StageWrite() override;
  Status StageInstall(uint64_t applied_index, uint64_t key_count, int64_t log_time_ms) override;
  Status StageAbort() override;

  uint64_t ApproximateMemoryBytes() override;
  uint64_t ApproximateDiskBytes() override;
  std::vector<EngineFigure> EngineFigures() override;
  uint64_t StaleSubKeysDropped() const override { return stale_dropped_.load(); }
  const ReadCache& read_cache() const { return *cache_; }  // for tests
  Status CompactAll() override;

  // Test hook: the destructor will not flush, so unflushed (WAL-less) writes are lost like in a
  // crash.
  void SimulateCrashForTest();

 private:
  class BatchImpl;
  class SnapshotViewImpl;
  class SubKeyFilter;
  class SubKeyFilterFactory;
  // SubKeyFilter's question: is raw (a sub-key of data slot `slot`) garbage?
  // value is the record's value (a WATCH record's index: store.h kWatchVersion).
  bool SubKeyIsStale(int slot, std::string_view raw, std::string_view value);
  RocksStore() = default;
  Status CheckFormat();
  Status LoadDbMap();  // db_map_ from the live sub-key family
  Status GetRaw(std::string_view key, Value* out);
  // Drops the data slot `slot` (0/1) and recreates it empty (O(1): files are deleted later).
  Status ResetSlot(int slot);
  bool SlotEmpty(int slot);

  std::unique_ptr<rocksdb::DB> db_;
  mutable std::mutex handles_mu_;                      // guards handles_ (see above)
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // default, meta, state, meta.1, sub, sub.1
  rocksdb::ColumnFamilyOptions meta_opts_;              // for recreating a data slot
  rocksdb::ColumnFamilyOptions sub_opts_[2];            // per slot (the filter knows its slot)
  rocksdb::ColumnFamilyHandle* slots_[2] = {nullptr, nullptr};  // "meta", "meta.1"
  rocksdb::ColumnFamilyHandle* sub_slots_[2] = {nullptr, nullptr};  // "sub", "sub.1"
  std::atomic<int> active_{0};                          // index into slots_ of the live data
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;         // == slots_[active_]
  rocksdb::ColumnFamilyHandle* sub_ = nullptr;          // == sub_slots_[active_]
  // The compaction filter (a background thread) reads slots_/active_ under a shared lock;
  // ResetSlot and the switch in StageInstall take it exclusively.
  std::shared_mutex filter_mu_;
  std::atomic<int> open_views_{0};
  std::atomic<bool> ready_{false};                      // Open finished: the filter may act                      // SnapshotViews alive: filter keeps all
  std::atomic<uint64_t> stale_dropped_{0};
  rocksdb::ColumnFamilyHandle* state_ = nullptr;
  std::unique_ptr<rocksdb::WriteBatch> stage_batch_;    // StagePut's pending records
  std::string stage_buf_;
  rocksdb::WriteOptions write_opts_;
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::shared_ptr<rocksdb::Statistics> statistics_;  // StoreOptions::statistics; null when off
  // Get's fast path (read_cache.h): written through by Commit, cleared by DeleteAll/StageInstall.
  std::unique_ptr<ReadCache> cache_;
  // Atomic because the compaction filter (a background thread) reads it to age out WATCH records.
  std::atomic<uint64_t> applied_index_{0};
  uint64_t key_count_ = 0;
  int64_t log_time_ms_ = 0;          // persisted with the applied index
  int64_t pending_log_time_ms_ = 0;  // noted, written by the next Commit/SetAppliedIndex
  // Whether recently deleted or looked-up keys exist, as of the last commit, so that keeping
  // key_count_ exact does not cost a RocksDB lookup per write of a hot key. Touched only by the
  // thread that applies the log. Bounded: cleared whole when it grows past kKnownMax entries.
  static constexpr size_t kKnownMax = size_t{1} << 16;
  struct KeyHash {  // string_view lookups into maps of std::string (no key copy per find)
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
  };
  // Keys known absent as of the last commit (a BatchImpl Presence; present keys are looked up
  // in the read cache).
  std::unordered_map<std::string, uint8_t, KeyHash, std::equal_to<>> known_;

 public:
  using DbMap = std::array<uint8_t, kMaxDatabases>;  // logical -> physical database
  struct DbCounts {                                   // per physical database
    std::array<uint64_t, 256> keys{};
    std::array<uint64_t, 256> expires{};              // keys with an expiry (INFO keyspace)
    std::array<uint64_t, 256> bytes{};                // logical size, KeyCharge summed (docs/memory.md)
  };

 private:
  DbMap db_map_{};                         // as of the last commit (all threads: see above)
  DbCounts db_counts_;                     // as of the last commit
  DbCounts stage_db_counts_;               // of the staged records
};

}  // namespace redraft::store
