// RocksStore's write side: BatchImpl (one group of entries' changes, readable before commit) and
// Commit/NewBatch, which publish what a committed batch learned to the store's caches.
#include <rocksdb/utilities/write_batch_with_index.h>

#include <algorithm>
#include <bitset>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <utility>

#include "common/coding.h"
#include "store/rocks_store.h"
#include "store/rocks_store_internal.h"

namespace redraft::store {

using namespace internal;

// One entry's changes, indexed so reads see them. DeleteAll is a range tombstone written straight
// into the underlying WriteBatch (WriteBatchWithIndex cannot index DeleteRange): it first drops
// every earlier change of the batch, then sets all_deleted_ so later reads skip the database.
class RocksStore::BatchImpl : public Store::Batch {
 public:
  explicit BatchImpl(RocksStore* store)
      : store_(store), wb_(rocksdb::BytewiseComparator(), 0, true), map_(store->db_map_) {}

  Status Get(std::string_view key, int64_t now_ms, Value* out) override {
    REDRAFT_RETURN_IF_ERROR(GetRaw(key, out));
    if (IsExpired(*out, now_ms)) return Status::NotFound("expired");
    return Status::OK();
  }

  Status GetRaw(std::string_view key, Value* out) override {
    std::string raw;
    REDRAFT_RETURN_IF_ERROR(ReadRaw(key, &raw));
    return DecodeValue(raw, out);
  }

  void Put(std::string_view key, const Value& v) override {
    Presence now = v.expire_ms != 0 ? kVolatile : kPresent;
    Account(key, Lookup(key), now);
    buf_.clear();
    EncodeValue(v, &buf_);
    wb_.Put(store_->meta_, ToSlice(key), buf_);
    exists_[std::string(key)] = now;
    written_.emplace_back(std::string(key), v);
  }

  void Delete(std::string_view key) override {
    Presence was = Lookup(key);
    if (was == kAbsent) return;
    Account(key, was, kAbsent);
    wb_.Delete(store_->meta_, ToSlice(key));
    exists_[std::string(key)] = kAbsent;
    written_.emplace_back(std::string(key), std::nullopt);
  }

  void DeleteAll() override {
    wb_.Clear();
    exists_.clear();
    written_.clear();
    all_deleted_ = true;
    db_delta_.fill(0);
    db_expires_delta_.fill(0);
    db_flushed_.reset();
    map_ = IdentityDbMap();  // the map record goes with the sub-keys; every database is empty
    map_changed_ = true;
    // Range [smallest possible key, last key + "\0") covers every key now in the database. The
    // end key is computed from the database state, identical on every replica.
    // The sub-keys of key "" version 0 (the system namespace: ACL users) are state, not data:
    // they sort first in "sub" and the range starts after them.
    const std::string system_end = PrefixEnd(SubKeyPrefix("", 0));
    for (auto* cf : {store_->meta_, store_->sub_}) {
      std::unique_ptr<rocksdb::Iterator> it(store_->db_->NewIterator(rocksdb::ReadOptions(), cf));
      it->SeekToLast();
      if (it->Valid()) {
        std::string end = it->key().ToString();
        end.push_back('\0');
        rocksdb::Slice begin = cf == store_->sub_ ? rocksdb::Slice(system_end) : rocksdb::Slice();
        if (begin.compare(end) < 0) wb_.GetWriteBatch()->DeleteRange(cf, begin, end);
      }
    }
  }

  Status GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) override {
    std::string sk = EncodeSubKey(key, version, field);
    rocksdb::Status s;
    if (all_deleted_ || Flushed(key)) {
      s = wb_.GetFromBatch(store_->sub_, rocksdb::DBOptions(), sk, out);
    } else {
      s = wb_.GetFromBatchAndDB(store_->db_.get(), rocksdb::ReadOptions(), store_->sub_, sk, out);
    }
    return FromRocks(s);
  }

  void PutSub(std::string_view key, uint64_t version, std::string_view field, std::string_view value) override {
    std::string sk = EncodeSubKey(key, version, field);
    if (sk == DbMapKey()) {
      // The map record itself (a snapshot restored through a batch): it is the mapping now.
      DbMap m;
      if (!DecodeDbMap(value, &m).ok()) REDRAFT_PANIC("restoring a bad database map record");
      map_ = m;
      map_changed_ = true;
    }
    wb_.Put(store_->sub_, sk, ToSlice(value));
  }

  void DeleteSub(std::string_view key, uint64_t version, std::string_view field) override {
    wb_.Delete(store_->sub_, EncodeSubKey(key, version, field));
  }

