#include "store/rocks_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <utility>

#include "common/coding.h"
#include "store/rocks_logger.h"

namespace redraft::store {
namespace {

constexpr size_t kValueHeader = 1 + 8 + 8;
constexpr char kAppliedKey[] = "applied";
constexpr char kActiveKey[] = "active";
constexpr char kFormatKey[] = "format";
constexpr char kDbKeysKey[] = "dbkeys";
// The key format: 2 = keys qualified by their database. Stores from before (no "format" record
// and at least one key) hold unqualified keys and are refused (docs/data_model.md "Databases").
constexpr uint32_t kFormatDatabases = 2;
constexpr char kDbMapField[] = "dbmap";
constexpr const char* kSlotNames[2] = {"meta", "meta.1"};
constexpr const char* kSubSlotNames[2] = {"sub", "sub.1"};
size_t SlotHandleIndex(int slot) { return slot == 0 ? 1 : 3; }     // in handles_
size_t SubSlotHandleIndex(int slot) { return slot == 0 ? 4 : 5; }  // in handles_

void PutBigEndian(std::string* dst, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) dst->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetBigEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// The smallest string greater than every string with this prefix ("" if none: unbounded).
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    if (static_cast<uint8_t>(prefix.back()) != 0xff) {
      prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// The one place a rocksdb::Status becomes a redraft Status.
Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound(s.ToString());
  if (s.IsCorruption()) return Status::Corruption(s.ToString());
  // A full disk: RocksDB refuses writes after a flush failed for it, until space returns (its
  // SstFileManager polls for space and resumes; Resume() asks again).
  if (s.IsNoSpace() || s.ToString().find("No space left on device") != std::string::npos) {
    return Status::NoSpace(s.ToString());
  }
  if (s.IsIOError()) return Status::IOError(s.ToString());
  if (s.IsBusy() || s.IsTryAgain()) return Status::Busy(s.ToString());
  if (s.IsInvalidArgument() || s.IsNotSupported()) return Status::InvalidArgument(s.ToString());
  return Status::Aborted(s.ToString());
}

// The "applied" record: fixed64 applied index | fixed64 key count | fixed64 log time (ms).
// (Records written before the log time existed are 16 bytes: log time 0.)
std::string EncodeApplied(uint64_t applied_index, uint64_t key_count, int64_t log_time_ms) {
  std::string s;
  PutFixed64(&s, applied_index);
  PutFixed64(&s, key_count);
  PutFixed64(&s, static_cast<uint64_t>(log_time_ms));
  return s;
}

rocksdb::CompressionType PickCompression() {
  for (auto c : rocksdb::GetSupportedCompressions()) {
    if (c == rocksdb::kLZ4Compression) return c;
  }
  return rocksdb::kNoCompression;
}

// The internal sub-key holding the logical -> physical database map (docs/data_model.md).
const std::string& DbMapKey() {
  static const std::string k = [] {
    std::string s;
    PutBigEndian(&s, 1, 4);
    s.push_back(static_cast<char>(kInternalDb));
    PutBigEndian(&s, 0, 8);
    s.append(kDbMapField);
    return s;
  }();
  return k;
}

// What a batch knows of a stored key: absent, present, or present with an expiry (the key and
// expiry counts of its database follow from the changes).
enum Presence : uint8_t { kAbsent = 0, kPresent = 1, kVolatile = 2 };

// The presence of an encoded metadata record (format in rocks_store.h).
Presence PresenceOf(std::string_view raw) {
  return raw.size() >= kValueHeader && DecodeFixed64(raw.data() + 1) != 0 ? kVolatile : kPresent;
}

bool IsInternalKey(std::string_view key) { return !key.empty() && static_cast<uint8_t>(key[0]) == kInternalDb; }

// The physical database of a stored key (0 for the empty key, which no view produces).
uint8_t DbOf(std::string_view key) { return key.empty() ? 0 : static_cast<uint8_t>(key[0]); }

// "dbkeys": varint triples (physical db, key count, keys with an expiry) for the non-empty
// databases.
std::string EncodeDbKeys(const RocksStore::DbCounts& counts) {
  std::string s;
  for (size_t i = 0; i < counts.keys.size(); i++) {
    if (counts.keys[i] == 0 && counts.expires[i] == 0) continue;
    PutVarint64(&s, i);
    PutVarint64(&s, counts.keys[i]);
    PutVarint64(&s, counts.expires[i]);
  }
  return s;
}

Status DecodeDbKeys(std::string_view in, RocksStore::DbCounts* counts) {
  *counts = RocksStore::DbCounts{};
  while (!in.empty()) {
    uint64_t db = 0, n = 0, e = 0;
    if (!GetVarint64(&in, &db) || !GetVarint64(&in, &n) || !GetVarint64(&in, &e) || db >= counts->keys.size()) {
      return Status::Corruption("bad dbkeys record");
    }
    counts->keys[db] = n;
    counts->expires[db] = e;
  }
  return Status::OK();
}

RocksStore::DbMap IdentityDbMap() {
  RocksStore::DbMap m;
  std::iota(m.begin(), m.end(), uint8_t{0});
  return m;
}

// The map record's value: kMaxDatabases bytes, a permutation of 0..kMaxDatabases-1.
Status DecodeDbMap(std::string_view in, RocksStore::DbMap* m) {
  if (in.size() != m->size()) return Status::Corruption("bad database map record");
  std::array<bool, kMaxDatabases> seen{};
  for (size_t i = 0; i < in.size(); i++) {
    uint8_t p = static_cast<uint8_t>(in[i]);
    if (p >= kMaxDatabases || seen[p]) return Status::Corruption("bad database map record");
    seen[p] = true;
    (*m)[i] = p;
  }
  return Status::OK();
}

}  // namespace

uint64_t CollectionSize(const Value& v) { return v.payload.size() >= 8 ? DecodeFixed64(v.payload.data()) : 0; }

void SetCollectionSize(Value* v, uint64_t size) {
  if (v->payload.size() < 8) v->payload.resize(8);
  EncodeFixed64(v->payload.data(), size);
}

std::string SubKeyPrefix(std::string_view key, uint64_t version) {
  std::string s;
  s.reserve(4 + key.size() + 8);
  PutBigEndian(&s, key.size(), 4);
  s.append(key);
  PutBigEndian(&s, version, 8);
  return s;
}

std::string EncodeSubKey(std::string_view key, uint64_t version, std::string_view field) {
  std::string s = SubKeyPrefix(key, version);
  s.append(field);
  return s;
}

bool DecodeSubKey(std::string_view raw, std::string_view* key, uint64_t* version, std::string_view* field) {
  if (raw.size() < 12) return false;
  uint64_t n = GetBigEndian(raw.data(), 4);
  if (raw.size() < 12 + n) return false;
  *key = raw.substr(4, n);
  *version = GetBigEndian(raw.data() + 4 + n, 8);
  *field = raw.substr(12 + n);
  return true;
}

// Scans the sub-keys of one (key, version) from start through iterator it (already bounded or
// not: the prefix is checked).
template <typename Iter>
Status ScanSubWith(Iter* it, const std::string& prefix, std::string_view start, const SubKeyFn& fn) {
  std::string from = prefix;
  from.append(start);
  for (it->Seek(ToSlice(from)); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    if (!k.starts_with(ToSlice(prefix))) break;
    rocksdb::Slice v = it->value();
    if (!fn(std::string_view(k.data() + prefix.size(), k.size() - prefix.size()), std::string_view(v.data(), v.size()))) {
      break;
    }
  }
  return FromRocks(it->status());
}

void EncodeValue(const Value& v, std::string* dst) {
  dst->reserve(dst->size() + kValueHeader + v.payload.size());
  dst->push_back(static_cast<char>(v.type));
  PutFixed64(dst, static_cast<uint64_t>(v.expire_ms));
  PutFixed64(dst, v.version);
  dst->append(v.payload);
}

Status DecodeValue(std::string_view data, Value* out) {
  if (data.size() < kValueHeader) return Status::Corruption("value record too short");
  out->type = static_cast<ValueType>(static_cast<uint8_t>(data[0]));
  out->expire_ms = static_cast<int64_t>(DecodeFixed64(data.data() + 1));
  out->version = DecodeFixed64(data.data() + 9);
  out->payload.assign(data.data() + kValueHeader, data.size() - kValueHeader);
  return Status::OK();
}

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

class RocksStore::SubKeyFilter : public rocksdb::CompactionFilter {
 public:
  SubKeyFilter(RocksStore* store, int slot) : store_(store), slot_(slot) {}
  bool Filter(int, const rocksdb::Slice& key, const rocksdb::Slice& value, std::string*, bool*) const override {
    if (!store_->SubKeyIsStale(slot_, std::string_view(key.data(), key.size()),
                               std::string_view(value.data(), value.size()))) {
      return false;
    }
    store_->stale_dropped_.fetch_add(1);
    return true;
  }
  const char* Name() const override { return "redraft.SubKeyFilter"; }

