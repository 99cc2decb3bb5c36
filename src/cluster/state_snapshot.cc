#include "cluster/state_snapshot.h"

#include "common/coding.h"

namespace redraft::cluster {

namespace {
constexpr std::string_view kMagic = "RDSNAP1";
}

std::string DumpState(store::Store* store, const std::map<uint64_t, MemberAddr>& members) {
  std::string out(kMagic);
  PutVarint64(&out, store->applied_index());
  PutVarint64(&out, members.size());
  for (auto& [id, addr] : members) {
    PutVarint64(&out, id);
    PutLengthPrefixed(&out, addr.Encode());
  }
  Status st = store->Scan("", [&](std::string_view key, const store::Value& v) {
    PutLengthPrefixed(&out, key);
    out.push_back(static_cast<char>(v.type));
    PutVarint64(&out, static_cast<uint64_t>(v.expire_ms));
    PutVarint64(&out, v.version);
    PutLengthPrefixed(&out, v.payload);
    return true;
  });
  if (!st.ok()) REDRAFT_PANIC("store scan for a snapshot failed: " + st.ToString());
  return out;
}

Status RestoreState(store::Store* store, std::string_view in, std::map<uint64_t, MemberAddr>* members,
                    uint64_t* applied) {
  if (in.substr(0, kMagic.size()) != kMagic) return Status::Corruption("snapshot: bad magic");
  in.remove_prefix(kMagic.size());
  uint64_t a, n;
  if (!GetVarint64(&in, &a) || !GetVarint64(&in, &n)) return Status::Corruption("snapshot: header");
  members->clear();
  for (uint64_t i = 0; i < n; i++) {
    uint64_t id;
    std::string_view addr;
    MemberAddr m;
    if (!GetVarint64(&in, &id) || !GetLengthPrefixed(&in, &addr) || !MemberAddr::Decode(std::string(addr), &m)) {
      return Status::Corruption("snapshot: member");
    }
    (*members)[id] = m;
  }
  auto batch = store->NewBatch();
  batch->DeleteAll();
  while (!in.empty()) {
    std::string_view key, payload;
    uint64_t expire, version;
    if (!GetLengthPrefixed(&in, &key) || in.empty()) return Status::Corruption("snapshot: key");
    store::Value v;
    v.type = static_cast<store::ValueType>(static_cast<uint8_t>(in[0]));
    in.remove_prefix(1);
    if (!GetVarint64(&in, &expire) || !GetVarint64(&in, &version) || !GetLengthPrefixed(&in, &payload)) {
      return Status::Corruption("snapshot: value");
    }
    v.expire_ms = static_cast<int64_t>(expire);
    v.version = version;
    v.payload.assign(payload);
    batch->Put(key, v);
  }
  if (a <= store->applied_index()) return Status::OK();  // already at or past it
  REDRAFT_RETURN_IF_ERROR(store->Commit(batch.get(), a));
  REDRAFT_RETURN_IF_ERROR(store->Flush());
  *applied = a;
  return Status::OK();
}

}  // namespace redraft::cluster
