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

}  // namespace redraft::store
