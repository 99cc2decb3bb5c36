// Per-database views of the store (docs/data_model.md "Databases").
//
// Commands read and write user keys; the store holds stored keys [physical db:1][user key]. A
// view binds a logical database (what SELECT names) and translates: every key it is given is
// qualified with the database's physical id, looked up again on every call (so a view sees a
// SWAPDB committed, or applied earlier in the same batch, while it lives), and every key it
// returns has the prefix stripped. Scan stops at the end of the view's database, and KeyCount is
// the database's own count. Sub-keys carry the stored key, so collections need nothing more.
//
// Thread-safety: as the wrapped Store/Batch. Lifetime: a view borrows; the store or batch must
// outlive it. Calls that have no key (applied index, snapshots, staging, introspection) and
// NewBatch/Commit are passed through unchanged: they concern the whole store.
#pragma once

#include "store/store.h"

namespace redraft::store {

class DbStore : public Store {
 public:
  // REQUIRES: 0 <= db < kMaxDatabases.
  DbStore(Store& base, int db) : base_(base), db_(db) {}

  Status Get(std::string_view key, int64_t now_ms, Value* out) override;
  // Keys of this database >= start, prefix stripped; ends at the database's last key.
  Status Scan(std::string_view start, const std::function<bool(std::string_view key, const Value&)>& fn) override;
  Status GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) override;
  Status ScanSub(std::string_view key, uint64_t version, std::string_view start, const SubKeyFn& fn) override;
  Status ScanSubBefore(std::string_view key, uint64_t version, std::string_view before, const SubKeyFn& fn) override;
  uint64_t KeyCount() const override { return base_.DbKeyCount(db_); }
  uint64_t DatasetBytes() const override { return base_.DatasetBytes(); }
  uint8_t PhysicalDb(int db) const override { return base_.PhysicalDb(db); }
  uint64_t DbKeyCount(int db) const override { return base_.DbKeyCount(db); }
  uint64_t DbExpiresCount(int db) const override { return base_.DbExpiresCount(db); }
  int db() const override { return db_; }

  uint64_t applied_index() const override { return base_.applied_index(); }
  int64_t log_time_ms() const override { return base_.log_time_ms(); }
  void NoteLogTime(int64_t ms) override { base_.NoteLogTime(ms); }
  std::unique_ptr<Batch> NewBatch() override { return base_.NewBatch(); }  // takes stored keys
  Status Commit(Batch* batch, uint64_t index) override { return base_.Commit(batch, index); }
  Status SetAppliedIndex(uint64_t index) override { return base_.SetAppliedIndex(index); }
  Status Flush() override { return base_.Flush(); }
  Status Resume() override { return base_.Resume(); }
  std::unique_ptr<SnapshotView> NewSnapshotView() override { return base_.NewSnapshotView(); }
  Status StageBegin() override { return base_.StageBegin(); }
  void StagePut(std::string_view key, const Value& v) override { base_.StagePut(key, v); }
  Status StageWrite() override { return base_.StageWrite(); }
  Status StageInstall(uint64_t applied_index, uint64_t key_count, int64_t log_time_ms) override {
    return base_.StageInstall(applied_index, key_count, log_time_ms);
  }
  Status StageAbort() override { return base_.StageAbort(); }
  uint64_t ApproximateMemoryBytes() override { return base_.ApproximateMemoryBytes(); }
  uint64_t ApproximateDiskBytes() override { return base_.ApproximateDiskBytes(); }
  std::vector<EngineFigure> EngineFigures() override { return base_.EngineFigures(); }
  uint64_t StaleSubKeysDropped() const override { return base_.StaleSubKeysDropped(); }
  Status CompactAll() override { return base_.CompactAll(); }

 private:
  std::string Qualify(std::string_view key) const { return QualifyKey(base_.PhysicalDb(db_), key); }

  Store& base_;
  int db_;
};

class DbBatch : public Store::Batch {
 public:
  // REQUIRES: 0 <= db < kMaxDatabases.
  DbBatch(Store::Batch& base, int db) : base_(base), db_(db) {}

  Status Get(std::string_view key, int64_t now_ms, Value* out) override;
  Status GetRaw(std::string_view key, Value* out) override;
  void Put(std::string_view key, const Value& v) override;
  void Delete(std::string_view key) override;
  void DeleteAll() override { base_.DeleteAll(); }  // FLUSHALL: every database
  Status GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) override;
  void PutSub(std::string_view key, uint64_t version, std::string_view field, std::string_view value) override;
  void DeleteSub(std::string_view key, uint64_t version, std::string_view field) override;
  Status ScanSub(std::string_view key, uint64_t version, std::string_view start, const SubKeyFn& fn) override;
  Status ScanSubBefore(std::string_view key, uint64_t version, std::string_view before, const SubKeyFn& fn) override;

  uint8_t PhysicalDb(int db) override { return base_.PhysicalDb(db); }
  void SwapDbs(int a, int b) override { base_.SwapDbs(a, b); }
  void DeleteDb(int db) override { base_.DeleteDb(db); }
  int db() const override { return db_; }
  Batch& base() override { return base_; }

 private:
  std::string Qualify(std::string_view key) { return QualifyKey(base_.PhysicalDb(db_), key); }

  Store::Batch& base_;
  int db_;
};

}  // namespace redraft::store