 private:
  RocksStore* store_;
  int slot_;
};

class RocksStore::SubKeyFilterFactory : public rocksdb::CompactionFilterFactory {
 public:
  SubKeyFilterFactory(RocksStore* store, int slot) : store_(store), slot_(slot) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(const rocksdb::CompactionFilter::Context&) override {
    return std::make_unique<SubKeyFilter>(store_, slot_);
  }
  const char* Name() const override { return "redraft.SubKeyFilterFactory"; }

 private:
  RocksStore* store_;
  int slot_;
};

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, const StoreOptions& opts) {
  return RocksStore::Open(dir, opts);
}

Result<std::unique_ptr<Store>> RocksStore::Open(const std::string& dir, const StoreOptions& opts) {
  std::unique_ptr<RocksStore> store(new RocksStore());
  store->block_cache_ = rocksdb::NewLRUCache(opts.block_cache_bytes);
  store->cache_ = std::make_unique<ReadCache>(opts.read_cache_bytes);

  rocksdb::DBOptions db_opts;
  db_opts.create_if_missing = true;
  db_opts.create_missing_column_families = true;
  db_opts.atomic_flush = true;
  db_opts.max_background_jobs = 2;
  db_opts.max_open_files = 1024;
  db_opts.keep_log_file_num = 4;
  db_opts.info_log = NewRocksLogger();  // no LOG file on the data disk (rocks_logger.h)
  db_opts.max_total_wal_size = 0;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = store->block_cache_;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  table.cache_index_and_filter_blocks = true;  // bounded memory: index/filter live in the cache
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.format_version = 5;

  rocksdb::ColumnFamilyOptions meta_opts;
  meta_opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  meta_opts.write_buffer_size = opts.write_buffer_bytes;
  meta_opts.max_write_buffer_number = 2;
  meta_opts.compression = PickCompression();
  meta_opts.level_compaction_dynamic_level_bytes = true;
  meta_opts.optimize_filters_for_hits = false;
  // A whole-key bloom filter over each memtable: a point lookup of a key the memtable does not
  // hold (flushed earlier, or absent) skips the skiplist search, whose cost grows with the
  // memtable. ~2 % of the write buffer: about 16 bits per entry at 100-byte entries.
  meta_opts.memtable_whole_key_filtering = true;
  meta_opts.memtable_prefix_bloom_size_ratio = 0.02;

  // With atomic_flush a full memtable in any family flushes all of them, so "state" (one small
  // record rewritten per entry) gets as large a budget as "meta": otherwise it would force a
  // flush of tiny "meta" files every few thousand entries. Arenas grow on demand.
  rocksdb::ColumnFamilyOptions small_opts;
  small_opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  small_opts.write_buffer_size = opts.write_buffer_bytes;

  for (int slot = 0; slot < 2; slot++) {
    store->sub_opts_[slot] = meta_opts;
    store->sub_opts_[slot].compaction_filter_factory = std::make_shared<SubKeyFilterFactory>(store.get(), slot);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, small_opts},
      {kSlotNames[0], meta_opts},
      {"state", small_opts},
      {kSlotNames[1], meta_opts},
      {kSubSlotNames[0], store->sub_opts_[0]},
      {kSubSlotNames[1], store->sub_opts_[1]},
  };
  store->meta_opts_ = meta_opts;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_opts, dir, cfs, &store->handles_, &db);
  if (!s.ok()) return FromRocks(s);
  store->db_.reset(db);
  store->slots_[0] = store->handles_[1];
  store->slots_[1] = store->handles_[3];
  store->sub_slots_[0] = store->handles_[4];
  store->sub_slots_[1] = store->handles_[5];
  store->state_ = store->handles_[2];
  store->write_opts_.disableWAL = true;

  std::string v;
  s = db->Get(rocksdb::ReadOptions(), store->state_, kActiveKey, &v);
  if (s.ok()) {
    if (v.size() != 1 || (v[0] != 0 && v[0] != 1)) return Status::Corruption("bad active slot record");
    store->active_ = v[0];
  } else if (!s.IsNotFound()) {
    return FromRocks(s);
  }
  store->meta_ = store->slots_[store->active_];
  store->sub_ = store->sub_slots_[store->active_];
  // A staging slot left non-empty by a transfer or install that did not finish: never live.
  if (!store->SlotEmpty(1 - store->active_)) REDRAFT_RETURN_IF_ERROR(store->ResetSlot(1 - store->active_));

  s = db->Get(rocksdb::ReadOptions(), store->state_, kAppliedKey, &v);
  if (s.ok()) {
    if (v.size() != 16 && v.size() != 24) return Status::Corruption("bad applied record");
    store->applied_index_ = DecodeFixed64(v.data());
    store->key_count_ = DecodeFixed64(v.data() + 8);
    if (v.size() == 24) store->log_time_ms_ = static_cast<int64_t>(DecodeFixed64(v.data() + 16));
    store->pending_log_time_ms_ = store->log_time_ms_;
  } else if (!s.IsNotFound()) {
    return FromRocks(s);
  }
  REDRAFT_RETURN_IF_ERROR(store->CheckFormat());
  s = db->Get(rocksdb::ReadOptions(), store->state_, kDbKeysKey, &v);
  if (s.ok()) {
    REDRAFT_RETURN_IF_ERROR(DecodeDbKeys(v, &store->db_counts_));
  } else if (!s.IsNotFound()) {
    return FromRocks(s);
  }
  REDRAFT_RETURN_IF_ERROR(store->LoadDbMap());
  store->ready_ = true;  // the compaction filter may look at the slots from now on
  return std::unique_ptr<Store>(std::move(store));
}

