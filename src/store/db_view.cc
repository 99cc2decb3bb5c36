#include "store/db_view.h"

namespace redraft::store {

std::string QualifyKey(uint8_t db, std::string_view key) {
  std::string s;
  s.reserve(1 + key.size());
  s.push_back(static_cast<char>(db));
  s.append(key);
  return s;
}

Status DbStore::Get(std::string_view key, int64_t now_ms, Value* out) { return base_.Get(Qualify(key), now_ms, out); }

Status DbStore::Scan(std::string_view start, const std::function<bool(std::string_view key, const Value&)>& fn) {
  const char db = static_cast<char>(base_.PhysicalDb(db_));
  return base_.Scan(QualifyKey(static_cast<uint8_t>(db), start), [&](std::string_view key, const Value& v) {
    if (key.empty() || key[0] != db) return false;  // past the end of this database
    return fn(key.substr(1), v);
  });
}

Status DbStore::GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) {
  return base_.GetSub(Qualify(key), version, field, out);
}

Status DbStore::ScanSub(std::string_view key, uint64_t version, std::string_view start, const SubKeyFn& fn) {
  return base_.ScanSub(Qualify(key), version, start, fn);
}
Status DbStore::ScanSubBefore(std::string_view key, uint64_t version, std::string_view before, const SubKeyFn& fn) {
  return base_.ScanSubBefore(Qualify(key), version, before, fn);
}

Status DbBatch::Get(std::string_view key, int64_t now_ms, Value* out) { return base_.Get(Qualify(key), now_ms, out); }
Status DbBatch::GetRaw(std::string_view key, Value* out) { return base_.GetRaw(Qualify(key), out); }
void DbBatch::Put(std::string_view key, const Value& v) { base_.Put(Qualify(key), v); }
void DbBatch::Delete(std::string_view key) { base_.Delete(Qualify(key)); }

Status DbBatch::GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) {
  return base_.GetSub(Qualify(key), version, field, out);
}
void DbBatch::PutSub(std::string_view key, uint64_t version, std::string_view field, std::string_view value) {
  base_.PutSub(Qualify(key), version, field, value);
}
void DbBatch::DeleteSub(std::string_view key, uint64_t version, std::string_view field) {
  base_.DeleteSub(Qualify(key), version, field);
}
Status DbBatch::ScanSub(std::string_view key, uint64_t version, std::string_view start, const SubKeyFn& fn) {
  return base_.ScanSub(Qualify(key), version, start, fn);
}
Status DbBatch::ScanSubBefore(std::string_view key, uint64_t version, std::string_view before, const SubKeyFn& fn) {
  return base_.ScanSubBefore(Qualify(key), version, before, fn);
}

}  // namespace redraft::store
