// store/: the state machine over RocksDB. Owns the key/value encoding (type, expiry, version),
// atomic application of one log entry's effects together with the applied index, and (later)
// snapshot create/restore. Must not know about Raft roles, clients or sockets.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace redraft::store {

// Every key's metadata record carries its type, so WRONGTYPE is one lookup. Collection types keep
// their elements in versioned sub-keys (docs/data_model.md, as Kvrocks does): the metadata record
// holds the version and the element count, each element is a sub-key
// (key, version, field) -> value. A key deleted, overwritten or expired changes (or loses) its
// version, which makes every sub-key of the old version garbage in O(1); garbage is invisible to
// reads and dropped by a compaction filter in the background.
enum class ValueType : uint8_t {
  kString = 1,
  kHash = 2,
  kList = 3,
  kSet = 4,
  kZset = 5,
  kStream = 6,  // docs/streams.md
  // Never a key's type: marks a raw sub-key record in a snapshot stream (Store::SnapshotView,
  // Store::StagePut): the record's key is an encoded sub-key and its payload the element's value.
  kSubKey = 0x80,
};

inline bool IsCollection(ValueType t) {
  return t == ValueType::kHash || t == ValueType::kList || t == ValueType::kSet || t == ValueType::kZset ||
         t == ValueType::kStream;
}
// A type byte that may appear in a snapshot record: a key's type or kSubKey.
inline bool IsSnapshotRecordType(uint8_t t) {
  return t == static_cast<uint8_t>(ValueType::kString) || IsCollection(static_cast<ValueType>(t)) ||
         t == static_cast<uint8_t>(ValueType::kSubKey);
}

struct Value {
  ValueType type = ValueType::kString;
  int64_t expire_ms = 0;   // absolute unix time in ms; 0 = no expiry
  uint64_t version = 0;    // collections: the version of the live sub-keys (never reused);
                           // strings: the WATCH stamp (the log index of the key's last write)
  std::string payload;     // strings: the value itself; collections: CollectionSize (8 bytes LE)
  // Collections: the WATCH stamp, the log index of the entry that last changed the collection
  // (metadata or any element), written by the state machine's batch (commands::TxnBatch) with
  // every change; 0 = not recorded in this record (written before 2026-12-07: the stamp is then
  // a kWatchVersion sub-key record). Not part of the payload nor of KeyCharge. Strings: unused (0).
  uint64_t stamp = 0;
};

// The element count of a collection's metadata payload: [size:8 fixed LE][type-specific
// fields] (lists add their head and tail positions: docs/data_model.md). 0 if malformed.
uint64_t CollectionSize(const Value& v);
// Sets the count, keeping any type-specific fields after it.
void SetCollectionSize(Value* v, uint64_t size);

// --- The dataset's logical size (docs/memory.md): what maxmemory bounds ---
// Every key is charged, from its metadata record alone:
//   stored key bytes + record bytes (17-byte header + payload) + kKeyOverheadBytes
//   + for a collection: element count * kElementChargeBytes
// A function of the committed state only, so every replica computes the same total at the same
// applied index (not RSS, which differs per process). Collections are charged by their element
// count, not their elements' bytes: the store keeps no per-collection byte total, and a charge
// computable from the metadata record keeps the accounting O(1) per write. MEMORY USAGE gives a
// sampled estimate of the real bytes instead.
inline constexpr uint64_t kKeyOverheadBytes = 48;
inline constexpr uint64_t kElementChargeBytes = 64;
inline uint64_t KeyCharge(size_t stored_key_len, ValueType type, size_t payload_len, uint64_t collection_size) {
  uint64_t c = stored_key_len + 17 + payload_len + kKeyOverheadBytes;
  if (IsCollection(type)) c += collection_size * kElementChargeBytes;
  return c;
}
uint64_t KeyCharge(size_t stored_key_len, const Value& v);

