// KeyChangeRecorder: a Store::Batch that forwards everything to the batch under it and records
// which stored keys the applied entries change, in order. The state machine slips it under the
// TxnBatch while some client tracks keys (server/tracking.h), so the changed keys are exactly
// the ones apply wrote or deleted (never guessed from the arguments: a script, a MOVE or an
// expiry's deletion are covered like a SET), at the cost of one virtual call per write.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace redraft::server {

class KeyChangeRecorder : public store::Store::Batch {
 public:
  // A flush (FLUSHALL/FLUSHDB) is recorded as an empty string: no stored key is empty.
  std::vector<std::string> changes;

  void Wrap(store::Store::Batch* inner) { inner_ = inner; }

  Status Get(std::string_view key, int64_t now_ms, store::Value* out) override { return inner_->Get(key, now_ms, out); }
  Status GetRaw(std::string_view key, store::Value* out) override { return inner_->GetRaw(key, out); }
  void Put(std::string_view key, const store::Value& v) override {
    Note(key);
    inner_->Put(key, v);
  }
  void Delete(std::string_view key) override {
    Note(key);
    inner_->Delete(key);
  }
  void DeleteAll() override {
    changes.emplace_back();
    inner_->DeleteAll();
  }
  Status GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) override {
    return inner_->GetSub(key, version, field, out);
  }
  void PutSub(std::string_view key, uint64_t version, std::string_view field, std::string_view value) override {
    Note(key);
    inner_->PutSub(key, version, field, value);
  }
  void DeleteSub(std::string_view key, uint64_t version, std::string_view field) override {
    Note(key);
    inner_->DeleteSub(key, version, field);
  }
  Status ScanSub(std::string_view key, uint64_t version, std::string_view start, const store::SubKeyFn& fn) override {
    return inner_->ScanSub(key, version, start, fn);
  }
  Status ScanSubBefore(std::string_view key, uint64_t version, std::string_view before,
                       const store::SubKeyFn& fn) override {
    return inner_->ScanSubBefore(key, version, before, fn);
  }
  uint8_t PhysicalDb(int db) override { return inner_->PhysicalDb(db); }
  void SwapDbs(int a, int b) override { inner_->SwapDbs(a, b); }
  void DeleteDb(int db) override {
    changes.emplace_back();
    inner_->DeleteDb(db);
  }

 private:
  // User keys only: [db < kMaxDatabases][key]; the store's own records (kInternalDb, WATCH
  // stamps on the empty key) are not keys anyone reads. Repeats of the last key (a collection's
  // fields) collapse.
  void Note(std::string_view key) {
    if (key.empty() || static_cast<uint8_t>(key[0]) == store::kInternalDb) return;
    if (!changes.empty() && changes.back() == key) return;
    changes.emplace_back(key);
  }

  store::Store::Batch* inner_ = nullptr;
};

}  // namespace redraft::server