RocksStore::~RocksStore() {
  if (!db_) return;
  rocksdb::CancelAllBackgroundWork(db_.get(), true);  // no compaction filter may run on a half-destroyed store
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();  // flushes WAL-less memtables unless SimulateCrashForTest() was called
  db_.reset();
}

void RocksStore::SimulateCrashForTest() {
  db_->SetDBOptions({{"avoid_flush_during_shutdown", "true"}});
}

// A store without the "format" record is either new (no key: it takes the current format; the
// record reaches the disk with the first flush, before or with any key) or was written before
// keys carried their database, and is refused: its keys would be misread.
Status RocksStore::CheckFormat() {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), state_, kFormatKey, &v);
  if (s.ok()) {
    if (v.size() != 4 || DecodeFixed32(v.data()) != kFormatDatabases) {
      return Status::Corruption("unknown store format record (this redraft reads format " +
                                std::to_string(kFormatDatabases) + ")");
    }
    return Status::OK();
  }
  if (!s.IsNotFound()) return FromRocks(s);
  if (!SlotEmpty(active_) || key_count_ != 0) {
    return Status::InvalidArgument(
        "the data directory was written by a redraft from before databases (SELECT): its keys are "
        "not qualified by a database and cannot be read by this version. Start this node with an "
        "empty data directory (in a cluster it catches up from the leader), or export the keys "
        "with the old version and import them (docs/data_model.md, \"Databases\")");
  }
  std::string rec;
  PutFixed32(&rec, kFormatDatabases);
  return FromRocks(db_->Put(write_opts_, state_, kFormatKey, rec));
}

