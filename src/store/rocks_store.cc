// RocksStore: opening (options, column families, format checks), point and range reads, the
// compaction filter that reclaims stale sub-keys, applied-index bookkeeping and flushes. The batch
// and Commit live in rocks_batch.cc, snapshots and staged installs in rocks_snapshot.cc, the
// record codings in rocks_encoding.cc.
#include "store/rocks_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <utility>

#include "common/coding.h"
#include "store/rocks_logger.h"
#include "store/rocks_store_internal.h"
#include "store/rocks_tickers.h"

namespace redraft::store {

using namespace internal;

namespace {

rocksdb::CompressionType PickCompression() {
  for (auto c : rocksdb::GetSupportedCompressions()) {
    if (c == rocksdb::kLZ4Compression) return c;
  }
  return rocksdb::kNoCompression;
}

// The memtable insert hint (ColumnFamilyOptions::memtable_insert_with_hint_prefix_extractor):
// every key in its domain maps to the same, empty prefix, so all their inserts share one hint:
// each starts from the previous insert's search path (splice) and climbs only as many levels as
// the distance to it needs (O(log D) node visits instead of O(log N)). Without a hint RocksDB
// reuses that path only when the new key falls right next to the previous one, and searches from
// the top otherwise. Commit writes each column family's records in key order (rocks_batch.cc
// Emit), so consecutive inserts are near (XADD's entry and its WATCH stamp are neighbours).
//
// RocksDB 7.8 keeps one hint map per memtable for both its point table and its range-deletion
// table, so a range delete whose begin key is in the domain would be inserted with a splice of
// the other table (found by an assertion in store_test). The begin keys the store writes
// (rocks_batch.cc DeleteAll, DeleteDb) are therefore outside it: "" and 1-byte keys ("meta"), and
// keys starting with four zero bytes ("sub": the sub-keys of the empty stored key, i.e. the
// system records, whose range ends at DeleteAll's begin key). Keys outside the domain are
// inserted as without a hint: only slower, never wrong.
class OneInsertHint : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "redraft.OneInsertHint"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return rocksdb::Slice(key.data(), 0); }
  bool InDomain(const rocksdb::Slice& key) const override {
    if (key.size() < 2) return false;
    return !(key.size() >= 4 && key[0] == 0 && key[1] == 0 && key[2] == 0 && key[3] == 0);
  }
};

}  // namespace

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
  if (opts.statistics) {  // the exported tickers only (rocks_tickers.h)
    store->statistics_ = NewExportedTickers();
    db_opts.statistics = store->statistics_;
  }

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
  // One insert hint for the whole memtable (OneInsertHint above).
  meta_opts.memtable_insert_with_hint_prefix_extractor = std::make_shared<OneInsertHint>();

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
  REDRAFT_RETURN_IF_ERROR(store->LoadDatasetBytes());
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
// Format 2 (no WATCH stamps in metadata records) reads as format 3 does: its records simply have
// no stamp (rocks_store_internal.h kFormatStamps). It is marked 3 here, before any write, so that
// an older binary, which reads only 2, refuses the store rather than misread stamped records.
Status RocksStore::CheckFormat() {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), state_, kFormatKey, &v);
  if (s.ok()) {
    const uint32_t format = v.size() == 4 ? DecodeFixed32(v.data()) : 0;
    if (format == kFormatStamps) return Status::OK();
    if (format != kFormatDatabases) {
      return Status::Corruption("unknown store format record (this redraft reads formats " +
                                std::to_string(kFormatDatabases) + " and " + std::to_string(kFormatStamps) + ")");
    }
  } else if (!s.IsNotFound()) {
    return FromRocks(s);
  } else if (!SlotEmpty(active_) || key_count_ != 0) {
    return Status::InvalidArgument(
        "the data directory was written by a redraft from before databases (SELECT): its keys are "
        "not qualified by a database and cannot be read by this version. Start this node with an "
        "empty data directory (in a cluster it catches up from the leader), or export the keys "
        "with the old version and import them (docs/data_model.md, \"Databases\")");
  }
  std::string rec;
  PutFixed32(&rec, kFormatStamps);
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

uint64_t RocksStore::DatasetBytes() const {
  return std::accumulate(db_counts_.bytes.begin(), db_counts_.bytes.end(), uint64_t{0});
}

