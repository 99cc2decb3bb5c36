// ReadCache: the metadata records (store::Value) of recently written keys of the live data slot,
// so that reading a hot or just-written key is one hash lookup.
//
// Why: without it a GET searches RocksDB's memtable skiplist, whose cost grows with the number of
// entries in it (every overwrite adds one; ~25 cache-missing node visits at a few 100k entries),
// and then, for keys flushed since, the SST files. The profile of GET -P 16 put ~70 % of the
// server's CPU in DB::Get, two thirds of it in the skiplist.
//
// Contract:
//   - Write-through only: RocksStore::Commit puts every key its batch wrote (or erases every key
//     it deleted) after the write reached RocksDB; reads never fill the cache. So an entry is
//     always the key's latest committed record: nothing is ever stale, and there is no
//     read-fill race with a concurrent commit.
//   - Whatever replaces the live data wholesale (DeleteAll's range tombstone, StageInstall's slot
//     switch) calls Clear().
//   - Bounded: two generations of at most budget/2 bytes each (key + payload + kEntryOverhead
//     per entry). Puts go to the young generation; when it is full the old one is dropped and the
//     young one becomes old. A lookup that hits the old generation moves the entry to the young
//     one, so a key read often stays cached. Records with a payload larger than kMaxPayload are
//     not cached (erased instead).
//   - Thread-safe (one mutex): Lookup may run on any thread, Put/Erase/Clear on the applier.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace redraft::store {

// What a Lookup or Probe found, for a later Put of the same key (the batch's write of a key it
// checked): that Put then needs no hash and no table search. Valid while the cache's epoch is
// unchanged: the epoch moves whenever an entry is freed or changes generation (a removal, a
// rotation, Clear), so an unchanged epoch means the entry still lives, under the same key, in
// the young generation where it was found. A stale or empty hint only costs the search.
struct ReadCacheHint {
  const void* entry = nullptr;  // a young entry; null: none
  uint64_t epoch = 0;
};

class ReadCache {
 public:
  static constexpr size_t kMaxPayload = 16 << 10;
  // Besides key and payload: the 40-byte header, malloc's rounding, and 2-4 table slots of 16
  // bytes (the table is kept between 1/4 and 1/2 full).
  static constexpr size_t kEntryOverhead = 96;

  using Hint = ReadCacheHint;

  explicit ReadCache(size_t budget_bytes) : half_budget_(budget_bytes / 2) {}
  ~ReadCache();
  ReadCache(const ReadCache&) = delete;
  ReadCache& operator=(const ReadCache&) = delete;

  // Copies the cached record of key into *out; false if key is not cached (which says nothing
  // about whether it exists).
  bool Lookup(std::string_view key, Value* out, Hint* hint = nullptr);
  // Like Lookup, without copying the record: whether key is cached and, if so, its expiry.
  // (The batch's existence check, which keeps the key counts exact, needs no more.)
  bool Probe(std::string_view key, int64_t* expire_ms);
  // The same, also giving the record's KeyCharge (docs/memory.md) when cached.
  bool Probe(std::string_view key, int64_t* expire_ms, uint64_t* charge, Hint* hint = nullptr);
  // The committed record of key is now v.
  void Put(std::string_view key, const Value& v);
  void Put(std::string_view key, ValueType type, int64_t expire_ms, uint64_t version, uint64_t stamp,
           std::string_view payload, const Hint& hint = Hint{});
  // key was deleted.
  void Erase(std::string_view key);
  void Clear();

  size_t bytes() const;
  size_t entries() const;

 private:
  // One allocation per record: this header, then the key bytes, then the payload bytes. A lookup
  // touches one table slot and one entry (random memory accesses are what a read costs here:
  // TLB and cache misses, not instructions).
  struct Entry {
    int64_t expire_ms;
    uint64_t version;
    uint64_t stamp;  // Value::stamp
    uint32_t key_len, payload_len;
    ValueType type;
    const char* key() const { return reinterpret_cast<const char*>(this + 1); }
    const char* payload() const { return key() + key_len; }
    size_t charge() const { return key_len + payload_len + kEntryOverhead; }
  };
  // An open-addressing table (linear probing, backward-shift deletion, at most half full).
  struct Table {
    struct Slot {
      uint64_t hash = 0;
      Entry* entry = nullptr;  // null: empty
    };
    std::vector<Slot> slots;  // size a power of two (or 0)
    size_t size = 0, bytes = 0;
    ~Table() { Clear(); }
    Table() = default;
    Table(Table&& o) noexcept;
    Table& operator=(Table&& o) noexcept;
    // The slot holding key, or -1.
    ptrdiff_t Find(uint64_t hash, std::string_view key) const;
    void Insert(uint64_t hash, Entry* e);  // REQUIRES: key not present
    Entry* Remove(size_t i);               // the caller frees it
    void Clear();
  };
  static uint64_t Hash(std::string_view key);
  static Entry* NewEntry(std::string_view key, ValueType type, int64_t expire_ms, uint64_t version, uint64_t stamp,
                         std::string_view payload);
  static void FreeEntry(Entry* e);
  // REQUIRES: mu_ held.
  // Inserts e into the young generation (rotating first if it is full); false if e was freed
  // instead (larger than a generation).
  bool InsertYoung(uint64_t hash, Entry* e);
  void EraseLocked(uint64_t hash, std::string_view key);

  // REQUIRES: mu_ held. The hint for young entry e.
  Hint HintFor(const Entry* e) const { return Hint{e, epoch_}; }

  const size_t half_budget_;
  mutable std::mutex mu_;
  Table young_, old_;
  uint64_t epoch_ = 1;  // see Hint; moved by every removal, rotation and Clear (under mu_)
};

}  // namespace redraft::store