Status RocksStore::LoadDbMap() {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), sub_, DbMapKey(), &v);
  if (s.IsNotFound()) {
    db_map_ = IdentityDbMap();
    return Status::OK();
  }
  if (!s.ok()) return FromRocks(s);
  return DecodeDbMap(v, &db_map_);
}

uint8_t RocksStore::PhysicalDb(int db) const {
  REDRAFT_CHECK(db >= 0 && db < kMaxDatabases);
  return db_map_[db];
}

uint64_t RocksStore::DbKeyCount(int db) const { return db_counts_.keys[PhysicalDb(db)]; }
uint64_t RocksStore::DbExpiresCount(int db) const { return db_counts_.expires[PhysicalDb(db)]; }

Status RocksStore::GetRaw(std::string_view key, Value* out) {
  if (cache_->Lookup(key, out)) return Status::OK();
  rocksdb::PinnableSlice raw;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, ToSlice(key), &raw);
  if (!s.ok()) return FromRocks(s);
  return DecodeValue(std::string_view(raw.data(), raw.size()), out);
}

Status RocksStore::Get(std::string_view key, int64_t now_ms, Value* out) {
  REDRAFT_RETURN_IF_ERROR(GetRaw(key, out));
  if (IsExpired(*out, now_ms)) return Status::NotFound("expired");
  return Status::OK();
}

