#include "cluster/state_snapshot.h"

#include "cluster/snapshot_stream.h"
#include "common/coding.h"
#include "common/crc32c.h"

namespace redraft::cluster {

namespace {
constexpr std::string_view kMagic = "RDSNAP2";
constexpr size_t kTrailerBytes = 4;
}

std::string DumpState(store::Store* store, const std::map<uint64_t, MemberAddr>& members) {
  std::string out(kMagic);
  PutVarint64(&out, store->applied_index());
  PutMemberList(&out, members);
  // Keys, then sub-keys (records of type kSubKey), as the view yields them.
  auto view = store->NewSnapshotView();
  store::Value v;
  for (; view->Valid(); view->Next()) {
    Status st = view->value(&v);
    if (!st.ok()) REDRAFT_PANIC("store scan for a snapshot failed: " + st.ToString());
    AppendSnapRecord(&out, view->key(), v);  // the streamed snapshot's record layout too
  }
  if (!view->status().ok()) REDRAFT_PANIC("store scan for a snapshot failed: " + view->status().ToString());
  PutFixed32(&out, crc32c::Mask(crc32c::Value(out.data(), out.size())));
  return out;
}

Result<ParsedState> ParseState(std::string_view in) {
  if (in.size() < kMagic.size() + kTrailerBytes) return Status::Corruption("snapshot: too short");
  if (in.substr(0, kMagic.size()) != kMagic) return Status::Corruption("snapshot: bad magic or version");
  std::string_view body = in.substr(0, in.size() - kTrailerBytes);
  uint32_t stored = crc32c::Unmask(DecodeFixed32(in.data() + body.size()));
  if (crc32c::Value(body.data(), body.size()) != stored) return Status::Corruption("snapshot: checksum mismatch");
  body.remove_prefix(kMagic.size());

  ParsedState s;
  if (!GetVarint64(&body, &s.applied)) return Status::Corruption("snapshot: header");
  if (!GetMemberList(&body, &s.members)) return Status::Corruption("snapshot: members");
  while (!body.empty()) {
    ParsedState::Record r;
    uint64_t expire;
    if (!GetLengthPrefixed(&body, &r.key) || body.empty()) return Status::Corruption("snapshot: key");
    uint8_t type = static_cast<uint8_t>(body[0]);
    body.remove_prefix(1);
    const bool stamped = type != static_cast<uint8_t>(store::ValueType::kSubKey) && (type & kSnapStampedFlag);
    if (stamped) type = static_cast<uint8_t>(type & ~kSnapStampedFlag);
    if (!store::IsSnapshotRecordType(type) || (stamped && !store::IsCollection(static_cast<store::ValueType>(type)))) {
      return Status::Corruption("snapshot: value type");
    }
    r.type = static_cast<store::ValueType>(type);
    // Keys, then sub-keys, each from a store scan: strictly increasing, so none is given twice.
    bool sub = r.type == store::ValueType::kSubKey;
    if (!s.records.empty()) {
      bool prev_sub = s.records.back().type == store::ValueType::kSubKey;
      if (prev_sub && !sub) return Status::Corruption("snapshot: a key after the sub-keys");
      if (prev_sub == sub && !(s.records.back().key < r.key)) return Status::Corruption("snapshot: key order");
    }
    if (sub) {
      std::string_view k, f;
      uint64_t ver;
      if (!store::DecodeSubKey(r.key, &k, &ver, &f)) return Status::Corruption("snapshot: sub-key");
    }
    r.stamp = 0;
    if (!GetVarint64(&body, &expire) || !GetVarint64(&body, &r.version) || (stamped && !GetVarint64(&body, &r.stamp)) ||
        !GetLengthPrefixed(&body, &r.payload)) {
      return Status::Corruption("snapshot: value");
    }
    r.expire_ms = static_cast<int64_t>(expire);
    s.records.push_back(r);
  }
  return s;
}

Status RestoreState(store::Store* store, std::string_view data, std::map<uint64_t, MemberAddr>* members,
                    uint64_t* applied) {
  auto parsed = ParseState(data);
  if (!parsed.ok()) return parsed.status();
  *members = parsed->members;
  if (parsed->applied <= store->applied_index()) return Status::OK();  // already at or past it
  auto batch = store->NewBatch();
  batch->DeleteAll();
  store::Value v;
  for (const ParsedState::Record& r : parsed->records) {
    if (r.type == store::ValueType::kSubKey) {
      std::string_view k, f;
      uint64_t ver;
      store::DecodeSubKey(r.key, &k, &ver, &f);  // checked by ParseState
      batch->PutSub(k, ver, f, r.payload);
      continue;
    }
    v.type = r.type;
    v.expire_ms = r.expire_ms;
    v.version = r.version;
    v.stamp = r.stamp;
    v.payload.assign(r.payload);
    batch->Put(r.key, v);
  }
  REDRAFT_RETURN_IF_ERROR(store->Commit(batch.get(), parsed->applied));
  REDRAFT_RETURN_IF_ERROR(store->Flush());
  *applied = parsed->applied;
  return Status::OK();
}

}  // namespace redraft::cluster
