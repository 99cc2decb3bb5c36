// Internal to store/: what the RocksStore files share -- record names, coding helpers, the
// one rocksdb::Status -> Status conversion. Formats are described in rocks_store.h.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/slice.h>

#include <array>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>

#include "common/coding.h"
#include "common/status.h"
#include "store/rocks_store.h"

namespace redraft::store::internal {

constexpr size_t kValueHeader = 1 + 8 + 8;
constexpr char kAppliedKey[] = "applied";
constexpr char kActiveKey[] = "active";
constexpr char kFormatKey[] = "format";
constexpr char kDbKeysKey[] = "dbkeys";
constexpr char kDbBytesKey[] = "dbbytes";  // docs/memory.md
// The key format: 2 = keys qualified by their database. Stores from before (no "format" record
// and at least one key) hold unqualified keys and are refused (docs/data_model.md "Databases").
constexpr uint32_t kFormatDatabases = 2;
// 3 = format 2, and a collection's metadata record may end with its WATCH stamp (kStampedFlag).
// A format 2 store is read as it is (its records have no flag) and marked 3 when opened, before
// anything is written, so a binary that reads only format 2 refuses it instead of misreading
// stamped records (docs/data_model.md "Metadata record").
constexpr uint32_t kFormatStamps = 3;

// A metadata record whose type byte has this bit set ends with [stamp:8 LE] after its payload:
// the collection's WATCH stamp (Value::stamp). Without it the stamp is 0 (records of format 2
// stores, and collections never changed since). Never set for strings (their stamp is the
// version field) nor on 0x80 (snapshot sub-key records).
constexpr uint8_t kStampedFlag = 0x40;
constexpr size_t kStampBytes = 8;

// The fields of an encoded metadata record (payload: a view into it). The one parser of the
// record format: DecodeValue, RecordCharge and the read cache's write-through go through it.
struct RecordFields {
  ValueType type;
  int64_t expire_ms;
  uint64_t version;
  uint64_t stamp;
  std::string_view payload;
};
inline bool ParseRecord(std::string_view raw, RecordFields* f) {
  if (raw.size() < kValueHeader) return false;
  uint8_t t = static_cast<uint8_t>(raw[0]);
  size_t end = raw.size();
  f->stamp = 0;
  if (t != static_cast<uint8_t>(ValueType::kSubKey) && (t & kStampedFlag)) {
    if (raw.size() < kValueHeader + kStampBytes) return false;
    end -= kStampBytes;
    f->stamp = DecodeFixed64(raw.data() + end);
    t = static_cast<uint8_t>(t & ~kStampedFlag);
  }
  f->type = static_cast<ValueType>(t);
  f->expire_ms = static_cast<int64_t>(DecodeFixed64(raw.data() + 1));
  f->version = DecodeFixed64(raw.data() + 9);
  f->payload = raw.substr(kValueHeader, end - kValueHeader);
  return true;
}
constexpr char kDbMapField[] = "dbmap";
constexpr const char* kSlotNames[2] = {"meta", "meta.1"};
constexpr const char* kSubSlotNames[2] = {"sub", "sub.1"};
inline size_t SlotHandleIndex(int slot) { return slot == 0 ? 1 : 3; }     // in handles_
inline size_t SubSlotHandleIndex(int slot) { return slot == 0 ? 4 : 5; }  // in handles_

inline void PutBigEndian(std::string* dst, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) dst->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline uint64_t GetBigEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// The smallest string greater than every string with this prefix ("" if none: unbounded).
inline std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    if (static_cast<uint8_t>(prefix.back()) != 0xff) {
      prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

inline rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// The one place a rocksdb::Status becomes a redraft Status.
inline Status FromRocks(const rocksdb::Status& s) {
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
inline std::string EncodeApplied(uint64_t applied_index, uint64_t key_count, int64_t log_time_ms) {
  std::string s;
  PutFixed64(&s, applied_index);
  PutFixed64(&s, key_count);
  PutFixed64(&s, static_cast<uint64_t>(log_time_ms));
  return s;
}

// The internal sub-key holding the logical -> physical database map (docs/data_model.md).
inline const std::string& DbMapKey() {
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
inline Presence PresenceOf(std::string_view raw) {
  return raw.size() >= kValueHeader && DecodeFixed64(raw.data() + 1) != 0 ? kVolatile : kPresent;
}

inline bool IsInternalKey(std::string_view key) { return !key.empty() && static_cast<uint8_t>(key[0]) == kInternalDb; }

// The physical database of a stored key (0 for the empty key, which no view produces).
inline uint8_t DbOf(std::string_view key) { return key.empty() ? 0 : static_cast<uint8_t>(key[0]); }

// "dbkeys": varint triples (physical db, key count, keys with an expiry) for the non-empty
// databases.
inline std::string EncodeDbKeys(const RocksStore::DbCounts& counts) {
  std::string s;
  for (size_t i = 0; i < counts.keys.size(); i++) {
    if (counts.keys[i] == 0 && counts.expires[i] == 0) continue;
    PutVarint64(&s, i);
    PutVarint64(&s, counts.keys[i]);
    PutVarint64(&s, counts.expires[i]);
  }
  return s;
}

inline Status DecodeDbKeys(std::string_view in, RocksStore::DbCounts* counts) {
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

// "dbbytes": varint pairs (physical db, logical size) for the databases whose size is not 0
// (docs/memory.md). Absent in stores written before it: Open recounts it from "meta".
inline std::string EncodeDbBytes(const RocksStore::DbCounts& counts) {
  std::string s;
  for (size_t i = 0; i < counts.bytes.size(); i++) {
    if (counts.bytes[i] == 0) continue;
    PutVarint64(&s, i);
    PutVarint64(&s, counts.bytes[i]);
  }
  return s;
}

inline Status DecodeDbBytes(std::string_view in, RocksStore::DbCounts* counts) {
  counts->bytes.fill(0);
  while (!in.empty()) {
    uint64_t db = 0, n = 0;
    if (!GetVarint64(&in, &db) || !GetVarint64(&in, &n) || db >= counts->bytes.size()) {
      return Status::Corruption("bad dbbytes record");
    }
    counts->bytes[db] = n;
  }
  return Status::OK();
}

// KeyCharge of an encoded metadata record (format in rocks_store.h) under a stored key.
// The stamp is not charged (KeyCharge(Value) does not see it either).
inline uint64_t RecordCharge(size_t key_len, std::string_view raw) {
  RecordFields f;
  if (!ParseRecord(raw, &f)) return KeyCharge(key_len, ValueType::kString, 0, 0);
  const uint64_t n = IsCollection(f.type) && f.payload.size() >= 8 ? DecodeFixed64(f.payload.data()) : 0;
  return KeyCharge(key_len, f.type, f.payload.size(), n);
}

inline RocksStore::DbMap IdentityDbMap() {
  RocksStore::DbMap m;
  std::iota(m.begin(), m.end(), uint8_t{0});
  return m;
}

// The map record's value: kMaxDatabases bytes, a permutation of 0..kMaxDatabases-1.
inline Status DecodeDbMap(std::string_view in, RocksStore::DbMap* m) {
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

// Visits the sub-keys of one (key, version) with field < before ("" = all) in descending order.
template <typename Iter>
Status ScanSubBeforeWith(Iter* it, const std::string& prefix, std::string_view before, const SubKeyFn& fn) {
  std::string to = before.empty() ? PrefixEnd(prefix) : prefix + std::string(before);
  if (to.empty()) {
    it->SeekToLast();  // the prefix is all 0xff bytes: nothing sorts after its sub-keys
  } else {
    it->SeekForPrev(ToSlice(to));
    if (it->Valid() && it->key() == ToSlice(to)) it->Prev();  // exclusive
  }
  for (; it->Valid(); it->Prev()) {
    rocksdb::Slice k = it->key();
    if (!k.starts_with(ToSlice(prefix))) break;
    rocksdb::Slice v = it->value();
    if (!fn(std::string_view(k.data() + prefix.size(), k.size() - prefix.size()), std::string_view(v.data(), v.size()))) {
      break;
    }
  }
  return FromRocks(it->status());
}

}  // namespace redraft::store::internal