Status RocksStore::Scan(std::string_view start,
                        const std::function<bool(std::string_view key, const Value&)>& fn) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // a full scan should not evict the working set
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, meta_));
  Value v;
  for (it->Seek(ToSlice(start)); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key(), raw = it->value();
    REDRAFT_RETURN_IF_ERROR(DecodeValue(std::string_view(raw.data(), raw.size()), &v));
    if (!fn(std::string_view(k.data(), k.size()), v)) return Status::OK();
  }
  return FromRocks(it->status());
}

Status RocksStore::GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) {
  return FromRocks(db_->Get(rocksdb::ReadOptions(), sub_, EncodeSubKey(key, version, field), out));
}

Status RocksStore::ScanSub(std::string_view key, uint64_t version, std::string_view start, const SubKeyFn& fn) {
  std::string prefix = SubKeyPrefix(key, version);
  std::string end = PrefixEnd(prefix);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  if (!end.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, sub_));
  return ScanSubWith(it.get(), prefix, start, fn);
}

// ---------------------------------------------------------------------------------------------
// Reclaiming stale sub-keys

bool RocksStore::SubKeyIsStale(int slot, std::string_view raw, std::string_view value) {
  // A view's snapshot may still need what the live state no longer does: keep everything.
  if (open_views_.load() > 0) return false;
  std::string_view key, field;
  uint64_t version;
  if (!DecodeSubKey(raw, &key, &version, &field)) return false;
  if (key.empty() && version == 0) return false;  // the system namespace (ACL users): never stale
  // A WATCH record (store.h): kept until it is older than the horizon.
  if (version == kWatchVersion) {
    return value.size() == 8 && DecodeFixed64(value.data()) + kWatchHorizon < applied_index_.load();
  }
  if (IsInternalKey(key)) return false;  // the store's own records (the database map)
  std::shared_lock<std::shared_mutex> l(filter_mu_);
  if (!ready_.load() || slot != active_.load() || slots_[slot] == nullptr) return false;  // staging: keep
  rocksdb::PinnableSlice meta;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), slots_[slot], ToSlice(key), &meta);
  if (s.IsNotFound()) return true;
  if (!s.ok()) return false;
  Value v;
  if (!DecodeValue(std::string_view(meta.data(), meta.size()), &v).ok()) return false;
  return !IsCollection(v.type) || v.version != version;
}

Status RocksStore::CompactAll() {
  rocksdb::CompactRangeOptions o;
  o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  REDRAFT_RETURN_IF_ERROR(FromRocks(db_->CompactRange(o, meta_, nullptr, nullptr)));
  return FromRocks(db_->CompactRange(o, sub_, nullptr, nullptr));
}

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

Status RocksStore::SetAppliedIndex(uint64_t index) {
  if (index <= applied_index_) {
    return Status::InvalidArgument("applied index " + std::to_string(index) + " <= " +
                                   std::to_string(applied_index_));
  }
  rocksdb::WriteBatch wb;
  int64_t log_time = std::max(log_time_ms_, pending_log_time_ms_);
  wb.Put(state_, kAppliedKey, EncodeApplied(index, key_count_, log_time));
  REDRAFT_RETURN_IF_ERROR(FromRocks(db_->Write(write_opts_, &wb)));
  applied_index_ = index;
  log_time_ms_ = log_time;
  return Status::OK();
}

Status RocksStore::Resume() { return FromRocks(db_->Resume()); }

Status RocksStore::Flush() {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  std::lock_guard<std::mutex> l(handles_mu_);
  return FromRocks(db_->Flush(fo, handles_));
}

// ---------------------------------------------------------------------------------------------
// Snapshots

