// The hash command family, with Redis 7.0 semantics (t_hash.c) and replies.
//
// Storage (docs/data_model.md): the key's metadata record has type hash, its expiry, a version
// and the field count; each field is a sub-key (key, version, field) -> value. A hash is created
// with a fresh version (NewVersion: derived from the entry's log index, the same on every
// replica) and deleted by deleting its metadata record when its last field goes, as Redis deletes
// an empty hash. DEL, overwrite and expiry only touch the metadata record (keys.cc), so they are
// O(1) whatever the size; the old version's sub-keys are garbage from then on.
//
// Writes are applied from their log form, which is the command as sent (every argument is
// deterministic). Reads (HGET ... HSCAN, HRANDFIELD) run on the read path; HRANDFIELD's randomness
// is therefore a local RNG, as a read may use.
//
// Order: HGETALL/HKEYS/HVALS/HSCAN list fields in byte order. Redis lists a small (listpack) hash
// in insertion order and a large one in hash-table order; neither is promised to clients.
#include <algorithm>
#include <climits>
#include <cmath>
#include <random>
#include <vector>

#include "commands/args.h"
#include "commands/collection.h"
#include "commands/command.h"
#include "commands/notify.h"
#include "commands/glob.h"
#include "commands/scan_cursor.h"

namespace redraft::commands {

namespace {

using store::Value;
using store::ValueType;

// The hash at key on the read path / apply path (collection.h). kFailed: WRONGTYPE was replied.
Found ReadHash(ExecContext& ctx, std::string_view key, Value* v) {
  return ReadCollection(ctx, key, ValueType::kHash, v);
}
Found WriteHash(ApplyContext& ctx, std::string_view key, Value* v) {
  return WriteCollection(ctx, key, ValueType::kHash, v);
}
bool WriteHashOrCreate(ApplyContext& ctx, std::string_view key, Value* v) {
  return WriteCollectionOrCreate(ctx, key, ValueType::kHash, v);
}

// Sets field to value; true if the field is new.
bool SetField(ApplyContext& ctx, std::string_view key, const Value& v, std::string_view field, std::string_view value) {
  std::string old;
  Status s = ctx.batch.GetSub(key, v.version, field, &old);
  PanicOnStoreError(s);
  ctx.batch.PutSub(key, v.version, field, value);
  return s.IsNotFound();
}

// Every (field, value) of a live hash.
std::vector<std::pair<std::string, std::string>> AllFields(store::Store& st, std::string_view key, const Value& v) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(store::CollectionSize(v));
  Status s = st.ScanSub(key, v.version, "", [&](std::string_view f, std::string_view val) {
    out.emplace_back(f, val);
    return true;
  });
  PanicOnStoreError(s);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writes

// HSET/HMSET: field-value pairs (Redis checks the pairing as an arity error).
bool HsetPrepare(PrepareContext& ctx, Argv& argv) {
  if (argv.size() % 2 == 1) {
    std::string name = argv[0];
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    ctx.reply.Error(WrongArity(name));
    return false;
  }
  return true;
}

void HsetGeneric(ApplyContext& ctx, const Argv& argv, bool hmset) {
  if (argv.size() % 2 == 1) {  // never proposed (prepare refuses); keep apply total
    ctx.reply.Error(WrongArity(hmset ? "hmset" : "hset"));
    return;
  }
  Value v;
  if (!WriteHashOrCreate(ctx, argv[1], &v)) return;
  uint64_t size = store::CollectionSize(v);
  int64_t created = 0;
  for (size_t i = 2; i < argv.size(); i += 2) {
    if (SetField(ctx, argv[1], v, argv[i], argv[i + 1])) created++;
  }
  StoreSize(ctx, argv[1], &v, size + created);
  Notify(ctx, kNotifyHash, "hset", argv[1]);
  if (hmset) ctx.reply.Ok(); else ctx.reply.Integer(created);
}

void HsetApply(ApplyContext& ctx, const Argv& argv) { HsetGeneric(ctx, argv, false); }
void HmsetApply(ApplyContext& ctx, const Argv& argv) { HsetGeneric(ctx, argv, true); }

void HsetnxApply(ApplyContext& ctx, const Argv& argv) {
  Value v;
  if (!WriteHashOrCreate(ctx, argv[1], &v)) return;
  std::string old;
  Status s = ctx.batch.GetSub(argv[1], v.version, argv[2], &old);
  PanicOnStoreError(s);
  if (s.ok()) {
    ctx.reply.Integer(0);
    return;
  }
  ctx.batch.PutSub(argv[1], v.version, argv[2], argv[3]);
  StoreSize(ctx, argv[1], &v, store::CollectionSize(v) + 1);
  Notify(ctx, kNotifyHash, "hset", argv[1]);
  ctx.reply.Integer(1);
}

// Redis hdelCommand: stops once the hash is empty (and deleted).
void HdelApply(ApplyContext& ctx, const Argv& argv) {
  Value v;
  Found f = WriteHash(ctx, argv[1], &v);
  if (f != Found::kYes) {
    if (f == Found::kNo) ctx.reply.Integer(0);
    return;
  }
  uint64_t size = store::CollectionSize(v);
  int64_t deleted = 0;
  for (size_t i = 2; i < argv.size() && size > 0; i++) {
    std::string old;
    Status s = ctx.batch.GetSub(argv[1], v.version, argv[i], &old);
    PanicOnStoreError(s);
    if (!s.ok()) continue;
    ctx.batch.DeleteSub(argv[1], v.version, argv[i]);
    deleted++;
    size--;
  }
  if (deleted > 0) {
    Notify(ctx, kNotifyHash, "hdel", argv[1]);
    StoreSize(ctx, argv[1], &v, size);
  }
  ctx.reply.Integer(deleted);
}

bool HincrbyPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t incr;
  if (!ParseInt64(argv[3], &incr)) {
    ctx.reply.Error(kErrNotInteger);
    return false;
  }
  return true;
}

void HincrbyApply(ApplyContext& ctx, const Argv& argv) {
  int64_t incr, value = 0;
  if (!ParseInt64(argv[3], &incr)) {
    ctx.reply.Error(kErrNotInteger);
    return;
  }
  Value v;
  if (!WriteHashOrCreate(ctx, argv[1], &v)) return;
  std::string old;
  Status s = ctx.batch.GetSub(argv[1], v.version, argv[2], &old);
  PanicOnStoreError(s);
  if (s.ok() && !ParseInt64(old, &value)) {
    ctx.reply.Error("ERR hash value is not an integer");
    return;
  }
  if ((incr < 0 && value < 0 && incr < (LLONG_MIN - value)) || (incr > 0 && value > 0 && incr > (LLONG_MAX - value))) {
    ctx.reply.Error(kErrOverflow);
    return;
  }
  value += incr;
  ctx.batch.PutSub(argv[1], v.version, argv[2], FormatInt64(value));
  StoreSize(ctx, argv[1], &v, store::CollectionSize(v) + (s.ok() ? 0 : 1));
  Notify(ctx, kNotifyHash, "hincrby", argv[1]);
  ctx.reply.Integer(value);
}

// Redis getLongDoubleFromObjectOrReply, then its NaN/Infinity check on the increment.
bool ParseFloatIncrement(const std::string& arg, resp::ReplyBuilder& reply, long double* incr) {
  if (!ParseLongDouble(arg, incr)) {
    reply.Error(kErrNotFloat);
    return false;
  }
  if (std::isnan(*incr) || std::isinf(*incr)) {
    reply.Error("ERR value is NaN or Infinity");
    return false;
  }
  return true;
}

bool HincrbyfloatPrepare(PrepareContext& ctx, Argv& argv) {
  long double incr;
  return ParseFloatIncrement(argv[3], ctx.reply, &incr);
}

void HincrbyfloatApply(ApplyContext& ctx, const Argv& argv) {
  long double incr, value = 0;
  if (!ParseFloatIncrement(argv[3], ctx.reply, &incr)) return;
  Value v;
  if (!WriteHashOrCreate(ctx, argv[1], &v)) return;
  std::string old;
  Status s = ctx.batch.GetSub(argv[1], v.version, argv[2], &old);
  PanicOnStoreError(s);
  if (s.ok() && !ParseLongDouble(old, &value)) {
    ctx.reply.Error("ERR hash value is not a float");
    return;
  }
  std::optional<std::string> sum = AddLongDoubleHuman(value, incr);
  if (!sum) {
    ctx.reply.Error(kErrNanOrInf);
    return;
  }
  std::string text = std::move(*sum);
  ctx.batch.PutSub(argv[1], v.version, argv[2], text);
  StoreSize(ctx, argv[1], &v, store::CollectionSize(v) + (s.ok() ? 0 : 1));
  Notify(ctx, kNotifyHash, "hincrbyfloat", argv[1]);
  ctx.reply.Bulk(text);
}

// ---------------------------------------------------------------------------------------------
// Reads

void HgetCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = ReadHash(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  std::string val;
  if (f == Found::kYes) {
    Status s = ctx.store.GetSub(argv[1], v.version, argv[2], &val);
    PanicOnStoreError(s);
    if (s.ok()) {
      ctx.reply.Bulk(val);
      return;
    }
  }
  ctx.reply.Null();
}

void HmgetCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = ReadHash(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  ctx.reply.ArrayHeader(argv.size() - 2);
  std::string val;
  for (size_t i = 2; i < argv.size(); i++) {
    Status s = f == Found::kYes ? ctx.store.GetSub(argv[1], v.version, argv[i], &val) : Status::NotFound("");
    PanicOnStoreError(s);
    if (s.ok()) ctx.reply.Bulk(val); else ctx.reply.Null();
  }
}

void HlenCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = ReadHash(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  ctx.reply.Integer(f == Found::kYes ? static_cast<int64_t>(store::CollectionSize(v)) : 0);
}

// HSTRLEN (length of the value, 0 if missing) and HEXISTS.
void FieldProbe(ExecContext& ctx, const Argv& argv, bool strlen) {
  Value v;
  Found f = ReadHash(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  std::string val;
  Status s = f == Found::kYes ? ctx.store.GetSub(argv[1], v.version, argv[2], &val) : Status::NotFound("");
  PanicOnStoreError(s);
  ctx.reply.Integer(!s.ok() ? 0 : strlen ? static_cast<int64_t>(val.size()) : 1);
}
void HstrlenCmd(ExecContext& ctx, const Argv& argv) { FieldProbe(ctx, argv, true); }
void HexistsCmd(ExecContext& ctx, const Argv& argv) { FieldProbe(ctx, argv, false); }

// Redis genericHgetallCommand: HKEYS, HVALS (arrays) and HGETALL (a map).
enum HashPart { kKeys = 1, kVals = 2 };
void GetAllGeneric(ExecContext& ctx, const Argv& argv, int parts) {
  Value v;
  Found f = ReadHash(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    if (parts == (kKeys | kVals)) ctx.reply.MapHeader(0); else ctx.reply.ArrayHeader(0);
    return;
  }
  auto fields = AllFields(ctx.store, argv[1], v);
  if (parts == (kKeys | kVals)) ctx.reply.MapHeader(fields.size()); else ctx.reply.ArrayHeader(fields.size());
  for (const auto& [field, val] : fields) {
    if (parts & kKeys) ctx.reply.Bulk(field);
    if (parts & kVals) ctx.reply.Bulk(val);
  }
}
void HkeysCmd(ExecContext& ctx, const Argv& argv) { GetAllGeneric(ctx, argv, kKeys); }
void HvalsCmd(ExecContext& ctx, const Argv& argv) { GetAllGeneric(ctx, argv, kVals); }
void HgetallCmd(ExecContext& ctx, const Argv& argv) { GetAllGeneric(ctx, argv, kKeys | kVals); }

// One HRANDFIELD element: RESP3 WITHVALUES pairs are arrays of two.
void ReplyPair(ExecContext& ctx, const std::pair<std::string, std::string>& p, bool withvalues) {
  if (withvalues && ctx.reply.proto() > 2) ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(p.first);
  if (withvalues) ctx.reply.Bulk(p.second);
}

// Redis hrandfieldCommand / hrandfieldWithCountCommand.
void HrandfieldCmd(ExecContext& ctx, const Argv& argv) {
  if (argv.size() >= 3) {
    RandomCount rc;
    if (!ParseRandomCount(ctx, argv, "withvalues", &rc)) return;
    bool withvalues = rc.with;
    Value v;
    Found f = ReadHash(ctx, argv[1], &v);
    if (f == Found::kFailed) return;
    if (f == Found::kNo || rc.n == 0) {
      ctx.reply.ArrayHeader(0);
      return;
    }
    auto fields = AllFields(ctx.store, argv[1], v);
    auto header = [&](uint64_t n) { ctx.reply.ArrayHeader(withvalues && ctx.reply.proto() == 2 ? n * 2 : n); };
    uint64_t n = rc.n;
    if (rc.repeat || n == 1) {  // with repetitions
      uint64_t bytes = 0;
      for (const auto& [field, val] : fields) bytes += field.size() + (withvalues ? val.size() + 16 : 0) + 16;
      if (!RandomReplyFits(ctx, n, bytes / fields.size())) return;
      header(n);
      std::uniform_int_distribution<size_t> pick(0, fields.size() - 1);
      for (uint64_t i = 0; i < n; i++) ReplyPair(ctx, fields[pick(ReadRng())], withvalues);
      return;
    }
    if (n >= fields.size()) {  // the whole hash
      header(fields.size());
      for (const auto& p : fields) ReplyPair(ctx, p, withvalues);
      return;
    }
    // n distinct fields in random order: a partial Fisher-Yates shuffle.
    for (uint64_t i = 0; i < n; i++) {
      std::uniform_int_distribution<size_t> pick(i, fields.size() - 1);
      std::swap(fields[i], fields[pick(ReadRng())]);
    }
    header(n);
    for (uint64_t i = 0; i < n; i++) ReplyPair(ctx, fields[i], withvalues);
    return;
  }
  Value v;
  Found f = ReadHash(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Null();
    return;
  }
  auto fields = AllFields(ctx.store, argv[1], v);
  if (fields.empty()) {
    ctx.reply.Null();
    return;
  }
  std::uniform_int_distribution<size_t> pick(0, fields.size() - 1);
  ctx.reply.Bulk(fields[pick(ReadRng())].first);
}

// HSCAN: hashes up to 128 fields answer in one call with cursor 0, as Redis does for a
// listpack-encoded hash (hash-max-listpack-entries 128); larger ones page by COUNT.
void HscanCmd(ExecContext& ctx, const Argv& argv) {
  static const ElementScan kHow{
      ValueType::kHash, 'h', 128, false, true,
      [](ExecContext& c, std::string_view key, const Value& v, std::string_view start, bool,
         const ElementScan::Emit& emit) { PanicOnStoreError(c.store.ScanSub(key, v.version, start, emit)); }};
  ScanElements(ctx, argv, kHow);
}

constexpr uint32_t kWriteDenyOomFast = kWrite | kDenyOom | kFast;

}  // namespace

extern const CommandSpec kHashCommands[] = {
    {.name = "hset", .arity = -4, .flags = kWriteDenyOomFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hash", .since = "2.0.0", .summary = "Set the string value of a hash field",
     .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is "
                   "called with multiple field/value pairs.",
     .prepare = &HsetPrepare, .apply = &HsetApply, .key_flags = "RW update",
     .args = "key:key@0 field_value:block*(field:string value:string)",
     .history = "4.0.0 Accepts multiple `field` and `value` arguments."},
    {.name = "hsetnx", .arity = 4, .flags = kWriteDenyOomFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hash", .since = "2.0.0", .summary = "Set the value of a hash field, only if the field does not exist",
     .complexity = "O(1)", .apply = &HsetnxApply, .key_flags = "RW insert",
     .args = "key:key@0 field:string value:string"},
    {.name = "hmset", .arity = -4, .flags = kWriteDenyOomFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hash", .since = "2.0.0", .summary = "Set multiple hash fields to multiple values",
     .complexity = "O(N) where N is the number of fields being set.", .prepare = &HsetPrepare, .apply = &HmsetApply,
     .key_flags = "RW update", .args = "key:key@0 field_value:block*(field:string value:string)",
     .deprecated_since = "4.0.0", .replaced_by = "`HSET` with multiple field-value pairs"},
    {.name = "hget", .arity = 3, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hash", .since = "2.0.0", .summary = "Get the value of a hash field", .complexity = "O(1)",
     .execute = &HgetCmd, .key_flags = "RO access", .args = "key:key@0 field:string"},
    {.name = "hmget", .arity = -3, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hash", .since = "2.0.0", .summary = "Get the values of all the given hash fields",
     .complexity = "O(N) where N is the number of fields being requested.", .execute = &HmgetCmd,
     .key_flags = "RO access", .args = "key:key@0 field:string*"},
    {.name = "hgetall", .arity = 2, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = "hash",
     .since = "2.0.0", .summary = "Get all the fields and values in a hash",
     .complexity = "O(N) where N is the size of the hash.", .execute = &HgetallCmd, .key_flags = "RO access",
     .tips = "nondeterministic_output_order", .args = "key:key@0"},
    {.name = "hdel", .arity = -3, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hash", .since = "2.0.0", .summary = "Delete one or more hash fields",
     .complexity = "O(N) where N is the number of fields to be removed.", .apply = &HdelApply,
     .key_flags = "RW delete", .args = "key:key@0 field:string*",
     .history = "2.4.0 Accepts multiple `field` arguments."},
    {.name = "hlen", .arity = 2, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hash", .since = "2.0.0", .summary = "Get the number of fields in a hash", .complexity = "O(1)",
     .execute = &HlenCmd, .key_flags = "RO", .args = "key:key@0"},
    {.name = "hstrlen", .arity = 3, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hash", .since = "3.2.0", .summary = "Get the length of the value of a hash field",
     .complexity = "O(1)", .execute = &HstrlenCmd, .key_flags = "RO", .args = "key:key@0 field:string"},
    {.name = "hexists", .arity = 3, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hash", .since = "2.0.0", .summary = "Determine if a hash field exists", .complexity = "O(1)",
     .execute = &HexistsCmd, .key_flags = "RO", .args = "key:key@0 field:string"},
    {.name = "hkeys", .arity = 2, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = "hash",
     .since = "2.0.0", .summary = "Get all the fields in a hash",
     .complexity = "O(N) where N is the size of the hash.", .execute = &HkeysCmd, .key_flags = "RO access",
     .tips = "nondeterministic_output_order", .args = "key:key@0"},
    {.name = "hvals", .arity = 2, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = "hash",
     .since = "2.0.0", .summary = "Get all the values in a hash",
     .complexity = "O(N) where N is the size of the hash.", .execute = &HvalsCmd, .key_flags = "RO access",
     .tips = "nondeterministic_output_order", .args = "key:key@0"},
    {.name = "hincrby", .arity = 4, .flags = kWriteDenyOomFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hash", .since = "2.0.0", .summary = "Increment the integer value of a hash field by the given number",
     .complexity = "O(1)", .prepare = &HincrbyPrepare, .apply = &HincrbyApply, .key_flags = "RW access update",
     .args = "key:key@0 field:string increment:integer"},
    {.name = "hincrbyfloat", .arity = 4, .flags = kWriteDenyOomFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hash", .since = "2.6.0", .summary = "Increment the float value of a hash field by the given amount",
     .complexity = "O(1)", .prepare = &HincrbyfloatPrepare, .apply = &HincrbyfloatApply,
     .key_flags = "RW access update", .args = "key:key@0 field:string increment:double"},
    {.name = "hrandfield", .arity = -2, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "hash", .since = "6.2.0", .summary = "Get one or multiple random fields from a hash",
     .complexity = "O(N) where N is the number of fields returned", .execute = &HrandfieldCmd,
     .key_flags = "RO access", .tips = "nondeterministic_output",
     .args = "key:key@0 options:block?(count:integer withvalues:pure-token=WITHVALUES?)"},
    {.name = "hscan", .arity = -3, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = "hash",
     .since = "2.8.0", .summary = "Incrementally iterate hash fields and associated values",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the "
                   "cursor to return back to 0. N is the number of elements inside the collection..",
     .execute = &HscanCmd, .key_flags = "RO access", .tips = "nondeterministic_output",
     .args = "key:key@0 cursor:integer pattern:pattern=MATCH? count:integer=COUNT?"},
    {},
};

}  // namespace redraft::commands
