// The HyperLogLog commands (Redis 7.0 hyperloglog.c): PFADD, PFCOUNT, PFMERGE over Redis's exact
// representation (hyperloglog_format.h), stored as plain string values.
//
// PFADD and PFMERGE are writes whose argv is already deterministic (it is their log form); apply
// read-modify-writes the value in the entry's batch and keeps the key's TTL, as Redis does.
//
// PFCOUNT is a read here. Redis's PFCOUNT of one key stores the cardinality it computed in the
// value's header (a write Redis propagates); redraft never writes outside the log on a read, so
// PFCOUNT uses a valid cache when there is one and otherwise computes the count without storing
// it. The only observable difference: after PFCOUNT, GET returns the header with the cache still
// marked invalid where Redis holds the computed count (bytes 8..15); counts are identical.
#include <cstring>
#include <vector>

#include "commands/args.h"
#include "commands/command.h"
#include "commands/hyperloglog_format.h"
#include "commands/hyperloglog_memo.h"
#include "commands/notify.h"
#include "resp/error_text.h"

namespace redraft::commands {
namespace {

using store::Value;
using store::ValueType;

constexpr std::string_view kErrInvalidHll = "INVALIDOBJ Corrupted HLL object detected";
constexpr std::string_view kErrNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";

// Loads an HLL: false after an error reply (another type, or a string that is not an HLL);
// *found false when the key is absent or expired.
template <typename Source>
bool LoadHll(Source& src, std::string_view key, int64_t now, Value* v, bool* found, resp::ReplyBuilder& reply) {
  Status st = src.Get(key, now, v);
  *found = false;
  if (st.IsNotFound()) return true;
  if (!st.ok()) {
    reply.Error(resp::ErrorText(st));
    return false;
  }
  if (v->type != ValueType::kString) {
    reply.Error(kErrWrongType);
    return false;
  }
  if (!hll::LooksLikeHll(v->payload)) {
    reply.Error(kErrNotHll);
    return false;
  }
  *found = true;
  return true;
}

void PfaddApply(ApplyContext& ctx, const Argv& argv) {
  Value v;
  bool found;
  if (!LoadHll(ctx.batch, argv[1], ctx.now_ms, &v, &found, ctx.reply)) return;
  bool updated = false;
  if (!found) {
    v.type = ValueType::kString;
    v.expire_ms = 0;
    v.payload = hll::NewHll();
    updated = true;
  }
  for (size_t j = 2; j < argv.size(); j++) {
    int r = hll::Add(&v.payload, argv[j]);
    if (r < 0) {
      // A corrupted sparse body: Redis keeps the registers the elements before this one set (its
      // value is updated in place; a sparse update also invalidates the cache) and answers the
      // error. Kept here as well, through the log, so GET shows what Redis shows.
      if (updated && found) {
        hll::InvalidateCache(&v.payload);
        ctx.batch.Put(argv[1], v);
      }
      return ctx.reply.Error(kErrInvalidHll);
    }
    updated |= r == 1;
  }
  if (updated) {
    hll::InvalidateCache(&v.payload);
    ctx.batch.Put(argv[1], v);
    Notify(ctx, kNotifyString, "pfadd", argv[1]);
  }
  ctx.reply.Integer(updated ? 1 : 0);
}

void PfcountCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  bool found;
  if (argv.size() > 2) {  // the cardinality of the union
    std::vector<uint8_t> max(hll::kRegisters, 0);
    for (size_t j = 1; j < argv.size(); j++) {
      if (!LoadHll(ctx.store, argv[j], ctx.now_ms, &v, &found, ctx.reply)) return;
      if (!found) continue;
      if (!hll::MergeInto(v.payload, max.data())) return ctx.reply.Error(kErrInvalidHll);
    }
    return ctx.reply.Integer(static_cast<int64_t>(hll::CountRegisters(max.data())));
  }
  if (!LoadHll(ctx.store, argv[1], ctx.now_ms, &v, &found, ctx.reply)) return;
  if (!found) return ctx.reply.Integer(0);
  uint64_t card;
  // The header's cache when valid, else the memo of a count computed from the same bytes
  // (hyperloglog_memo.h), else computed (and remembered: a corrupt HLL is never remembered).
  if (!hll::CachedCount(v.payload, &card) && !hll_memo::Find(ctx.store.db(), argv[1], v.payload, &card)) {
    bool invalid = false;
    card = hll::Count(v.payload, &invalid);
    if (invalid) return ctx.reply.Error(kErrInvalidHll);
    hll_memo::Remember(ctx.store.db(), argv[1], v.payload, card);
  }
  ctx.reply.Integer(static_cast<int64_t>(card));
}

void PfmergeApply(ApplyContext& ctx, const Argv& argv) {
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool use_dense = false;
  Value v;
  bool found;
  for (size_t j = 1; j < argv.size(); j++) {  // the destination is a source too
    if (!LoadHll(ctx.batch, argv[j], ctx.now_ms, &v, &found, ctx.reply)) return;
    if (!found) continue;
    if (static_cast<uint8_t>(v.payload[4]) == hll::kDense) use_dense = true;
    if (!hll::MergeInto(v.payload, max.data())) return ctx.reply.Error(kErrInvalidHll);
  }
  Value dest;
  if (!LoadHll(ctx.batch, argv[1], ctx.now_ms, &dest, &found, ctx.reply)) return;
  if (!found) {
    dest.type = ValueType::kString;
    dest.expire_ms = 0;
    dest.payload = hll::NewHll();
  }
  if (use_dense && !hll::SparseToDense(&dest.payload)) return ctx.reply.Error(kErrInvalidHll);
  for (long j = 0; j < hll::kRegisters; j++) {
    if (max[j] != 0) hll::SetRegister(&dest.payload, j, max[j]);
  }
  hll::InvalidateCache(&dest.payload);
  ctx.batch.Put(argv[1], dest);
  Notify(ctx, kNotifyString, "pfadd", argv[1]);  // Redis reports PFMERGE as pfadd
  ctx.reply.Ok();
}

}  // namespace

constexpr KeySpec kPfmergeKeys[] = {
    {.flags = "RW access insert", .index = 1, .lastkey = 0},
    {.flags = "RO access", .index = 2, .lastkey = -1}
};

extern const CommandSpec kHyperLogLogCommands[] = {
    {.name = "pfadd", .arity = -2, .flags = kWrite | kDenyOom | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hyperloglog", .since = "2.8.9", .summary = "Adds the specified elements to the specified HyperLogLog.",
     .complexity = "O(1) to add every element.", .apply = &PfaddApply, .key_flags = "RW insert",
     .args = "key:key@0 element:string?*"},
    {.name = "pfcount", .arity = -2, .flags = kReadonly, .first_key = 1, .last_key = -1, .key_step = 1,
     .group = "hyperloglog", .since = "2.8.9",
     .summary = "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
     .complexity = "O(1) with a very small average constant time when called with a single key. O(N) with N being "
                   "the number of keys, and much bigger constant times, when called with multiple keys.",
     .execute = &PfcountCmd, .key_flags = "RW access",
     .key_notes = "RW because it may change the internal representation of the key, and propagate to replicas",
     .args = "key:key@0*"},
    {.name = "pfmerge", .arity = -2, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = -1, .key_step = 1,
     .group = "hyperloglog", .since = "2.8.9", .summary = "Merge N different HyperLogLogs into a single one.",
     .complexity = "O(N) to merge N HyperLogLogs, but with high constant times.", .apply = &PfmergeApply,
     .key_specs = kPfmergeKeys, .args = "destkey:key@0 sourcekey:key@1*"},
    {},
};

}  // namespace redraft::commands