class RocksStore::SnapshotViewImpl : public Store::SnapshotView {
 public:
  explicit SnapshotViewImpl(RocksStore* store)
      : store_(store), db_(store->db_.get()), cfs_{store->meta_, store->sub_} {
    store_->open_views_.fetch_add(1);
    snap_ = db_->GetSnapshot();
    ro_.snapshot = snap_;
    ro_.fill_cache = false;  // a full scan must not evict the working set
    ro_.readahead_size = 2 << 20;
    std::string v;
    rocksdb::Status s = db_->Get(ro_, store->state_, kAppliedKey, &v);
    if (s.ok() && (v.size() == 16 || v.size() == 24)) {
      applied_ = DecodeFixed64(v.data());
      key_count_ = DecodeFixed64(v.data() + 8);
      if (v.size() == 24) log_time_ = static_cast<int64_t>(DecodeFixed64(v.data() + 16));
    } else if (!s.ok() && !s.IsNotFound()) {
      status_ = FromRocks(s);
    }
    it_.reset(db_->NewIterator(ro_, cfs_[0]));
    it_->SeekToFirst();
    SkipToNextFamily();
  }
  ~SnapshotViewImpl() override {
    it_.reset();
    db_->ReleaseSnapshot(snap_);
    store_->open_views_.fetch_sub(1);
  }
  uint64_t applied_index() const override { return applied_; }
  uint64_t key_count() const override { return key_count_; }
  int64_t log_time_ms() const override { return log_time_; }
  bool Valid() const override { return status_.ok() && it_->Valid(); }
  std::string_view key() const override { return std::string_view(it_->key().data(), it_->key().size()); }
  Status value(Value* out) const override {
    if (family_ == 0) return DecodeValue(std::string_view(it_->value().data(), it_->value().size()), out);
    out->type = ValueType::kSubKey;
    out->expire_ms = 0;
    out->version = 0;
    out->payload.assign(it_->value().data(), it_->value().size());
    return Status::OK();
  }
  void Next() override {
    it_->Next();
    // An iterator pins the memtables and files current when it was created; a long transfer
    // would pin every memtable written meanwhile. Recreate it (same snapshot) now and then.
    if (++steps_ % 100000 == 0 && it_->Valid()) {
      std::string at = it_->key().ToString();
      it_.reset(db_->NewIterator(ro_, cfs_[family_]));
      it_->Seek(at);
    }
    SkipToNextFamily();
  }
  Status status() const override { return status_; }

 private:
  // At the end of the keys ("meta"), continue with the sub-keys ("sub").
  void SkipToNextFamily() {
    if (!it_->Valid() && status_.ok()) status_ = FromRocks(it_->status());
    if (!it_->Valid() && status_.ok() && family_ == 0) {
      family_ = 1;
      it_.reset(db_->NewIterator(ro_, cfs_[1]));
      it_->SeekToFirst();
      if (!it_->Valid() && status_.ok()) status_ = FromRocks(it_->status());
    }
  }

  RocksStore* store_;
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cfs_[2];
  int family_ = 0;
  const rocksdb::Snapshot* snap_ = nullptr;
  rocksdb::ReadOptions ro_;
  std::unique_ptr<rocksdb::Iterator> it_;
  uint64_t applied_ = 0, key_count_ = 0, steps_ = 0;
  int64_t log_time_ = 0;
  Status status_;
};

std::unique_ptr<Store::SnapshotView> RocksStore::NewSnapshotView() { return std::make_unique<SnapshotViewImpl>(this); }

bool RocksStore::SlotEmpty(int slot) {
  for (auto* cf : {slots_[slot], sub_slots_[slot]}) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf));
    it->SeekToFirst();
    if (it->Valid()) return false;
  }
  return true;
}

Status RocksStore::ResetSlot(int slot) {
  std::lock_guard<std::mutex> l(handles_mu_);
  std::unique_lock<std::shared_mutex> fl(filter_mu_);
  struct Family {
    size_t index;
    rocksdb::ColumnFamilyHandle** slot;
    const rocksdb::ColumnFamilyOptions* opts;
    const char* name;
  };
  for (const Family& f : {Family{SlotHandleIndex(slot), &slots_[slot], &meta_opts_, kSlotNames[slot]},
                          Family{SubSlotHandleIndex(slot), &sub_slots_[slot], &sub_opts_[slot], kSubSlotNames[slot]}}) {
    rocksdb::ColumnFamilyHandle*& h = handles_[f.index];
    REDRAFT_RETURN_IF_ERROR(FromRocks(db_->DropColumnFamily(h)));
    REDRAFT_RETURN_IF_ERROR(FromRocks(db_->DestroyColumnFamilyHandle(h)));
    h = nullptr;
    *f.slot = nullptr;
    REDRAFT_RETURN_IF_ERROR(FromRocks(db_->CreateColumnFamily(*f.opts, f.name, &h)));
    *f.slot = h;
  }
  return Status::OK();
}

