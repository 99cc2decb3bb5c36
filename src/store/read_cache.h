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
//   - Bounded: two generations of at most budget/2 bytes each (key + payload + a fixed overhead
//     per entry). Puts go to the young generation; when it is full the old one is dropped and the
//     young one becomes old. A lookup that hits the old generation moves the entry to the young
//     one, so a key read often stays cached. Records with a payload larger than kMaxPayload are
//     not cached (erased instead).
//   - Thread-safe (one mutex): Lookup may run on any thread, Put/Erase/Clear on the applier.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.h"

namespace redraft::store {

class ReadCache {
 public:
  static constexpr size_t kMaxPayload = 16 << 10;
  static constexpr size_t kEntryOverhead = 128;  // node, bucket, Value, string headers, malloc rounding

  explicit ReadCache(size_t budget_bytes) : half_budget_(budget_bytes / 2) {}

  // Copies the cached record of key into *out; false if key is not cached (which says nothing
  // about whether it exists).
  bool Lookup(std::string_view key, Value* out);
  // The committed record of key is now v.
  void Put(std::string_view key, const Value& v);
  // key was deleted.
  void Erase(std::string_view key);
  void Clear();

  size_t bytes() const;
  size_t entries() const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, Value, Hash, std::equal_to<>>;
  static size_t Charge(std::string_view key, const Value& v) { return key.size() + v.payload.size() + kEntryOverhead; }
  // REQUIRES: mu_ held.
  void InsertYoung(std::string key, Value v);
  void EraseLocked(std::string_view key);

  const size_t half_budget_;
  mutable std::mutex mu_;
  Map young_, old_;
  size_t young_bytes_ = 0, old_bytes_ = 0;
};

}  // namespace redraft::store