  Status ScanSub(std::string_view key, uint64_t version, std::string_view start, const SubKeyFn& fn) override {
    std::string prefix = SubKeyPrefix(key, version);
    std::string end = PrefixEnd(prefix);
    rocksdb::Slice upper(end);
    rocksdb::ReadOptions ro;
    if (!end.empty()) ro.iterate_upper_bound = &upper;
    rocksdb::Iterator* base = all_deleted_ || Flushed(key) ? rocksdb::NewEmptyIterator()
                                           : store_->db_->NewIterator(ro, store_->sub_);
    std::unique_ptr<rocksdb::Iterator> it(wb_.NewIteratorWithBase(store_->sub_, base, &ro));
    return ScanSubWith(it.get(), prefix, start, fn);
  }

  uint8_t PhysicalDb(int db) override {
    REDRAFT_CHECK(db >= 0 && db < kMaxDatabases);
    return map_[db];
  }

  void SwapDbs(int a, int b) override {
    REDRAFT_CHECK(a >= 0 && a < kMaxDatabases && b >= 0 && b < kMaxDatabases);
    std::swap(map_[a], map_[b]);
    map_changed_ = true;
    wb_.Put(store_->sub_, DbMapKey(), rocksdb::Slice(reinterpret_cast<const char*>(map_.data()), map_.size()));
  }

  // A range tombstone over the database's metadata records, written straight into the
  // underlying WriteBatch (as DeleteAll does). The index cannot see it, so every key of the
  // database this batch wrote is also deleted through the index, and later reads of the
  // database skip the DB (db_flushed_). Its sub-keys are left to the compaction filter.
  void DeleteDb(int db) override {
    const uint8_t p = PhysicalDb(db);
    wb_.GetWriteBatch()->DeleteRange(store_->meta_, std::string(1, static_cast<char>(p)),
                                     std::string(1, static_cast<char>(p + 1)));
    for (auto& [k, e] : exists_) {
      if (DbOf(k) != p || k.empty()) continue;
      if (e != kAbsent) wb_.Delete(store_->meta_, ToSlice(k));
      e = kAbsent;
    }
    // Records of the database written before the range delete must not reach the read cache.
    std::erase_if(written_, [&](const auto& w) { return !w.first.empty() && DbOf(w.first) == p; });
    db_delta_[p] = 0;
    db_expires_delta_[p] = 0;
    db_flushed_.set(p);
  }

  // For Commit.
  rocksdb::WriteBatch* write_batch() { return wb_.GetWriteBatch(); }
  // After a successful commit: what this batch learned about key existence, and the records it
  // wrote, are now the truth.
  void PublishCommitted() {
    auto& known = store_->known_;
    if (all_deleted_ || db_flushed_.any() || known.size() + exists_.size() > kKnownMax) known.clear();
    for (auto& [k, e] : exists_) known[k] = e;  // a Presence
    // The cache holds stored keys: a range delete (FLUSHALL, FLUSHDB) removed records it may hold
    // without naming them, so it is cleared; written_ holds only what followed the last range
    // delete of each database (DeleteAll, DeleteDb), so replaying it afterwards is right. A SWAPDB
    // changes no stored key (the map moves), yet the cache is cleared too: cheap, and no reader
    // can then hold a record through a stale logical-to-physical mapping.
    ReadCache& cache = *store_->cache_;
    if (all_deleted_ || db_flushed_.any() || map_changed_) cache.Clear();
    for (auto& [k, v] : written_) {
      if (v) {
        cache.Put(k, *v);
      } else {
        cache.Erase(k);
      }
    }
  }
  // The key and expiry counts of every physical database after this batch; false if none changed.
  bool NewDbKeyCounts(DbCounts* out) const {
    bool changed = all_deleted_;
    for (size_t p = 0; p < out->keys.size(); p++) {
      bool reset = all_deleted_ || db_flushed_[p];
      int64_t keys = reset ? 0 : static_cast<int64_t>(store_->db_counts_.keys[p]);
      int64_t expires = reset ? 0 : static_cast<int64_t>(store_->db_counts_.expires[p]);
      out->keys[p] = static_cast<uint64_t>(keys + db_delta_[p]);
      out->expires[p] = static_cast<uint64_t>(expires + db_expires_delta_[p]);
      changed |= out->keys[p] != store_->db_counts_.keys[p] || out->expires[p] != store_->db_counts_.expires[p];
    }
    return changed;
  }
  bool all_deleted() const { return all_deleted_; }
  bool map_changed() const { return map_changed_; }
  const DbMap& map() const { return map_; }