// Sub-key encoding (column family "sub"):
//   [key length:4 fixed BE][key][version:8 fixed BE][field]
// Big-endian so that the sub-keys of one (key, version) are contiguous and ordered by field
// bytes. SubKeyPrefix is everything before the field.
std::string EncodeSubKey(std::string_view key, uint64_t version, std::string_view field);
std::string SubKeyPrefix(std::string_view key, uint64_t version);
// False if raw is not a well-formed sub-key. The views point into raw.
bool DecodeSubKey(std::string_view raw, std::string_view* key, uint64_t* version, std::string_view* field);

// WATCH (docs/transactions.md): the log index of each key's last change is in its metadata
// record while it exists (a string's version, a collection's Value::stamp); a deleted key's (and
// a collection's, in stores written before 2026-12-07) is a sub-key record
//   EncodeSubKey(key, kWatchVersion, "") -> [index:8 fixed LE]
// and that of the last FLUSHALL/FLUSHDB is EncodeSubKey("", kWatchVersion, "flushall"). The state
// machine writes them in the same batch as the change (commands/transactions.h); snapshots carry
// them like any sub-key. kWatchVersion is never a collection version (NewVersion is
// (index << 20) | n). A record more than kWatchHorizon entries older than the applied index can
// no longer decide anything (a WATCH that old conflicts anyway), so the compaction filter drops
// it; younger ones are kept.
inline constexpr uint64_t kWatchVersion = ~uint64_t{0};
inline constexpr uint64_t kWatchHorizon = uint64_t{1} << 24;

// Visits (field, value) pairs in field byte order; returning false stops.
using SubKeyFn = std::function<bool(std::string_view field, std::string_view value)>;

// A key is expired from its expiry millisecond on. (Redis's keyIsExpired uses now > when, so at
// that exact millisecond Redis still returns PTTL 0 where we return -2: a known 1 ms difference.)
inline bool IsExpired(const Value& v, int64_t now_ms) { return v.expire_ms != 0 && v.expire_ms <= now_ms; }

// --- Databases (docs/data_model.md "Databases") ---
// Every stored key is qualified by a physical database id: stored key = [db:1][user key]. Ids
// 0..kMaxDatabases-1 hold data; kInternalDb qualifies the store's own records (never a user key).
// Logical databases (what SELECT names) map to physical ids through a permutation kept in the
// replicated state (SWAPDB exchanges two entries: O(1)). DbStore/DbBatch (db_view.h) are the
// per-database views that commands use; Store and Batch themselves take stored keys.
constexpr int kMaxDatabases = 255;
constexpr uint8_t kInternalDb = 0xff;
// [db][key]. REQUIRES: 0 <= db < kMaxDatabases.
std::string QualifyKey(uint8_t db, std::string_view key);

struct StoreOptions {
  size_t block_cache_bytes = 256ull << 20;
  size_t write_buffer_bytes = 32ull << 20;
  // ReadCache (read_cache.h): the records of recently written keys, for O(1) reads of hot keys.
  size_t read_cache_bytes = 64ull << 20;
  // RocksDB statistics (block cache hits/misses, stall time) for EngineFigures (metrics; issue 13).
  bool statistics = false;
};

// A figure of the storage engine for the metrics (Prometheus naming: type counter or gauge).
struct EngineFigure {
  const char* name;
  const char* type;
  const char* help;
  double value;
};

class Store {
 public:
  // An atomic set of changes produced by applying one log entry. Reads through the batch see
  // its own uncommitted writes. Not thread-safe; lives for one apply.
  class Batch {
   public:
    virtual ~Batch() = default;
    // NotFound if missing or expired at now_ms.
    virtual Status Get(std::string_view key, int64_t now_ms, Value* out) = 0;
    // Like Get but returns the record even if expired (for expiry-aware deletes).
    virtual Status GetRaw(std::string_view key, Value* out) = 0;
    virtual void Put(std::string_view key, const Value& v) = 0;
    virtual void Delete(std::string_view key) = 0;
    // Deletes every key of every database (FLUSHALL), sub-keys included.
    virtual void DeleteAll() = 0;

