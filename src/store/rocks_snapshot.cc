// RocksStore's snapshots: SnapshotView (a consistent scan of the live slot) and the staged install
// of a received snapshot into the other slot (docs/snapshot_format.md).
#include <algorithm>

#include "common/coding.h"
#include "store/rocks_store.h"
#include "store/rocks_store_internal.h"

namespace redraft::store {

using namespace internal;

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
  stage_db_counts_.bytes[DbOf(key)] += KeyCharge(key.size(), v);
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
  wb.Put(state_, kDbBytesKey, EncodeDbBytes(stage_db_counts_));
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
}  // namespace redraft::store
