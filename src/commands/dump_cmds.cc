// DUMP and RESTORE in Redis 7.0's payload format (rdb/value.h, docs/dump_format.md), so values
// move between redis-server and redraft in both directions.
//
// DUMP is a read: it serializes the live value as Redis 7.0 would (the encoding Redis would
// choose for it with default config). RESTORE is one log entry holding the payload as sent; every
// replica decodes it at apply time (a pure function of the bytes) and writes the same key, so
// the state stays deterministic. Option syntax is checked before proposing (Redis checks it
// before looking at the key); everything Redis checks after the key lookup is checked at apply,
// in Redis's order.
#include <climits>

#include "commands/args.h"
#include "commands/collection.h"
#include "commands/command.h"
#include "commands/dump_value.h"
#include "commands/notify.h"

namespace redraft::commands {
namespace {

using store::Value;

void ExecDump(ExecContext& ctx, const Argv& argv) {
  Value v;
  Status s = ctx.store.Get(argv[1], ctx.now_ms, &v);
  if (s.IsNotFound()) return ctx.reply.Null();
  PanicOnStoreError(s);
  ctx.reply.Bulk(rdb::EncodeDump(ReadObject(ctx.store, argv[1], v)));
}

struct RestoreOptions {
  bool replace = false, absttl = false;
  int64_t idle = -1, freq = -1;
};

// Redis restoreCommand's option loop: IDLETIME and FREQ exclude each other (the second one is a
// syntax error).
bool ParseRestoreOptions(const Argv& argv, resp::ReplyBuilder& reply, RestoreOptions* o) {
  for (size_t j = 4; j < argv.size(); j++) {
    size_t additional = argv.size() - j - 1;
    std::string_view a = CStrView(argv[j]);
    if (EqualsIgnoreCase(a, "replace")) {
      o->replace = true;
    } else if (EqualsIgnoreCase(a, "absttl")) {
      o->absttl = true;
    } else if (EqualsIgnoreCase(a, "idletime") && additional >= 1 && o->freq == -1) {
      if (!ParseInt64(argv[j + 1], &o->idle)) return reply.Error(kErrNotInteger), false;
      if (o->idle < 0) return reply.Error("ERR Invalid IDLETIME value, must be >= 0"), false;
      j++;
    } else if (EqualsIgnoreCase(a, "freq") && additional >= 1 && o->idle == -1) {
      if (!ParseInt64(argv[j + 1], &o->freq)) return reply.Error(kErrNotInteger), false;
      if (o->freq < 0 || o->freq > 255) return reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255"), false;
      j++;
    } else {
      return reply.Error(kErrSyntax), false;
    }
  }
  return true;
}

bool PrepareRestore(PrepareContext& ctx, Argv& argv) {
  RestoreOptions o;
  return ParseRestoreOptions(argv, ctx.reply, &o);
}

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]. IDLETIME and FREQ go to
// this node's eviction access table after the commit (AccessNote): hints, not replicated state
// (docs/dump_format.md).
void ApplyRestore(ApplyContext& ctx, const Argv& argv) {
  RestoreOptions o;
  if (!ParseRestoreOptions(argv, ctx.reply, &o)) return;
  const std::string& key = argv[1];
  Value existing;
  bool exists = false;
  if (Status s = ctx.batch.GetRaw(key, &existing); s.ok()) {
    exists = true;
    if (store::IsExpired(existing, ctx.now_ms)) {  // lookupKeyWrite: an expired key is deleted
      ctx.batch.Delete(key);
      Notify(ctx, kNotifyExpired, "expired", key);
      exists = false;
    }
  } else if (!s.IsNotFound()) {
    PanicOnStoreError(s);
  }
  if (exists && !o.replace) return ctx.reply.Error("BUSYKEY Target key name already exists.");
  int64_t ttl;
  if (!ParseInt64(argv[2], &ttl)) return ctx.reply.Error(kErrNotInteger);
  if (ttl < 0) return ctx.reply.Error("ERR Invalid TTL value, must be >= 0");
  rdb::Object obj;
  switch (rdb::DecodeDump(argv[3], &obj)) {
    case rdb::DumpStatus::kOk:
      break;
    case rdb::DumpStatus::kVersionOrChecksum:
      return ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
    case rdb::DumpStatus::kBadFormat:
      return ctx.reply.Error("ERR Bad data format");
  }
  // A relative TTL counts from the entry's time (the leader's clock: the same on every replica).
  // Redis adds it to mstime() unchecked; a sum past INT64_MAX is already expired here.
  int64_t expire_ms = ttl;
  if (ttl != 0 && !o.absttl) expire_ms = ttl > INT64_MAX - ctx.now_ms ? INT64_MIN : ttl + ctx.now_ms;
  if (ttl != 0 && expire_ms <= ctx.now_ms) {  // checkAlreadyExpired: the key is not created
    if (exists) {
      ctx.batch.Delete(key);
      Notify(ctx, kNotifyGeneric, "del", key);
    }
    return ctx.reply.Ok();
  }
  if (exists) ctx.batch.Delete(key);  // REPLACE: the old value's sub-keys become garbage
  std::string err = WriteObject(ctx, key, obj, expire_ms);
  if (!err.empty()) return ctx.reply.Error(err);
  Notify(ctx, kNotifyGeneric, "restore", key);
  if ((o.idle >= 0 || o.freq >= 0) && ctx.access_notes && ctx.batch.db() >= 0) {
    ctx.access_notes->push_back(
        {store::QualifyKey(ctx.batch.PhysicalDb(ctx.batch.db()), key), o.idle, o.freq, ctx.now_ms});
  }
  ctx.reply.Ok();
}

}  // namespace

extern const CommandSpec kDumpCommands[] = {
    {.name = "dump", .arity = 2, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = "generic",
     .since = "2.6.0", .summary = "Return a serialized version of the value stored at the specified key.",
     .complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis "
                   "objects composing the value and M their average size. For small string values the time "
                   "complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
     .execute = ExecDump, .key_flags = "RO access", .tips = "nondeterministic_output", .args = "key:key@0"},
    {.name = "restore", .arity = -4, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "2.6.0",
     .summary = "Create a key using the provided serialized value, previously obtained using DUMP.",
     .complexity = "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N "
                   "is the number of Redis objects composing the value and M their average size. For small string "
                   "values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for "
                   "sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is "
                   "O(log(N)).",
     .prepare = PrepareRestore, .apply = ApplyRestore, .key_flags = "OW update", .acl = kAclDangerous,
     .args = "key:key@0 ttl:integer serialized-value:string replace:pure-token=REPLACE/3.0.0? "
             "absttl:pure-token=ABSTTL/5.0.0? seconds:integer=IDLETIME/5.0.0? frequency:integer=FREQ/5.0.0?",
     .history = "3.0.0 Added the `REPLACE` modifier.\n5.0.0 Added the `ABSTTL` modifier.\n5.0.0 Added the "
                "`IDLETIME` and `FREQ` options."},
    {},
};

}  // namespace redraft::commands
