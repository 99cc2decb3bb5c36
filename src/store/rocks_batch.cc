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

// One group of entries' changes, readable before commit.
//
// Metadata records ("meta") are kept in meta_, the batch's overlay: each key the batch touched,
// with its physical presence and, if the batch wrote it, its latest record (in records_, an
// append-only buffer). Reads of a key look in meta_ first, then the store's caches (ReadCache,
// known_), then RocksDB -- all of which show the state as of the last commit, which is what the
// batch builds on. Commit writes each written key's final record once, in key order, after
// everything else of the batch (EmitMeta): a key set many times in one group costs one memtable
// insert, and sorted inserts let RocksDB's skiplist reuse the previous insert's search path
// (the memtable insert was ~25 % of a SET's CPU). Nothing scans "meta" through a batch, so the
// records need no index. Sub-keys go through the WriteBatchWithIndex wb_, whose ordered index
// ScanSub needs; Commit writes them from that index, in key order too (Emit).
//
// DeleteAll and DeleteDb are range tombstones written straight into the underlying WriteBatch
// (WriteBatchWithIndex cannot index DeleteRange). DeleteAll first drops every earlier change of
// the batch, then sets all_deleted_ so later reads skip the database; DeleteDb marks the
// database's keys in meta_ absent and later reads of the database skip the DB (db_flushed_).
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
    MetaEntry& m = Entry(key);
    if (m.written) {
      if (m.presence == kAbsent) return Status::NotFound("");
      return DecodeValue(Record(m), out);
    }
    if (m.known && m.presence == kAbsent) return Status::NotFound("");
    // Unknown or present: the record as of the last commit (known_ holds absent keys only).
    const bool known_absent = !m.known && !store_->known_.empty() && store_->known_.count(key) != 0;
    m.known = true;
    if (all_deleted_ || Flushed(key) || known_absent) {
      m.presence = kAbsent;
      m.charge = 0;
      return Status::NotFound("");
    }
    if (store_->cache_->Lookup(key, out, &m.hint)) {
      m.presence = out->expire_ms != 0 ? kVolatile : kPresent;
      m.charge = KeyCharge(key.size(), *out);
      return Status::OK();
    }
    rocksdb::PinnableSlice raw;
    rocksdb::Status s = store_->db_->Get(rocksdb::ReadOptions(), store_->meta_, ToSlice(key), &raw);
    if (s.IsNotFound()) {
      m.presence = kAbsent;
      m.charge = 0;
      return Status::NotFound("");
    }
    if (!s.ok()) return FromRocks(s);
    m.presence = PresenceOf(std::string_view(raw.data(), raw.size()));
    m.charge = RecordCharge(key.size(), std::string_view(raw.data(), raw.size()));
    return DecodeValue(std::string_view(raw.data(), raw.size()), out);
  }

  void Put(std::string_view key, const Value& v) override {
    Presence now = v.expire_ms != 0 ? kVolatile : kPresent;
    MetaEntry& m = Entry(key);
    Account(key, Known(key, m), now);
    const uint64_t charge = KeyCharge(key.size(), v);
    db_bytes_delta_[DbOf(key)] += static_cast<int64_t>(charge) - static_cast<int64_t>(m.charge);
    m.charge = charge;
    m.presence = now;
    m.written = true;
    m.record_off = records_.size();
    EncodeValue(v, &records_);  // appends
    m.record_len = static_cast<uint32_t>(records_.size() - m.record_off);
  }

  void Delete(std::string_view key) override {
    MetaEntry& m = Entry(key);
    Presence was = Known(key, m);
    if (was == kAbsent) return;
    Account(key, was, kAbsent);
    db_bytes_delta_[DbOf(key)] -= static_cast<int64_t>(m.charge);
    m.charge = 0;
    m.presence = kAbsent;
    m.written = true;
  }

  void DeleteAll() override {
    wb_.Clear();
    meta_.clear();
    records_.clear();
    all_deleted_ = true;
    db_delta_.fill(0);
    db_expires_delta_.fill(0);
    db_bytes_delta_.fill(0);
    db_flushed_.reset();
    map_ = IdentityDbMap();  // the map record goes with the sub-keys; every database is empty
    map_changed_ = true;
    // (Every range delete's begin key must stay outside rocks_store.cc's OneInsertHint domain.)
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
        if (begin.compare(end) < 0) {
          wb_.GetWriteBatch()->DeleteRange(cf, begin, end);
          range_deleted_ = true;
        }
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

  Status ScanSubBefore(std::string_view key, uint64_t version, std::string_view before, const SubKeyFn& fn) override {
    std::string prefix = SubKeyPrefix(key, version);
    rocksdb::Slice lower(prefix);
    rocksdb::ReadOptions ro;
    ro.iterate_lower_bound = &lower;
    rocksdb::Iterator* base = all_deleted_ || Flushed(key) ? rocksdb::NewEmptyIterator()
                                                           : store_->db_->NewIterator(ro, store_->sub_);
    std::unique_ptr<rocksdb::Iterator> it(wb_.NewIteratorWithBase(store_->sub_, base, &ro));
    return ScanSubBeforeWith(it.get(), prefix, before, fn);
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
    range_deleted_ = true;
    // The range delete covers every record of the database written earlier in the batch: they
    // read as absent now, and must not reach the read cache (publishing them as deleted is right).
    for (auto& [k, m] : meta_) {
      if (DbOf(k) != p || k.empty()) continue;
      m.presence = kAbsent;
      m.charge = 0;
      m.written = true;
    }
    db_delta_[p] = 0;
    db_expires_delta_[p] = 0;
    db_bytes_delta_[p] = 0;
    db_flushed_.set(p);
  }

  // For Commit: the WriteBatch to write, with every change of the batch (Emit). Once: a commit
  // retried after a full disk writes the same batch again.
  //
  // Every record goes to the memtable in key order per column family: the skiplist insert reuses
  // the previous insert's search path (splice) when the next key sorts after it, and searches from
  // the top otherwise. The insert was 25-45 % of a write's CPU (SET, XADD at -P16), so the order
  // matters. The sub-keys reach the WriteBatchWithIndex in command order; its index holds each
  // sub-key's final change once (overwrite_key), in key order, so they are emitted from the index
  // into a fresh WriteBatch (sorted_), followed by the metadata records (EmitMeta). A batch that
  // wrote a range delete (DeleteAll, DeleteDb) is written as built instead: the range deletes,
  // which the index does not hold, must stay before the changes after them.
  rocksdb::WriteBatch* Emit() {
    if (emitted_) return out_;
    emitted_ = true;
    if (range_deleted_) {
      out_ = wb_.GetWriteBatch();
    } else {
      out_ = &sorted_;
      std::unique_ptr<rocksdb::WBWIIterator> it(wb_.NewIterator(store_->sub_));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const rocksdb::WriteEntry e = it->Entry();
        if (e.type == rocksdb::kPutRecord) {
          sorted_.Put(store_->sub_, e.key, e.value);
        } else if (e.type == rocksdb::kDeleteRecord) {
          sorted_.Delete(store_->sub_, e.key);
        } else {
          REDRAFT_PANIC("unexpected record type in a store batch");
        }
      }
      if (!it->status().ok()) REDRAFT_PANIC("store batch index: " + it->status().ToString());
    }
    EmitMeta(out_);
    return out_;
  }
  // Appends every written key's final record (or a delete) to wb, in key order. After every
  // range delete of the batch, so they win over them, as the overlay says.
  void EmitMeta(rocksdb::WriteBatch* wb) {
    std::vector<const std::pair<const std::string, MetaEntry>*> out;
    out.reserve(meta_.size());
    for (const auto& e : meta_) {
      if (e.second.written) out.push_back(&e);
    }
    std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    for (const auto* e : out) {
      if (e->second.presence == kAbsent) {
        wb->Delete(store_->meta_, ToSlice(e->first));
      } else {
        wb->Put(store_->meta_, ToSlice(e->first), ToSlice(Record(e->second)));
      }
    }
  }
  // After a successful commit: what this batch learned about key existence, and the records it
  // wrote, are now the truth.
  //
  // known_ remembers the keys found or made absent (present ones are in the read cache, or
  // cheap to look up); it is cleared by range deletes and when it would grow past kKnownMax.
  // The cache holds stored keys: a range delete (FLUSHALL, FLUSHDB) removed records it may hold
  // without naming them, so it is cleared; meta_ holds each key's final state in the batch (a
  // DeleteAll emptied it, a DeleteDb marked its database's keys deleted), so publishing it
  // afterwards is right. A SWAPDB changes no stored key (the map moves), yet the cache is cleared
  // too: cheap, and no reader can then hold a record through a stale logical-to-physical mapping.
  void PublishCommitted() {
    auto& known = store_->known_;
    if (all_deleted_ || db_flushed_.any() || known.size() + meta_.size() > kKnownMax) known.clear();
    ReadCache& cache = *store_->cache_;
    if (all_deleted_ || db_flushed_.any() || map_changed_) cache.Clear();
    for (auto& [k, m] : meta_) {
      if (m.presence == kAbsent) {
        known.insert_or_assign(k, kAbsent);
      } else if (!known.empty()) {
        if (auto it = known.find(k); it != known.end()) known.erase(it);
      }
      if (!m.written) continue;
      if (m.presence == kAbsent) {
        cache.Erase(k);
        continue;
      }
      RecordFields f;
      REDRAFT_CHECK(ParseRecord(Record(m), &f));
      cache.Put(k, f.type, f.expire_ms, f.version, f.stamp, f.payload, m.hint);
    }
  }
  // The key and expiry counts of every physical database after this batch; false if none changed.
  // *bytes_changed: whether a database's logical size (DatasetBytes) changed.
  bool NewDbKeyCounts(DbCounts* out, bool* bytes_changed) const {
    bool changed = all_deleted_;
    *bytes_changed = all_deleted_;
    for (size_t p = 0; p < out->keys.size(); p++) {
      bool reset = all_deleted_ || db_flushed_[p];
      int64_t keys = reset ? 0 : static_cast<int64_t>(store_->db_counts_.keys[p]);
      int64_t expires = reset ? 0 : static_cast<int64_t>(store_->db_counts_.expires[p]);
      out->keys[p] = static_cast<uint64_t>(keys + db_delta_[p]);
      out->expires[p] = static_cast<uint64_t>(expires + db_expires_delta_[p]);
      changed |= out->keys[p] != store_->db_counts_.keys[p] || out->expires[p] != store_->db_counts_.expires[p];
      int64_t bytes = reset ? 0 : static_cast<int64_t>(store_->db_counts_.bytes[p]);
      out->bytes[p] = static_cast<uint64_t>(bytes + db_bytes_delta_[p]);
      *bytes_changed |= out->bytes[p] != store_->db_counts_.bytes[p];
    }
    return changed;
  }
  bool all_deleted() const { return all_deleted_; }
  bool map_changed() const { return map_changed_; }
  const DbMap& map() const { return map_; }

 private:
  bool Flushed(std::string_view key) const { return !key.empty() && db_flushed_[DbOf(key)]; }

  // Key and expiry counts of key's database for a change of its presence.
  void Account(std::string_view key, Presence from, Presence to) {
    const uint8_t p = DbOf(key);
    db_delta_[p] += (to != kAbsent) - (from != kAbsent);
    db_expires_delta_[p] += (to == kVolatile) - (from == kVolatile);
  }

  // What the batch knows of a metadata key: its physical presence as of the batch's changes so
  // far (unknown until Known() or a read looked), and whether the batch wrote it (its latest
  // record then lies at [record_off, record_off + record_len) of records_; a written key that is
  // absent is deleted by the batch).
  struct MetaEntry {
    Presence presence = kAbsent;
    bool known = false;
    bool written = false;
    uint32_t record_len = 0;
    uint64_t charge = 0;  // KeyCharge of the key as of the batch's changes (0 when absent); set with presence
    size_t record_off = 0;
    ReadCache::Hint hint;  // where the read cache held the key when the batch looked (PublishCommitted)
  };

  MetaEntry& Entry(std::string_view key) {
    auto it = meta_.find(key);
    if (it == meta_.end()) it = meta_.emplace(std::string(key), MetaEntry{}).first;
    return it->second;
  }

  std::string_view Record(const MetaEntry& m) const {
    return std::string_view(records_).substr(m.record_off, m.record_len);
  }

  // Whether key is physically present (and with an expiry) as of the batch's changes so far:
  // from m if known, else the store's caches, else RocksDB (no copy of a large value just to
  // learn it exists). Commands usually read a key before writing it, which settles it.
  Presence Known(std::string_view key, MetaEntry& m) {
    if (m.known || m.written) return m.presence;
    m.known = true;
    if (all_deleted_ || Flushed(key)) return m.presence = kAbsent;
    if (!store_->known_.empty()) {  // (an empty map still hashes the key on find)
      if (auto it = store_->known_.find(key); it != store_->known_.end()) {
        return m.presence = static_cast<Presence>(it->second);  // known_ holds absent keys: charge 0
      }
    }
    int64_t expire_ms = 0;
    if (store_->cache_->Probe(key, &expire_ms, &m.charge, &m.hint)) return m.presence = expire_ms != 0 ? kVolatile : kPresent;
    rocksdb::PinnableSlice pinned;
    rocksdb::Status s = store_->db_->Get(rocksdb::ReadOptions(), store_->meta_, ToSlice(key), &pinned);
    if (!s.ok() && !s.IsNotFound()) REDRAFT_PANIC("store read failed: " + s.ToString());
    if (!s.ok()) return m.presence = kAbsent;
    m.charge = RecordCharge(key.size(), std::string_view(pinned.data(), pinned.size()));
    return m.presence = PresenceOf(std::string_view(pinned.data(), pinned.size()));
  }

  RocksStore* store_;
  rocksdb::WriteBatchWithIndex wb_;
  bool all_deleted_ = false;
  std::array<int64_t, 256> db_delta_{};  // key count change per physical database
  std::bitset<256> db_flushed_;          // physical databases deleted by DeleteDb
  DbMap map_;                            // logical -> physical, as of this batch
  bool map_changed_ = false;
  std::array<int64_t, 256> db_expires_delta_{};  // change of the keys with an expiry, per database
  std::array<int64_t, 256> db_bytes_delta_{};    // change of the logical size (KeyCharge), per database
  std::unordered_map<std::string, MetaEntry, KeyHash, std::equal_to<>> meta_;  // the overlay (above)
  std::string records_;  // the encoded metadata records written, back to back
  bool emitted_ = false;  // Emit ran (the batch is being committed: no more changes)
  bool range_deleted_ = false;       // wb_ holds a range delete (DeleteAll, DeleteDb): Emit keeps its order
  rocksdb::WriteBatch sorted_;       // Emit's sorted copy of the changes
  rocksdb::WriteBatch* out_ = nullptr;  // what Emit returned
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
  bool bytes_changed = false;
  bool counts_changed = b->NewDbKeyCounts(&db_counts, &bytes_changed);
  uint64_t count = std::accumulate(db_counts.keys.begin(), db_counts.keys.end(), uint64_t{0});
  rocksdb::WriteBatch* wb = b->Emit();
  int64_t log_time = std::max(log_time_ms_, pending_log_time_ms_);
  wb->Put(state_, kAppliedKey, EncodeApplied(index, count, log_time));
  if (counts_changed) wb->Put(state_, kDbKeysKey, EncodeDbKeys(db_counts));
  if (bytes_changed) wb->Put(state_, kDbBytesKey, EncodeDbBytes(db_counts));
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
