// Internals shared by the set family's files (sets.cc: the table, single-set commands, random
// picks, SSCAN; sets_algebra.cc: SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD, SMEMBERS).
// Storage: docs/data_model.md ("Sets"). Not for other families: use collection.h.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/collection.h"
#include "commands/command.h"

namespace redraft::commands::set_detail {

using store::Value;
using store::ValueType;

// The set at key on the read path / apply path (collection.h). kFailed: WRONGTYPE was replied.
inline Found ReadSet(ExecContext& ctx, std::string_view key, Value* v) {
  return ReadCollection(ctx, key, ValueType::kSet, v);
}
inline Found WriteSet(ApplyContext& ctx, std::string_view key, Value* v) {
  return WriteCollection(ctx, key, ValueType::kSet, v);
}
inline bool WriteSetOrCreate(ApplyContext& ctx, std::string_view key, Value* v) {
  return WriteCollectionOrCreate(ctx, key, ValueType::kSet, v);
}

// R is store::Store (read path) or store::Store::Batch (apply path): both read sub-keys alike.
template <class R>
bool IsMember(R& r, std::string_view key, const Value& v, std::string_view member) {
  std::string unused;
  Status s = r.GetSub(key, v.version, member, &unused);
  PanicOnStoreError(s);
  return s.ok();
}

// Visits the members of a live set in byte order until fn returns false.
template <class R>
void ForEachMember(R& r, std::string_view key, const Value& v, const std::function<bool(std::string_view)>& fn) {
  Status s = r.ScanSub(key, v.version, "", [&](std::string_view member, std::string_view) { return fn(member); });
  PanicOnStoreError(s);
}

template <class R>
std::vector<std::string> Members(R& r, std::string_view key, const Value& v) {
  std::vector<std::string> out;
  out.reserve(store::CollectionSize(v));
  ForEachMember(r, key, v, [&](std::string_view m) {
    out.emplace_back(m);
    return true;
  });
  return out;
}

// The member at position i (byte order). REQUIRES: i < the set's size.
template <class R>
std::string MemberAt(R& r, std::string_view key, const Value& v, uint64_t i) {
  std::string out;
  uint64_t n = 0;
  ForEachMember(r, key, v, [&](std::string_view m) {
    if (n++ < i) return true;
    out.assign(m);
    return false;
  });
  REDRAFT_CHECK(n == i + 1);  // the metadata size is the number of sub-keys
  return out;
}

// A set reply (RESP3 ~, RESP2 *) of members.
inline void ReplyMembers(resp::ReplyBuilder& reply, const std::vector<std::string>& members) {
  reply.SetHeader(members.size());
  for (const auto& m : members) reply.Bulk(m);
}

// SMEMBERS, SINTER, SUNION, SDIFF, SINTERCARD (reads) and SINTERSTORE, SUNIONSTORE, SDIFFSTORE
// (writes): sets_algebra.cc.
void SmembersCmd(ExecContext& ctx, const Argv& argv);
void SinterCmd(ExecContext& ctx, const Argv& argv);
void SunionCmd(ExecContext& ctx, const Argv& argv);
void SdiffCmd(ExecContext& ctx, const Argv& argv);
void SintercardCmd(ExecContext& ctx, const Argv& argv);
void SinterstoreApply(ApplyContext& ctx, const Argv& argv);
void SunionstoreApply(ApplyContext& ctx, const Argv& argv);
void SdiffstoreApply(ApplyContext& ctx, const Argv& argv);

}  // namespace redraft::commands::set_detail
