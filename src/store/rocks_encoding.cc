// The key, sub-key and metadata record codings of store.h / rocks_store.h.
#include "common/coding.h"
#include "store/rocks_store.h"
#include "store/rocks_store_internal.h"

namespace redraft::store {

using namespace internal;

uint64_t KeyCharge(size_t stored_key_len, const Value& v) {
  return KeyCharge(stored_key_len, v.type, v.payload.size(), IsCollection(v.type) ? CollectionSize(v) : 0);
}

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

void EncodeValue(const Value& v, std::string* dst) {
  const bool stamped = v.stamp != 0 && IsCollection(v.type);
  dst->reserve(dst->size() + kValueHeader + v.payload.size() + (stamped ? kStampBytes : 0));
  dst->push_back(static_cast<char>(static_cast<uint8_t>(v.type) | (stamped ? kStampedFlag : 0)));
  PutFixed64(dst, static_cast<uint64_t>(v.expire_ms));
  PutFixed64(dst, v.version);
  dst->append(v.payload);
  if (stamped) PutFixed64(dst, v.stamp);
}

Status DecodeValue(std::string_view data, Value* out) {
  RecordFields f;
  if (!ParseRecord(data, &f)) return Status::Corruption("value record too short");
  out->type = f.type;
  out->expire_ms = f.expire_ms;
  out->version = f.version;
  out->stamp = f.stamp;
  out->payload.assign(f.payload);
  return Status::OK();
}

}  // namespace redraft::store
