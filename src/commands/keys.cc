// The key-space family (Redis group "generic"): DEL, UNLINK, EXISTS, TOUCH, TYPE, RENAME,
// RENAMENX, COPY, MOVE, KEYS, SCAN, RANDOMKEY, the EXPIRE family, TTL family, PERSIST, plus the internal
// write "redraft.expired" proposed by the server's active expiry.
//
// Semantics follow Redis 7.0 (db.c, expire.c) reply for reply. Write-path lookups behave like
// Redis's lookupKeyWrite: a key found expired at the entry's now_ms is deleted in the same batch
// and treated as missing. Absolute expiry is rewritten at prepare time into
// "PEXPIREAT key <abs-ms> [flags]"; relative expiry stays in the log as sent and apply adds it to
// the entry's now_ms, which the leader stamps (docs/time.md).
#include <algorithm>
#include <cerrno>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <random>
#include <vector>

#include "commands/args.h"
#include "commands/collection.h"
#include "commands/command.h"
#include "commands/databases.h"
#include "commands/notify.h"
#include "commands/databases.h"
#include "commands/glob.h"
#include "commands/scan_cursor.h"
#include "store/db_view.h"

namespace redraft::commands {
namespace {

using store::Value;
using store::ValueType;

std::string_view TypeName(ValueType t) {
  switch (t) {
    case ValueType::kString:
      return "string";
    case ValueType::kHash:
      return "hash";
    case ValueType::kList:
      return "list";
    case ValueType::kSet:
      return "set";
    case ValueType::kZset:
      return "zset";
    case ValueType::kStream:
      return "stream";
    case ValueType::kSubKey:
      break;
  }
  return "unknown";
}

using store::IsExpired;

// Read path: true if key is live at ctx.now_ms. A storage error other than NotFound is a broken
// invariant on this node (corruption, I/O): crash rather than answer wrongly.
bool LookupRead(ExecContext& ctx, std::string_view key, Value* v) {
  Status s = ctx.store.Get(key, ctx.now_ms, v);
  if (s.ok()) return true;
  if (!s.IsNotFound()) REDRAFT_PANIC("store read failed: " + s.ToString());
  return false;
}

// Apply path, like Redis lookupKeyWrite: an expired key is deleted (deterministically: now_ms is
// the proposer's clock carried in the entry) and reported missing.
bool LookupWrite(ApplyContext& ctx, std::string_view key, Value* v) {
  Status s = ctx.batch.GetRaw(key, v);
  if (s.IsNotFound()) return false;
  if (!s.ok()) REDRAFT_PANIC("store read failed: " + s.ToString());
  if (IsExpired(*v, ctx.now_ms)) {
    ctx.batch.Delete(key);
    Notify(ctx, kNotifyExpired, "expired", key);  // as Redis's expireIfNeeded
    return false;
  }
  return true;
}

// --- DEL, UNLINK, EXISTS, TOUCH, TYPE ---

void ApplyDel(ApplyContext& ctx, const Argv& argv) {
  int64_t deleted = 0;
  Value v;
  for (size_t i = 1; i < argv.size(); i++) {
    if (LookupWrite(ctx, argv[i], &v)) {
      ctx.batch.Delete(argv[i]);
      Notify(ctx, kNotifyGeneric, "del", argv[i]);
      deleted++;
    }
  }
  ctx.reply.Integer(deleted);
}

// EXISTS and TOUCH: the number of arguments naming a live key (repeats count again).
void ExecExists(ExecContext& ctx, const Argv& argv) {
  int64_t n = 0;
  Value v;
  for (size_t i = 1; i < argv.size(); i++) n += LookupRead(ctx, argv[i], &v);
  ctx.reply.Integer(n);
}

void ExecType(ExecContext& ctx, const Argv& argv) {
  Value v;
  ctx.reply.SimpleString(LookupRead(ctx, argv[1], &v) ? TypeName(v.type) : "none");
}

// --- RENAME, RENAMENX (Redis renameGenericCommand), COPY ---

// Copies the sub-keys of the collection (src, version) under dst with a fresh version and returns
// it. O(N) in the collection's size, in bounded memory: the batch may not change while it is
// scanned, so the copy alternates between reading a chunk and writing it. dst is a key of `to`
// (another database's view of the same batch), or of ctx.batch if null.
// REQUIRES: src != dst in the same database (the chunks are read from src's range only).
uint64_t CopySubKeys(ApplyContext& ctx, std::string_view src, uint64_t version, std::string_view dst,
                     store::Store::Batch* to = nullptr) {
  if (to == nullptr) to = &ctx.batch;
  constexpr size_t kChunk = 1024;
  uint64_t fresh = NewVersion(ctx);
  std::vector<std::pair<std::string, std::string>> chunk;
  std::string start;
  do {
    chunk.clear();
    Status s = ctx.batch.ScanSub(src, version, start, [&](std::string_view field, std::string_view value) {
      chunk.emplace_back(field, value);
      return chunk.size() < kChunk;
    });
    if (!s.ok()) REDRAFT_PANIC("store read failed: " + s.ToString());
    for (const auto& [field, value] : chunk) to->PutSub(dst, fresh, field, value);
    if (!chunk.empty()) start = chunk.back().first + '\0';  // the next field in byte order
  } while (chunk.size() == kChunk);
  return fresh;
}

void ApplyRenameGeneric(ApplyContext& ctx, const Argv& argv, bool nx) {
  const std::string& src = argv[1];
  const std::string& dst = argv[2];
  Value v;
  if (!LookupWrite(ctx, src, &v)) {
    ctx.reply.Error(kErrNoSuchKey);
    return;
  }
  if (src == dst) {
    if (nx) ctx.reply.Integer(0); else ctx.reply.Ok();
    return;
  }
  Value existing;
  if (LookupWrite(ctx, dst, &existing) && nx) {
    ctx.reply.Integer(0);
    return;
  }
  // Sub-keys carry their key's name: the collection moves to dst under a fresh version (O(N)
  // in its size; src's sub-keys become garbage with its metadata record).
  if (store::IsCollection(v.type)) v.version = CopySubKeys(ctx, src, v.version, dst);
  ctx.batch.Put(dst, v);  // keeps type, size and expiry
  ctx.batch.Delete(src);
  Notify(ctx, kNotifyGeneric, "rename_from", src);
  Notify(ctx, kNotifyGeneric, "rename_to", dst);
  if (nx) ctx.reply.Integer(1); else ctx.reply.Ok();
}

void ApplyRename(ApplyContext& ctx, const Argv& argv) { ApplyRenameGeneric(ctx, argv, false); }
void ApplyRenameNx(ApplyContext& ctx, const Argv& argv) { ApplyRenameGeneric(ctx, argv, true); }

// COPY source destination [DB destination-db] [REPLACE] (Redis copyCommand). The destination
// database must be below `limit` (the configured count at prepare, the store's limit at apply);
// *dbid is it, cur (the entry's database) without DB. Options are checked before the keys, so bad
// syntax never reaches the log.
bool ParseCopyOptions(const Argv& argv, resp::ReplyBuilder& reply, int limit, int cur, bool* replace, int* dbid) {
  *replace = false;
  *dbid = cur;
  for (size_t j = 3; j < argv.size(); j++) {
    if (EqualsIgnoreCase(CStrView(argv[j]), "replace")) {
      *replace = true;
    } else if (EqualsIgnoreCase(CStrView(argv[j]), "db") && j + 1 < argv.size()) {
      int64_t db;
      if (!ParseInt64(argv[j + 1], &db)) {
        reply.Error(kErrNotInteger);
        return false;
      }
      if (db < INT_MIN || db > INT_MAX) {
        reply.Error("ERR value is out of range, value must between -2147483648 and 2147483647");
        return false;
      }
      if (db < 0 || db >= limit) {
        reply.Error("ERR DB index is out of range");
        return false;
      }
      *dbid = static_cast<int>(db);
      j++;
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
  }
  if (*dbid == cur && argv[1] == argv[2]) {
    reply.Error("ERR source and destination objects are the same");
    return false;
  }
  return true;
}

bool PrepareCopy(PrepareContext& ctx, Argv& argv) {
  bool replace;
  int dbid;
  return ParseCopyOptions(argv, ctx.reply, DatabaseCount(), ctx.db, &replace, &dbid);
}

// The entry's database (0 for a batch that takes stored keys, as in unit tests).
int CurrentDb(ApplyContext& ctx) { return std::max(0, ctx.batch.db()); }

// The copy keeps the type, size and expiry; a collection's elements get a fresh version under
// destination (O(N)). REPLACE overwrites a destination of any type in O(1): its old version's
// sub-keys become garbage.
void ApplyCopy(ApplyContext& ctx, const Argv& argv) {
  bool replace;
  int dbid;
  if (!ParseCopyOptions(argv, ctx.reply, store::kMaxDatabases, CurrentDb(ctx), &replace, &dbid)) return;
  const std::string& src = argv[1];
  const std::string& dst = argv[2];
  store::DbBatch other(ctx.batch.base(), dbid);
  store::Store::Batch& to = dbid == CurrentDb(ctx) ? ctx.batch : other;
  ApplyContext to_ctx{to, ctx.now_ms, ctx.reply, ctx.index, ctx.versions_used};
  Value v, existing;
  if (!LookupWrite(ctx, src, &v)) return ctx.reply.Integer(0);
  if (LookupWrite(to_ctx, dst, &existing) && !replace) return ctx.reply.Integer(0);
  if (store::IsCollection(v.type)) v.version = CopySubKeys(ctx, src, v.version, dst, &to);
  to.Put(dst, v);
  NotifyDb(ctx, kNotifyGeneric, "copy_to", dst, dbid);
  ctx.reply.Integer(1);
}

// MOVE key db (Redis moveCommand): the key, with its expiry, leaves the current database for db
// unless db has it already. Strings in O(1); a collection's elements are copied under a fresh
// version in db (O(N): sub-keys carry their database), the source's become garbage.
Status ParseMove(const Argv& argv, int limit, int cur, int* db) {
  REDRAFT_RETURN_IF_ERROR(ParseDbIndex(argv[2], limit, db));
  if (*db == cur) return Status::InvalidArgument("ERR source and destination objects are the same");
  return Status::OK();
}

bool PrepareMove(PrepareContext& ctx, Argv& argv) {
  int db;
  Status st = ParseMove(argv, DatabaseCount(), ctx.db, &db);
  if (st.ok()) return true;
  ctx.reply.Error(st.message());
  return false;
}

void ApplyMove(ApplyContext& ctx, const Argv& argv) {
  int db;
  Status st = ParseMove(argv, store::kMaxDatabases, CurrentDb(ctx), &db);
  if (!st.ok()) return ctx.reply.Error(st.message());
  const std::string& key = argv[1];
  store::DbBatch to(ctx.batch.base(), db);
  ApplyContext to_ctx{to, ctx.now_ms, ctx.reply, ctx.index, ctx.versions_used};
  Value v, existing;
  if (!LookupWrite(ctx, key, &v)) return ctx.reply.Integer(0);
  if (LookupWrite(to_ctx, key, &existing)) return ctx.reply.Integer(0);
  if (store::IsCollection(v.type)) v.version = CopySubKeys(ctx, key, v.version, key, &to);
  to.Put(key, v);
  ctx.batch.Delete(key);
  Notify(ctx, kNotifyGeneric, "move_from", key);
  NotifyDb(ctx, kNotifyGeneric, "move_to", key, db);
  ctx.reply.Integer(1);
}

// --- KEYS, SCAN, RANDOMKEY ---

void ExecKeys(ExecContext& ctx, const Argv& argv) {
  const std::string& pattern = argv[1];
  bool all = pattern == "*";
  std::vector<std::string> keys;
  Status s = ctx.store.Scan("", [&](std::string_view key, const Value& v) {
    if (!IsExpired(v, ctx.now_ms) && (all || GlobMatch(pattern, key))) keys.emplace_back(key);
    return true;
  });
  if (!s.ok()) REDRAFT_PANIC("store scan failed: " + s.ToString());
  ctx.reply.ArrayHeader(keys.size());
  for (const auto& k : keys) ctx.reply.Bulk(k);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. One call visits up to COUNT keys in key
// order (expired ones included, as Redis visits COUNT buckets), then drops those that are
// expired or fail MATCH/TYPE, so it may return fewer than COUNT (even none) before the end.
// Cursors are ScanCursorTable numbers (see scan_cursor.h).
void ExecScan(ExecContext& ctx, const Argv& argv) {
  uint64_t cursor;
  if (!ParseScanCursor(argv[1], &cursor)) {
    ctx.reply.Error("ERR invalid cursor");
    return;
  }
  ScanOptions opt;
  std::string_view error;
  if (!ParseScanOptions(argv, 2, /*allow_type=*/true, &opt, &error)) {
    ctx.reply.Error(error);
    return;
  }
  int64_t count = opt.count;
  const std::string* pattern = opt.pattern;
  const std::string* type = opt.type;
  std::string start;
  if (cursor != 0) {
    auto resume = DefaultScanCursors().Lookup(cursor);
    if (!resume) {
      ctx.reply.Error("ERR invalid cursor");
      return;
    }
    start = std::move(*resume);
  }

  std::vector<std::string> keys;
  std::string next;
  bool more = false;
  int64_t visited = 0;
  Status s = ctx.store.Scan(start, [&](std::string_view key, const Value& v) {
    if (visited == count) {
      next.assign(key);
      more = true;
      return false;
    }
    visited++;
    if (pattern && !GlobMatch(*pattern, key)) return true;
    if (type && !EqualsIgnoreCase(*type, TypeName(v.type))) return true;
    if (IsExpired(v, ctx.now_ms)) return true;
    keys.emplace_back(key);
    return true;
  });
  if (!s.ok()) REDRAFT_PANIC("store scan failed: " + s.ToString());

  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(more ? std::to_string(DefaultScanCursors().Issue(std::move(next))) : "0");
  ctx.reply.ArrayHeader(keys.size());
  for (const auto& k : keys) ctx.reply.Bulk(k);
}

// RANDOMKEY. Reads do not go through the log, so a local RNG is fine. Small key spaces
// (<= kExactRandomMax keys) pick a uniform index and walk to it. Larger ones walk down the key
// trie: at each byte position list the next bytes present under the current prefix (one seek
// each, up to kMaxChildren, else pick a byte in their range) and pick one uniformly; a prefix
// that is itself a key is chosen with probability 1/(children+1). That is uniform per trie
// branch, not per key (keys in small branches are favoured), which Redis does not promise
// either. Either way the answer is the first live key at or after the chosen one, wrapping.
constexpr uint64_t kExactRandomMax = 1024;
constexpr size_t kMaxChildren = 64;

bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

Status RandomDescent(store::Store& st, std::mt19937_64& rng, std::string* out) {
  std::string prefix;
  for (int depth = 0; depth < 1024; depth++) {
    const size_t p = prefix.size();
    bool prefix_is_key = false;
    std::vector<uint8_t> children;
    bool truncated = false;
    std::string target = prefix;
    while (true) {
      bool found = false;
      REDRAFT_RETURN_IF_ERROR(st.Scan(target, [&](std::string_view key, const Value&) {
        if (!HasPrefix(key, prefix)) return false;
        if (key.size() == p) {
          prefix_is_key = true;
          return true;
        }
        children.push_back(static_cast<uint8_t>(key[p]));
        found = true;
        return false;
      }));
      if (!found || children.back() == 0xff) break;
      if (children.size() >= kMaxChildren) {
        truncated = true;
        break;
      }
      target.resize(p);
      target.push_back(static_cast<char>(children.back() + 1));
    }
    if (children.empty()) break;  // prefix itself is a key with nothing under it
    if (prefix_is_key &&
        std::uniform_int_distribution<size_t>(0, children.size())(rng) == 0) {
      break;
    }
    uint8_t c;
    if (!truncated) {
      c = children[std::uniform_int_distribution<size_t>(0, children.size() - 1)(rng)];
    } else {
      // Too many to list: a byte in [first, 255], rounded up to the next present byte.
      target.resize(p);
      target.push_back(static_cast<char>(std::uniform_int_distribution<int>(children[0], 255)(rng)));
      std::string next;
      REDRAFT_RETURN_IF_ERROR(st.Scan(target, [&](std::string_view key, const Value&) {
        next.assign(key);
        return false;
      }));
      c = HasPrefix(next, prefix) && next.size() > p ? static_cast<uint8_t>(next[p]) : children[0];
    }
    prefix.push_back(static_cast<char>(c));
  }
  *out = std::move(prefix);
  return Status::OK();
}

void ExecRandomKey(ExecContext& ctx, const Argv& argv) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  const uint64_t n = ctx.store.KeyCount();
  if (n == 0) return ctx.reply.Null();

  std::string found, first_live;
  Status s;
  if (n <= kExactRandomMax) {
    // One pass: the first live key at index >= skip, else the first live key (wrap).
    uint64_t skip = rng() % n, i = 0;
    s = ctx.store.Scan("", [&](std::string_view key, const Value& v) {
      bool live = !IsExpired(v, ctx.now_ms);
      if (live && first_live.empty()) first_live.assign(key);
      if (live && i++ >= skip) {
        found.assign(key);
        return false;
      }
      if (!live) i++;
      return true;
    });
  } else {
    std::string start;
    s = RandomDescent(ctx.store, rng, &start);
    bool any = false;
    if (s.ok()) {
      s = ctx.store.Scan(start, [&](std::string_view key, const Value& v) {
        if (IsExpired(v, ctx.now_ms)) return true;
        found.assign(key);
        any = true;
        return false;
      });
    }
    if (s.ok() && !any) {  // wrap around
      s = ctx.store.Scan("", [&](std::string_view key, const Value& v) {
        if (key >= start) return false;
        if (IsExpired(v, ctx.now_ms)) return true;
        found.assign(key);
        any = true;
        return false;
      });
    }
    if (!any) found.clear();
  }
  if (!s.ok()) REDRAFT_PANIC("store scan failed: " + s.ToString());
  if (found.empty() && !first_live.empty()) found = first_live;
  // found may legitimately be the empty key "": track presence separately for that case.
  if (found.empty()) {
    Value v;
    if (LookupRead(ctx, "", &v)) return ctx.reply.Bulk("");
    return ctx.reply.Null();
  }
  ctx.reply.Bulk(found);
}

// --- EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (Redis expireGenericCommand) ---

enum ExpireFlag { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

// Redis parseExtendedExpireArgumentsOrReply: options from argv[3] on.
bool ParseExpireFlags(const Argv& argv, resp::ReplyBuilder& reply, int* flags) {
  *flags = 0;
  for (size_t j = 3; j < argv.size(); j++) {
    const std::string& opt = argv[j];
    if (EqualsIgnoreCase(opt, "nx")) *flags |= kNx;
    else if (EqualsIgnoreCase(opt, "xx")) *flags |= kXx;
    else if (EqualsIgnoreCase(opt, "gt")) *flags |= kGt;
    else if (EqualsIgnoreCase(opt, "lt")) *flags |= kLt;
    else {
      // Redis formats it with %s: the option is cut at a NUL byte.
      reply.Error("ERR Unsupported option " + std::string(opt.c_str()));
      return false;
    }
  }
  if ((*flags & kNx) && (*flags & (kXx | kGt | kLt))) {
    reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((*flags & kGt) && (*flags & kLt)) {
    reply.Error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

struct ExpireKind {
  std::string_view name;
  bool relative;  // base time is now (EXPIRE, PEXPIRE) rather than the epoch
  bool seconds;
};
constexpr ExpireKind kExpire{"expire", true, true};
constexpr ExpireKind kPexpire{"pexpire", true, false};
constexpr ExpireKind kExpireAt{"expireat", false, true};
constexpr ExpireKind kPexpireAt{"pexpireat", false, false};

// Parses flags and time and computes the absolute expiry in ms; writes an error reply on failure.
bool ParseExpire(const ExpireKind& kind, const Argv& argv, int64_t now_ms,
                 resp::ReplyBuilder& reply, int* flags, int64_t* when) {
  if (!ParseExpireFlags(argv, reply, flags)) return false;
  if (!ParseInt64(argv[2], when)) {
    reply.Error(kErrNotInteger);
    return false;
  }
  if (kind.seconds) {
    if (*when > LLONG_MAX / 1000 || *when < LLONG_MIN / 1000) {
      reply.Error(InvalidExpireTime(kind.name));
      return false;
    }
    *when *= 1000;
  }
  int64_t base = kind.relative ? now_ms : 0;
  if (*when > LLONG_MAX - base) {
    reply.Error(InvalidExpireTime(kind.name));
    return false;
  }
  *when += base;
  return true;
}

// Rewrites the absolute EXPIRE forms into "pexpireat key <abs-ms> [flags...]"; relative ones
// stay relative: apply adds them to the entry's (leader-stamped) time.
bool PrepareExpireGeneric(const ExpireKind& kind, PrepareContext& ctx, Argv& argv) {
  int flags;
  int64_t when;
  if (!ParseExpire(kind, argv, ctx.now_ms, ctx.reply, &flags, &when)) return false;
  if (kind.relative) return true;
  argv[0] = "pexpireat";
  argv[2] = std::to_string(when);
  return true;
}

void ApplyExpireGeneric(const ExpireKind& kind, ApplyContext& ctx, const Argv& argv) {
  int flags;
  int64_t when;
  if (!ParseExpire(kind, argv, ctx.now_ms, ctx.reply, &flags, &when)) return;
  Value v;
  if (!LookupWrite(ctx, argv[1], &v)) {
    ctx.reply.Integer(0);
    return;
  }
  // No expiry counts as an infinite TTL.
  bool has_ttl = v.expire_ms != 0;
  if ((flags & kNx) && has_ttl) return ctx.reply.Integer(0);
  if ((flags & kXx) && !has_ttl) return ctx.reply.Integer(0);
  if ((flags & kGt) && (!has_ttl || when <= v.expire_ms)) return ctx.reply.Integer(0);
  if ((flags & kLt) && has_ttl && when >= v.expire_ms) return ctx.reply.Integer(0);
  if (when <= ctx.now_ms) {
    ctx.batch.Delete(argv[1]);  // already expired: Redis deletes the key and replies 1
    Notify(ctx, kNotifyGeneric, "del", argv[1]);
  } else {
    v.expire_ms = when;
    ctx.batch.Put(argv[1], v);
    Notify(ctx, kNotifyGeneric, "expire", argv[1]);
  }
  ctx.reply.Integer(1);
}

bool PrepareExpire(PrepareContext& c, Argv& a) { return PrepareExpireGeneric(kExpire, c, a); }
bool PreparePexpire(PrepareContext& c, Argv& a) { return PrepareExpireGeneric(kPexpire, c, a); }
bool PrepareExpireAt(PrepareContext& c, Argv& a) { return PrepareExpireGeneric(kExpireAt, c, a); }
bool PreparePexpireAt(PrepareContext& c, Argv& a) { return PrepareExpireGeneric(kPexpireAt, c, a); }
void ApplyExpire(ApplyContext& c, const Argv& a) { ApplyExpireGeneric(kExpire, c, a); }
void ApplyPexpire(ApplyContext& c, const Argv& a) { ApplyExpireGeneric(kPexpire, c, a); }
void ApplyExpireAt(ApplyContext& c, const Argv& a) { ApplyExpireGeneric(kExpireAt, c, a); }
void ApplyPexpireAt(ApplyContext& c, const Argv& a) { ApplyExpireGeneric(kPexpireAt, c, a); }

// --- TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST ---

void ExecTtlGeneric(ExecContext& ctx, const Argv& argv, bool ms) {
  Value v;
  if (!LookupRead(ctx, argv[1], &v)) return ctx.reply.Integer(-2);
  if (v.expire_ms == 0) return ctx.reply.Integer(-1);
  int64_t ttl = std::max<int64_t>(v.expire_ms - ctx.now_ms, 0);
  ctx.reply.Integer(ms ? ttl : (ttl + 500) / 1000);
}

void ExecExpireTimeGeneric(ExecContext& ctx, const Argv& argv, bool ms) {
  Value v;
  if (!LookupRead(ctx, argv[1], &v)) return ctx.reply.Integer(-2);
  if (v.expire_ms == 0) return ctx.reply.Integer(-1);
  // Seconds are rounded to nearest, as Redis 7.0 does (without overflowing near INT64_MAX).
  ctx.reply.Integer(ms ? v.expire_ms : v.expire_ms / 1000 + (v.expire_ms % 1000 >= 500));
}

void ExecTtl(ExecContext& c, const Argv& a) { ExecTtlGeneric(c, a, false); }
void ExecPttl(ExecContext& c, const Argv& a) { ExecTtlGeneric(c, a, true); }
void ExecExpireTime(ExecContext& c, const Argv& a) { ExecExpireTimeGeneric(c, a, false); }
void ExecPexpireTime(ExecContext& c, const Argv& a) { ExecExpireTimeGeneric(c, a, true); }

void ApplyPersist(ApplyContext& ctx, const Argv& argv) {
  Value v;
  if (!LookupWrite(ctx, argv[1], &v) || v.expire_ms == 0) return ctx.reply.Integer(0);
  v.expire_ms = 0;
  ctx.batch.Put(argv[1], v);
  Notify(ctx, kNotifyGeneric, "persist", argv[1]);
  ctx.reply.Integer(1);
}

// redraft.expired key [key ...]: deletes each key that is expired at the entry's now_ms. A key
// rewritten (new TTL or none) after the leader chose it is no longer expired and survives.
// Replies with the number deleted.
void ApplyExpired(ApplyContext& ctx, const Argv& argv) {
  int64_t deleted = 0;
  Value v;
  for (size_t i = 1; i < argv.size(); i++) {
    Status s = ctx.batch.GetRaw(argv[i], &v);
    if (s.IsNotFound()) continue;
    if (!s.ok()) REDRAFT_PANIC("store read failed: " + s.ToString());
    if (IsExpired(v, ctx.now_ms)) {
      ctx.batch.Delete(argv[i]);
      deleted++;
      if (ctx.notify && !argv[i].empty()) {  // a stored key: [physical db][key]
        uint8_t physical = static_cast<uint8_t>(argv[i][0]);
        for (int db = 0; db < DatabaseCount(); db++) {
          if (ctx.batch.PhysicalDb(db) == physical) {
            NotifyDb(ctx, kNotifyExpired, "expired", std::string_view(argv[i]).substr(1), db);
            break;
          }
        }
      }
    }
  }
  ctx.reply.Integer(deleted);
}

constexpr std::string_view kDelComplexity =
    "O(N) where N is the number of keys that will be removed. When a key to remove holds a value "
    "other than a string, the individual complexity for this key is O(M) where M is the number of "
    "elements in the list, set, sorted set or hash. Removing a single key that holds a string "
    "value is O(1).";
constexpr std::string_view kUnlinkComplexity =
    "O(1) for each key removed regardless of its size. Then the command does O(N) work in a "
    "different thread in order to reclaim memory, where N is the number of allocations the "
    "deleted objects where composed of.";
constexpr std::string_view kKeysComplexity =
    "O(N) with N being the number of keys in the database, under the assumption that the key "
    "names in the database and the given pattern have limited length.";
constexpr std::string_view kScanComplexity =
    "O(1) for every call. O(N) for a complete iteration, including enough command calls for the "
    "cursor to return back to 0. N is the number of elements inside the collection.";

}  // namespace

// Flags, arity and key specs as Redis 7.0's COMMAND INFO; docs as its COMMAND DOCS.
constexpr KeySpec kRenameKeys[] = {
    {.flags = "RW access delete", .index = 1, .lastkey = 0},
    {.flags = "OW update", .index = 2, .lastkey = 0}
};
constexpr KeySpec kRenamenxKeys[] = {
    {.flags = "RW access delete", .index = 1, .lastkey = 0},
    {.flags = "OW insert", .index = 2, .lastkey = 0}
};
constexpr KeySpec kCopyKeys[] = {
    {.flags = "RO access", .index = 1, .lastkey = 0},
    {.flags = "OW update", .index = 2, .lastkey = 0}
};

const CommandSpec kKeyCommands[] = {
    {.name = "del", .arity = -2, .flags = kWrite, .first_key = 1, .last_key = -1, .key_step = 1, .group = "generic",
     .since = "1.0.0", .summary = "Delete a key", .complexity = kDelComplexity, .apply = ApplyDel,
     .key_flags = "RM delete", .tips = "request_policy:multi_shard response_policy:agg_sum", .args = "key:key@0*"},
    {.name = "unlink", .arity = -2, .flags = kWrite | kFast, .first_key = 1, .last_key = -1, .key_step = 1,
     .group = "generic", .since = "4.0.0",
     .summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non " "blocking.",
     .complexity = kUnlinkComplexity, .apply = ApplyDel, .key_flags = "RM delete",
     .tips = "request_policy:multi_shard response_policy:agg_sum", .args = "key:key@0*"},
    {.name = "exists", .arity = -2, .flags = kReadonly | kFast, .first_key = 1, .last_key = -1, .key_step = 1,
     .group = "generic", .since = "1.0.0", .summary = "Determine if a key exists",
     .complexity = "O(N) where N is the number of keys to check.", .execute = ExecExists, .key_flags = "RO",
     .tips = "request_policy:multi_shard response_policy:agg_sum", .args = "key:key@0*",
     .history = "3.0.3 Accepts multiple `key` arguments."},
    {.name = "touch", .arity = -2, .flags = kReadonly | kFast, .first_key = 1, .last_key = -1, .key_step = 1,
     .group = "generic", .since = "3.2.1",
     .summary = "Alters the last access time of a key(s). Returns the number of existing keys specified.",
     .complexity = "O(N) where N is the number of keys that will be touched.", .execute = ExecExists,
     .key_flags = "RO", .tips = "request_policy:multi_shard response_policy:agg_sum", .args = "key:key@0*"},
    {.name = "type", .arity = 2, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "1.0.0", .summary = "Determine the type stored at key", .complexity = "O(1)",
     .execute = ExecType, .key_flags = "RO", .args = "key:key@0"},
    {.name = "rename", .arity = 3, .flags = kWrite, .first_key = 1, .last_key = 2, .key_step = 1, .group = "generic",
     .since = "1.0.0", .summary = "Rename a key", .complexity = "O(1)", .apply = ApplyRename,
     .key_specs = kRenameKeys, .args = "key:key@0 newkey:key@1"},
    {.name = "renamenx", .arity = 3, .flags = kWrite | kFast, .first_key = 1, .last_key = 2, .key_step = 1,
     .group = "generic", .since = "1.0.0", .summary = "Rename a key, only if the new key does not exist",
     .complexity = "O(1)", .apply = ApplyRenameNx, .key_specs = kRenamenxKeys, .args = "key:key@0 newkey:key@1",
     .history = "3.2.0 The command no longer returns an error when source and destination names are the same."},
    {.name = "copy", .arity = -3, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 2, .key_step = 1,
     .group = "generic", .since = "6.2.0", .summary = "Copy a key",
     .complexity = "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
     .prepare = PrepareCopy, .apply = ApplyCopy, .key_specs = kCopyKeys,
     .args = "source:key@0 destination:key@1 destination-db:integer=DB? replace:pure-token=REPLACE?"},
    {.name = "move", .arity = 3, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "1.0.0", .summary = "Move a key to another database", .complexity = "O(1)",
     .prepare = PrepareMove, .apply = ApplyMove, .key_flags = "RW access update", .args = "key:key@0 db:integer"},
    {.name = "keys", .arity = 2, .flags = kReadonly, .first_key = 0, .last_key = 0, .key_step = 0, .group = "generic",
     .since = "1.0.0", .summary = "Find all keys matching the given pattern", .complexity = kKeysComplexity,
     .execute = ExecKeys, .acl = kAclDangerous, .tips = "request_policy:all_shards nondeterministic_output_order",
     .args = "pattern:pattern"},
    {.name = "scan", .arity = -2, .flags = kReadonly, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "generic", .since = "2.8.0", .summary = "Incrementally iterate the keys space",
     .complexity = kScanComplexity, .execute = ExecScan, .tips = "nondeterministic_output request_policy:special",
     .args = "cursor:integer pattern:pattern=MATCH? count:integer=COUNT? type:string=TYPE/6.0.0?",
     .history = "6.0.0 Added the `TYPE` subcommand."},
    {.name = "randomkey", .arity = 1, .flags = kReadonly, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "generic", .since = "1.0.0", .summary = "Return a random key from the keyspace", .complexity = "O(1)",
     .execute = ExecRandomKey, .tips = "request_policy:all_shards nondeterministic_output"},
    {.name = "expire", .arity = -3, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "1.0.0", .summary = "Set a key's time to live in seconds", .complexity = "O(1)",
     .prepare = PrepareExpire, .apply = ApplyExpire, .key_flags = "RW update",
     .args = "key:key@0 seconds:integer condition:oneof/7.0.0?(nx:pure-token=NX xx:pure-token=XX gt:pure-token=GT "
             "lt:pure-token=LT)",
     .history = "7.0.0 Added options: `NX`, `XX`, `GT` and `LT`."},
    {.name = "pexpire", .arity = -3, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "2.6.0", .summary = "Set a key's time to live in milliseconds",
     .complexity = "O(1)", .prepare = PreparePexpire, .apply = ApplyPexpire, .key_flags = "RW update",
     .args = "key:key@0 milliseconds:integer condition:oneof/7.0.0?(nx:pure-token=NX xx:pure-token=XX "
             "gt:pure-token=GT lt:pure-token=LT)",
     .history = "7.0.0 Added options: `NX`, `XX`, `GT` and `LT`."},
    {.name = "expireat", .arity = -3, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "1.2.0", .summary = "Set the expiration for a key as a UNIX timestamp",
     .complexity = "O(1)", .prepare = PrepareExpireAt, .apply = ApplyExpireAt, .key_flags = "RW update",
     .args = "key:key@0 unix-time-seconds:unix-time condition:oneof/7.0.0?(nx:pure-token=NX xx:pure-token=XX "
             "gt:pure-token=GT lt:pure-token=LT)",
     .history = "7.0.0 Added options: `NX`, `XX`, `GT` and `LT`."},
    {.name = "pexpireat", .arity = -3, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "2.6.0",
     .summary = "Set the expiration for a key as a UNIX timestamp specified in milliseconds", .complexity = "O(1)",
     .prepare = PreparePexpireAt, .apply = ApplyPexpireAt, .key_flags = "RW update",
     .args = "key:key@0 unix-time-milliseconds:unix-time condition:oneof/7.0.0?(nx:pure-token=NX xx:pure-token=XX "
             "gt:pure-token=GT lt:pure-token=LT)",
     .history = "7.0.0 Added options: `NX`, `XX`, `GT` and `LT`."},
    {.name = "ttl", .arity = 2, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "1.0.0", .summary = "Get the time to live for a key in seconds",
     .complexity = "O(1)", .execute = ExecTtl, .key_flags = "RO access", .tips = "nondeterministic_output",
     .args = "key:key@0", .history = "2.8.0 Added the -2 reply."},
    {.name = "pttl", .arity = 2, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "2.6.0", .summary = "Get the time to live for a key in milliseconds",
     .complexity = "O(1)", .execute = ExecPttl, .key_flags = "RO access", .tips = "nondeterministic_output",
     .args = "key:key@0", .history = "2.8.0 Added the -2 reply."},
    {.name = "expiretime", .arity = 2, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "7.0.0", .summary = "Get the expiration Unix timestamp for a key",
     .complexity = "O(1)", .execute = ExecExpireTime, .key_flags = "RO access", .args = "key:key@0"},
    {.name = "pexpiretime", .arity = 2, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "7.0.0", .summary = "Get the expiration Unix timestamp for a key in milliseconds",
     .complexity = "O(1)", .execute = ExecPexpireTime, .key_flags = "RO access", .args = "key:key@0"},
    {.name = "persist", .arity = 2, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "2.2.0", .summary = "Remove the expiration from a key", .complexity = "O(1)",
     .apply = ApplyPersist, .key_flags = "RW update", .args = "key:key@0"},
    {.name = "redraft.expired", .arity = -2, .flags = kWrite | kInternal, .first_key = 1, .last_key = -1,
     .key_step = 1, .group = "generic", .since = "0.1.0",
     .summary = "Internal: delete the given keys if they are expired at the entry's time (active expiry)",
     .complexity = "O(N) where N is the number of keys", .apply = ApplyExpired},
    {},
};

}  // namespace redraft::commands