 private:
  bool Flushed(std::string_view key) const { return !key.empty() && db_flushed_[DbOf(key)]; }

  Status ReadRaw(std::string_view key, std::string* raw) {
    rocksdb::Status s;
    if (all_deleted_ || Flushed(key)) {
      s = wb_.GetFromBatch(store_->meta_, rocksdb::DBOptions(), ToSlice(key), raw);
    } else {
      s = wb_.GetFromBatchAndDB(store_->db_.get(), rocksdb::ReadOptions(), store_->meta_, ToSlice(key), raw);
    }
    if (s.ok() || s.IsNotFound()) exists_[std::string(key)] = s.ok() ? PresenceOf(*raw) : kAbsent;
    return FromRocks(s);
  }

  // Key and expiry counts of key's database for a change of its presence.
  void Account(std::string_view key, Presence from, Presence to) {
    const uint8_t p = DbOf(key);
    db_delta_[p] += (to != kAbsent) - (from != kAbsent);
    db_expires_delta_[p] += (to == kVolatile) - (from == kVolatile);
  }

  // Whether key is physically present (and with an expiry) as of the batch's changes so far.
  // Commands read a key before writing it, so the answer is usually cached by that read.
  Presence Lookup(std::string_view key) {
    std::string k(key);
    if (auto it = exists_.find(k); it != exists_.end()) return it->second;
    const bool skip_db = all_deleted_ || Flushed(key);
    if (!skip_db) {
      if (auto it = store_->known_.find(k); it != store_->known_.end()) {
        Presence p = static_cast<Presence>(it->second);
        exists_.emplace(std::move(k), p);
        return p;
      }
    }
    rocksdb::Status s;
    Presence found = kAbsent;
    if (skip_db) {
      std::string raw;
      s = wb_.GetFromBatch(store_->meta_, rocksdb::DBOptions(), ToSlice(key), &raw);
      if (s.ok()) found = PresenceOf(raw);
    } else {
      rocksdb::PinnableSlice pinned;  // no copy of a large value just to learn it exists
      s = wb_.GetFromBatchAndDB(store_->db_.get(), rocksdb::ReadOptions(), store_->meta_, ToSlice(key), &pinned);
      if (s.ok()) found = PresenceOf(std::string_view(pinned.data(), pinned.size()));
    }
    if (!s.ok() && !s.IsNotFound()) REDRAFT_PANIC("store read failed: " + s.ToString());
    exists_[std::string(key)] = found;
    return found;
  }

  RocksStore* store_;
  rocksdb::WriteBatchWithIndex wb_;
  bool all_deleted_ = false;
  std::array<int64_t, 256> db_delta_{};  // key count change per physical database
  std::bitset<256> db_flushed_;          // physical databases deleted by DeleteDb
  DbMap map_;                            // logical -> physical, as of this batch
  bool map_changed_ = false;
  std::string buf_;
  std::array<int64_t, 256> db_expires_delta_{};  // change of the keys with an expiry, per database
  std::unordered_map<std::string, Presence> exists_;  // physical presence, as of this batch
  std::vector<std::pair<std::string, std::optional<Value>>> written_;  // meta Puts/Deletes, in order
};

// ---------------------------------------------------------------------------------------------
// Commit

std::unique_ptr<Store::Batch> RocksStore::NewBatch() { return std::make_unique<BatchImpl>(this); }

Status RocksStore::Commit(Batch* batch, uint64_t index) {
  if (index <= applied_index_) {
    return Status::InvalidArgument("commit index " + std::to_string(index) + " <= applied index " +
                                   std::to_string(applied_index_));
  }
  auto* b = static_cast<BatchImpl*>(batch);
  DbCounts db_counts;
  bool counts_changed = b->NewDbKeyCounts(&db_counts);
  uint64_t count = std::accumulate(db_counts.keys.begin(), db_counts.keys.end(), uint64_t{0});
  rocksdb::WriteBatch* wb = b->write_batch();
  int64_t log_time = std::max(log_time_ms_, pending_log_time_ms_);
  wb->Put(state_, kAppliedKey, EncodeApplied(index, count, log_time));
  if (counts_changed) wb->Put(state_, kDbKeysKey, EncodeDbKeys(db_counts));
  REDRAFT_RETURN_IF_ERROR(FromRocks(db_->Write(write_opts_, wb)));
  applied_index_ = index;
  log_time_ms_ = log_time;
  key_count_ = count;
  db_counts_ = db_counts;
  if (b->map_changed()) db_map_ = b->map();
  b->PublishCommitted();
  return Status::OK();
}

}  // namespace redraft::store