Status RocksStore::StageBegin() {
  stage_batch_ = std::make_unique<rocksdb::WriteBatch>();
  stage_db_counts_ = DbCounts{};
  if (SlotEmpty(1 - active_)) return Status::OK();
  return ResetSlot(1 - active_);
}

void RocksStore::StagePut(std::string_view key, const Value& v) {
  if (!stage_batch_) stage_batch_ = std::make_unique<rocksdb::WriteBatch>();
  if (v.type == ValueType::kSubKey) {
    stage_batch_->Put(sub_slots_[1 - active_], ToSlice(key), v.payload);
    return;
  }
  stage_db_counts_.keys[DbOf(key)]++;
  if (v.expire_ms != 0) stage_db_counts_.expires[DbOf(key)]++;
  stage_buf_.clear();
  EncodeValue(v, &stage_buf_);
  stage_batch_->Put(slots_[1 - active_], ToSlice(key), stage_buf_);
}

Status RocksStore::StageWrite() {
  if (!stage_batch_ || stage_batch_->Count() == 0) return Status::OK();
  Status st = FromRocks(db_->Write(write_opts_, stage_batch_.get()));
  stage_batch_->Clear();
  return st;
}

Status RocksStore::StageInstall(uint64_t applied_index, uint64_t key_count, int64_t log_time_ms) {
  REDRAFT_RETURN_IF_ERROR(StageWrite());
  int next = 1 - active_;
  int64_t log_time = std::max({log_time_ms_, pending_log_time_ms_, log_time_ms});
  // The switch: slot and applied record in one batch; one atomic flush then persists the staged
  // data, the slot and the applied index together (WAL off: nothing is durable before it).
  // The cache is only written through, never filled by reads: emptied first, it stays empty
  // of the old slot's records.
  cache_->Clear();
  rocksdb::WriteBatch wb;
  wb.Put(state_, kActiveKey, std::string(1, static_cast<char>(next)));
  wb.Put(state_, kAppliedKey, EncodeApplied(applied_index, key_count, log_time));
  wb.Put(state_, kDbKeysKey, EncodeDbKeys(stage_db_counts_));  // counted as the records came
  REDRAFT_RETURN_IF_ERROR(FromRocks(db_->Write(write_opts_, &wb)));
  REDRAFT_RETURN_IF_ERROR(Flush());
  {
    std::unique_lock<std::shared_mutex> fl(filter_mu_);
    active_ = next;
  }
  meta_ = slots_[active_];
  sub_ = sub_slots_[active_];
  applied_index_ = applied_index;
  key_count_ = key_count;
  log_time_ms_ = pending_log_time_ms_ = log_time;
  db_counts_ = stage_db_counts_;
  known_.clear();
  stage_batch_.reset();
  REDRAFT_RETURN_IF_ERROR(LoadDbMap());  // the map record came with the sub-keys
  return ResetSlot(1 - active_);  // the old data
}

Status RocksStore::StageAbort() {
  stage_batch_.reset();
  if (SlotEmpty(1 - active_)) return Status::OK();
  return ResetSlot(1 - active_);
}

uint64_t RocksStore::ApproximateMemoryBytes() {
  std::lock_guard<std::mutex> l(handles_mu_);
  uint64_t total = 0, v = 0;
  for (auto* h : handles_) {
    if (db_->GetIntProperty(h, "rocksdb.cur-size-all-mem-tables", &v)) total += v;
    if (db_->GetIntProperty(h, "rocksdb.estimate-table-readers-mem", &v)) total += v;
  }
  return total + block_cache_->GetUsage() + cache_->bytes();
}

uint64_t RocksStore::ApproximateDiskBytes() {
  std::lock_guard<std::mutex> l(handles_mu_);
  uint64_t total = 0, v = 0;
  for (auto* h : handles_) {
    if (db_->GetIntProperty(h, "rocksdb.total-sst-files-size", &v)) total += v;
  }
  return total;
}

}  // namespace redraft::store