// "dbbytes", or (a store written before it) a recount over the live "meta": O(keys), once; the
// next commit that changes a size writes the record.
Status RocksStore::LoadDatasetBytes() {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), state_, kDbBytesKey, &v);
  if (s.ok()) return DecodeDbBytes(v, &db_counts_);
  if (!s.IsNotFound()) return FromRocks(s);
  db_counts_.bytes.fill(0);
  if (key_count_ == 0) return Status::OK();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    db_counts_.bytes[DbOf(k)] += RecordCharge(k.size(), std::string_view(it->value().data(), it->value().size()));
  }
  return FromRocks(it->status());
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

Status RocksStore::ScanSubBefore(std::string_view key, uint64_t version, std::string_view before, const SubKeyFn& fn) {
  std::string prefix = SubKeyPrefix(key, version);
  rocksdb::Slice lower(prefix);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, sub_));
  return ScanSubBeforeWith(it.get(), prefix, before, fn);
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


uint64_t RocksStore::ApproximateMemoryBytes() {
  std::lock_guard<std::mutex> l(handles_mu_);
  uint64_t total = 0, v = 0;
  for (auto* h : handles_) {
    if (db_->GetIntProperty(h, "rocksdb.cur-size-all-mem-tables", &v)) total += v;
    if (db_->GetIntProperty(h, "rocksdb.estimate-table-readers-mem", &v)) total += v;
  }
  return total + block_cache_->GetUsage() + cache_->bytes();
}

std::vector<EngineFigure> RocksStore::EngineFigures() {
  std::lock_guard<std::mutex> l(handles_mu_);
  uint64_t memtables = 0, pending = 0, running_compactions = 0, v = 0;
  bool stopped = false;
  for (auto* h : handles_) {
    if (db_->GetIntProperty(h, "rocksdb.cur-size-all-mem-tables", &v)) memtables += v;
    if (db_->GetIntProperty(h, "rocksdb.estimate-pending-compaction-bytes", &v)) pending += v;
    if (db_->GetIntProperty(h, "rocksdb.is-write-stopped", &v)) stopped = stopped || v;
  }
  db_->GetIntProperty("rocksdb.num-running-compactions", &running_compactions);
  uint64_t delayed_rate = 0;
  db_->GetIntProperty("rocksdb.actual-delayed-write-rate", &delayed_rate);
  std::vector<EngineFigure> out = {
      {"redraft_rocksdb_memtable_bytes", "gauge", "Bytes in RocksDB memtables (all column families).", double(memtables)},
      {"redraft_rocksdb_block_cache_usage_bytes", "gauge", "Bytes held by the RocksDB block cache.",
       double(block_cache_->GetUsage())},
      {"redraft_rocksdb_block_cache_capacity_bytes", "gauge", "Capacity of the RocksDB block cache.",
       double(block_cache_->GetCapacity())},
      {"redraft_rocksdb_pending_compaction_bytes", "gauge", "RocksDB's estimate of bytes compaction must rewrite.",
       double(pending)},
      {"redraft_rocksdb_running_compactions", "gauge", "RocksDB compactions running now.", double(running_compactions)},
      {"redraft_rocksdb_write_stopped", "gauge", "1 while RocksDB stops writes (too many memtables or L0 files).",
       stopped ? 1.0 : 0.0},
      {"redraft_rocksdb_delayed_write_rate_bytes", "gauge", "RocksDB's write rate limit while it slows writes (0: not slowed).",
       double(delayed_rate)},
  };
  if (statistics_) {
    out.push_back({"redraft_rocksdb_block_cache_hits_total", "counter", "RocksDB block cache hits.",
                   double(statistics_->getTickerCount(rocksdb::BLOCK_CACHE_HIT))});
    out.push_back({"redraft_rocksdb_block_cache_misses_total", "counter", "RocksDB block cache misses.",
                   double(statistics_->getTickerCount(rocksdb::BLOCK_CACHE_MISS))});
    out.push_back({"redraft_rocksdb_write_stall_seconds_total", "counter", "Time RocksDB writes spent stalled.",
                   double(statistics_->getTickerCount(rocksdb::STALL_MICROS)) / 1e6});
  }
  return out;
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
