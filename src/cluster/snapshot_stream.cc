#include "cluster/snapshot_stream.h"

#include "common/coding.h"
#include "common/crc32c.h"

namespace redraft::cluster {

std::string EncodeSnapBegin(const SnapBegin& b) {
  std::string out;
  PutVarint64(&out, b.id);
  PutLengthPrefixed(&out, b.raft_message);
  PutVarint64(&out, b.applied);
  PutVarint64(&out, b.key_count);
  PutVarint64(&out, static_cast<uint64_t>(b.log_time_ms));
  PutMemberList(&out, b.members);
  return out;
}

bool DecodeSnapBegin(std::string_view in, SnapBegin* out) {
  std::string_view msg;
  uint64_t log_time;
  if (!GetVarint64(&in, &out->id) || !GetLengthPrefixed(&in, &msg) || !GetVarint64(&in, &out->applied) ||
      !GetVarint64(&in, &out->key_count) || !GetVarint64(&in, &log_time) || !GetMemberList(&in, &out->members)) {
    return false;
  }
  out->raft_message.assign(msg);
  out->log_time_ms = static_cast<int64_t>(log_time);
  return in.empty();
}

void AppendSnapRecord(std::string* dst, std::string_view key, const store::Value& v) {
  const bool stamped = v.stamp != 0 && store::IsCollection(v.type);
  PutLengthPrefixed(dst, key);
  dst->push_back(static_cast<char>(static_cast<uint8_t>(v.type) | (stamped ? kSnapStampedFlag : 0)));
  PutVarint64(dst, static_cast<uint64_t>(v.expire_ms));
  PutVarint64(dst, v.version);
  if (stamped) PutVarint64(dst, v.stamp);
  PutLengthPrefixed(dst, v.payload);
}

bool NextSnapRecord(std::string_view* in, std::string_view* key, store::Value* v) {
  uint64_t expire;
  std::string_view payload;
  if (!GetLengthPrefixed(in, key) || in->empty()) return false;
  uint8_t type = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  const bool stamped = type != static_cast<uint8_t>(store::ValueType::kSubKey) && (type & kSnapStampedFlag);
  if (stamped) type = static_cast<uint8_t>(type & ~kSnapStampedFlag);
  if (!store::IsSnapshotRecordType(type) || (stamped && !store::IsCollection(static_cast<store::ValueType>(type)))) {
    return false;
  }
  v->stamp = 0;
  if (!GetVarint64(in, &expire) || !GetVarint64(in, &v->version) || (stamped && !GetVarint64(in, &v->stamp)) ||
      !GetLengthPrefixed(in, &payload)) {
    return false;
  }
  if (type == static_cast<uint8_t>(store::ValueType::kSubKey)) {
    std::string_view k, f;
    uint64_t ver;
    if (!store::DecodeSubKey(*key, &k, &ver, &f)) return false;
  }
  v->type = static_cast<store::ValueType>(type);
  v->expire_ms = static_cast<int64_t>(expire);
  v->payload.assign(payload);
  return true;
}

std::string StartSnapChunk(uint64_t id, uint64_t seq) {
  std::string out;
  PutVarint64(&out, id);
  PutVarint64(&out, seq);
  return out;
}

void FinishSnapChunk(std::string* chunk) {
  PutFixed32(chunk, crc32c::Mask(crc32c::Value(chunk->data(), chunk->size())));
}

bool DecodeSnapChunk(std::string_view in, uint64_t* id, uint64_t* seq, std::string_view* records) {
  if (in.size() < 4) return false;
  std::string_view body = in.substr(0, in.size() - 4);
  if (crc32c::Unmask(DecodeFixed32(in.data() + body.size())) != crc32c::Value(body.data(), body.size())) return false;
  if (!GetVarint64(&body, id) || !GetVarint64(&body, seq)) return false;
  *records = body;
  return true;
}

std::string EncodeSnapEnd(const SnapEnd& e) {
  std::string out;
  PutVarint64(&out, e.id);
  PutVarint64(&out, e.chunks);
  PutVarint64(&out, e.records);
  PutFixed32(&out, crc32c::Mask(e.crc));
  return out;
}

bool DecodeSnapEnd(std::string_view in, SnapEnd* out) {
  uint32_t crc;
  if (!GetVarint64(&in, &out->id) || !GetVarint64(&in, &out->chunks) || !GetVarint64(&in, &out->records) ||
      !GetFixed32(&in, &crc) || !in.empty()) {
    return false;
  }
  out->crc = crc32c::Unmask(crc);
  return true;
}

std::string EncodeSnapAck(const SnapAck& a) {
  std::string out;
  PutVarint64(&out, a.id);
  PutVarint64(&out, a.seq);
  out.push_back(a.ok ? 1 : 0);
  return out;
}

bool DecodeSnapAck(std::string_view in, SnapAck* out) {
  if (!GetVarint64(&in, &out->id) || !GetVarint64(&in, &out->seq) || in.size() != 1) return false;
  out->ok = in[0] == 1;
  return true;
}

}  // namespace redraft::cluster