    // --- sub-keys of collections (key, version, field) -> value; see EncodeSubKey ---
    // NotFound if absent (as of this batch's changes).
    virtual Status GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) = 0;
    virtual void PutSub(std::string_view key, uint64_t version, std::string_view field, std::string_view value) = 0;
    virtual void DeleteSub(std::string_view key, uint64_t version, std::string_view field) = 0;
    // Visits the sub-keys of (key, version) with field >= start, seeing this batch's changes.
    virtual Status ScanSub(std::string_view key, uint64_t version, std::string_view start, const SubKeyFn& fn) = 0;
    // Visits the sub-keys of (key, version) with field < before ("" = every field) in descending
    // field order, seeing this batch's changes.
    virtual Status ScanSubBefore(std::string_view key, uint64_t version, std::string_view before,
                                 const SubKeyFn& fn) = 0;

    // --- databases; db is a logical database, REQUIRES: 0 <= db < kMaxDatabases ---
    // The physical id of logical database db, as of this batch's changes.
    virtual uint8_t PhysicalDb(int db) = 0;
    // SWAPDB: exchanges the mapping of two logical databases (O(1)).
    virtual void SwapDbs(int a, int b) = 0;
    // FLUSHDB: deletes every key of logical database db (a range delete of its metadata records;
    // its sub-keys become garbage for the compaction filter).
    virtual void DeleteDb(int db) = 0;
    // A view's logical database (db_view.h); -1 for a batch that takes stored keys.
    virtual int db() const { return -1; }
    // The batch that takes stored keys (itself unless this is a view).
    virtual Batch& base() { return *this; }
  };

  virtual ~Store() = default;

  // Opens (creating if needed) the database under dir. RocksDB's own WAL is disabled: the
  // durable log is the write-ahead log, and entries after applied_index() are replayed.
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, const StoreOptions& opts);

  // --- reads ---
  // NotFound if missing or expired at now_ms (IsExpired).
  virtual Status Get(std::string_view key, int64_t now_ms, Value* out) = 0;
  // Visits keys >= start in byte order, including expired ones (the callback sees expire_ms);
  // stops when fn returns false.
  virtual Status Scan(std::string_view start,
                      const std::function<bool(std::string_view key, const Value&)>& fn) = 0;
  // Sub-keys of a collection's live version (the caller read the metadata record first).
  virtual Status GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) = 0;
  virtual Status ScanSub(std::string_view key, uint64_t version, std::string_view start, const SubKeyFn& fn) = 0;
  // As Batch::ScanSubBefore: fields < before ("" = all), descending.
  virtual Status ScanSubBefore(std::string_view key, uint64_t version, std::string_view before,
                               const SubKeyFn& fn) = 0;
  // Number of keys physically present (expired-but-not-deleted included), like Redis's DBSIZE.
  // The whole store's for the store itself, its database's for a view (DbStore).
  virtual uint64_t KeyCount() const = 0;
  // Databases (see above): the physical id of logical database db as of the last commit, and
  // the number of keys in logical database db. REQUIRES: 0 <= db < kMaxDatabases.
  virtual uint8_t PhysicalDb(int db) const = 0;
  virtual uint64_t DbKeyCount(int db) const = 0;
  // The keys of logical database db that have an expiry (INFO keyspace's expires=).
  virtual uint64_t DbExpiresCount(int db) const = 0;
  // A view's logical database; -1 for a store that takes stored keys.
  virtual int db() const { return -1; }
  // Index of the last log entry whose effects are in the store.
  virtual uint64_t applied_index() const = 0;
  // The largest entry time (the leader's stamp, docs/time.md) applied so far, persisted with the
  // applied index: a floor for every clock that judges expiry, so time never runs backwards
  // across restarts and leader changes. 0 if unknown.
  virtual int64_t log_time_ms() const = 0;
  // Raises log_time_ms() to ms (if larger) with the next Commit/SetAppliedIndex.
  virtual void NoteLogTime(int64_t ms) = 0;

  // --- writes (one writer: the thread that applies the log) ---
  virtual std::unique_ptr<Batch> NewBatch() = 0;
  // Writes the batch's effects and applied_index atomically. REQUIRES: index > applied_index().
  virtual Status Commit(Batch* batch, uint64_t index) = 0;
  // Records applied index for an entry with no effects (no-op, failed command).
  virtual Status SetAppliedIndex(uint64_t index) = 0;
  // Makes everything committed so far durable (flushes memtables); after it returns, the log
  // before applied_index() may be discarded.
  virtual Status Flush() = 0;
  // A write or flush failed with NoSpace (the disk is full): nothing of it was applied, and the
  // store refuses writes until it recovers. Resume asks it to recover now (it also does so by
  // itself once space is back); OK or Busy (a recovery is under way) mean "retry the write".
  virtual Status Resume() = 0;

  // --- snapshots (docs/snapshot_format.md) ---

  // A consistent read-only view of the whole store as of one applied index: every key in key
  // order, then every sub-key in sub-key order as records of type ValueType::kSubKey (key = the
  // encoded sub-key, payload = its value, expire_ms and version 0). A RocksDB snapshot plus an
  // iterator: nothing is copied; memory stays bounded however large the store. Live writes
  // continue meanwhile and are not seen; stale sub-keys are not reclaimed while a view is open.
  // Used on the thread that applies.
  class SnapshotView {
   public:
    virtual ~SnapshotView() = default;
    virtual uint64_t applied_index() const = 0;  // the state the view shows
    virtual uint64_t key_count() const = 0;  // keys only, sub-key records not counted
    virtual int64_t log_time_ms() const = 0;
    virtual bool Valid() const = 0;
    virtual std::string_view key() const = 0;    // REQUIRES: Valid(); valid until Next()
    virtual Status value(Value* out) const = 0;  // REQUIRES: Valid()
    virtual void Next() = 0;
    virtual Status status() const = 0;          // a read error ends the iteration (!Valid())
  };
  virtual std::unique_ptr<SnapshotView> NewSnapshotView() = 0;

  // Staged install of a received snapshot. Records are written into a staging area beside the
  // live data (never held in memory whole), then StageInstall switches the store to it and its
  // applied index in one atomic, durable step: a crash before the switch leaves the old state
  // (Open clears a leftover staging area), after it the new one, never a mix. Reads and applies
  // keep using the live data until the switch. One staging at a time; same thread as the writes.
  //   StageBegin      empties the staging area (discarding any earlier unfinished staging)
  //   StagePut        adds a record to the pending staging batch (keys in any order, unique);
  //                   a record of type kSubKey is a raw sub-key (see SnapshotView)
  //   StageWrite      writes the pending batch into the staging area (bounded memory per call)
  //   StageInstall    StageWrite, then make the staging area the live data with this applied
  //                   index, key count and log time, durably (flushed); the old data is cleared
  //   StageAbort      empties the staging area
  virtual Status StageBegin() = 0;
  virtual void StagePut(std::string_view key, const Value& v) = 0;
  virtual Status StageWrite() = 0;
  virtual Status StageInstall(uint64_t applied_index, uint64_t key_count, int64_t log_time_ms) = 0;
  virtual Status StageAbort() = 0;

  // --- introspection for INFO ---
  // The dataset's logical size (KeyCharge summed over every key of every database) as of the
  // last commit; maintained at apply, persisted with the key counts.
  virtual uint64_t DatasetBytes() const { return 0; }
  virtual uint64_t ApproximateMemoryBytes() = 0;
  virtual uint64_t ApproximateDiskBytes() = 0;
  // The engine's figures that matter to an operator (memtables, block cache, compaction debt,
  // write stalls); any thread.
  virtual std::vector<EngineFigure> EngineFigures() { return {}; }
  // Stale sub-keys dropped by the compaction filter since the store was opened.
  virtual uint64_t StaleSubKeysDropped() const = 0;
  // Compacts everything now (tests; reclaims stale sub-keys).
  virtual Status CompactAll() = 0;
};

}  // namespace redraft::store
