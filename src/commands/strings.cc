// The string command family, with Redis 7.0 semantics (t_string.c) and replies.
//
// Reads (GET, MGET, STRLEN, GETRANGE, SUBSTR, LCS) execute against the store at the caller's
// clock. Writes are prepared on the node that received them (syntax and state-independent argument
// checks, in the order Redis makes them) and applied deterministically from their log form.
// Relative expiry stays relative in the log: apply adds it to the entry's time, which the leader
// stamps (docs/time.md), so a follower's clock never shifts a TTL. Log forms:
//   SET k v EXAT s ...              -> set k v [NX|XX] [GET] PXAT <s*1000>
//   GETEX k EXAT s                  -> getex k PXAT <s*1000>   (left as is when the time is
//                                      invalid: Redis reports that only if the key exists)
//   everything else                 -> unchanged (SET k v EX 10 is applied as now + 10 s)
// Apply re-parses the log form with the same parsers, so a rewritten entry is a valid command.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "commands/args.h"
#include "commands/command.h"
#include "commands/notify.h"
#include "resp/error_text.h"

namespace redraft::commands {
namespace {

using store::Value;
using store::ValueType;

// ---------------------------------------------------------------------------------------------
// Lookups

enum class Found { kYes, kNo, kFailed };

// Loads key (absent if expired at now). kFailed means an error reply was written.
template <typename Source>
Found Load(Source& src, std::string_view key, int64_t now, Value* v, resp::ReplyBuilder& reply) {
  Status st = src.Get(key, now, v);
  if (st.ok()) return Found::kYes;
  if (st.IsNotFound()) return Found::kNo;
  reply.Error(resp::ErrorText(st));
  return Found::kFailed;
}

// Like Load but a key of another type is WRONGTYPE (reply written, kFailed).
template <typename Source>
Found LoadString(Source& src, std::string_view key, int64_t now, Value* v,
                 resp::ReplyBuilder& reply) {
  Found f = Load(src, key, now, v, reply);
  if (f == Found::kYes && v->type != ValueType::kString) {
    reply.Error(kErrWrongType);
    return Found::kFailed;
  }
  return f;
}

// Redis's lookupKeyWrite reports a key it finds expired ("expired") before the command's own
// event; the string commands here read through Get, which hides such a key without deleting it,
// so the report is made here, only while notifications are on (one extra read then).
void NoteExpired(ApplyContext& ctx, std::string_view key) {
  if (!ctx.notify) return;
  Value raw;
  if (ctx.batch.GetRaw(key, &raw).ok() && store::IsExpired(raw, ctx.now_ms)) {
    Notify(ctx, kNotifyExpired, "expired", key);
  }
}

Value StringValue(std::string payload, int64_t expire_ms) {
  Value v;
  v.type = ValueType::kString;
  v.expire_ms = expire_ms;
  v.payload = std::move(payload);
  return v;
}

// A string value as the batch stores it: TxnBatch (transactions.h) stamps a string's version with
// the entry's index for WATCH, copying a value that does not carry it yet; this one does.
Value StampedString(const ApplyContext& ctx, std::string payload, int64_t expire_ms) {
  Value v = StringValue(std::move(payload), expire_ms);
  v.version = ctx.index;
  return v;
}

// Redis checkStringLength: the result of growing a size-byte string by append bytes must fit.
bool CheckStringLength(int64_t size, int64_t append, resp::ReplyBuilder& reply) {
  if (size > kMaxStringBytes - append) {
    reply.Error(kErrStringTooLong);
    return false;
  }
  return true;
}

// Redis compares option names as C strings: an embedded NUL ends the name.
std::string_view CStr(const std::string& s) {
  size_t nul = s.find('\0');
  return nul == std::string::npos ? std::string_view(s) : std::string_view(s.data(), nul);
}

// ---------------------------------------------------------------------------------------------
// SET / GETEX options (Redis parseExtendedStringArgumentsOrReply)

enum SetFlag : unsigned {
  kNx = 1u << 0, kXx = 1u << 1, kGet = 1u << 2, kKeepTtl = 1u << 3, kPersist = 1u << 4,
  kEx = 1u << 5, kPx = 1u << 6, kExat = 1u << 7, kPxat = 1u << 8,
};
constexpr unsigned kAnyExpire = kEx | kPx | kExat | kPxat;

struct SetOptions {
  unsigned flags = 0;
  const std::string* expire = nullptr;  // the time argument of EX/PX/EXAT/PXAT
};

// Parses argv[start..]; for_set selects SET's options (NX XX GET KEEPTTL) over GETEX's (PERSIST).
// Returns false on a syntax error. Repeating an option is allowed, as in Redis (the last
// time wins); combining conflicting ones is not.
bool ParseSetOptions(const Argv& argv, size_t start, bool for_set, SetOptions* out) {
  unsigned& f = out->flags;
  for (size_t j = start; j < argv.size(); j++) {
    std::string_view opt = CStr(argv[j]);
    bool has_next = j + 1 < argv.size();
    unsigned expire_flag = 0;
    if (EqualsIgnoreCase(opt, "nx") && !(f & kXx) && for_set) {
      f |= kNx;
    } else if (EqualsIgnoreCase(opt, "xx") && !(f & kNx) && for_set) {
      f |= kXx;
    } else if (EqualsIgnoreCase(opt, "get") && for_set) {
      f |= kGet;
    } else if (EqualsIgnoreCase(opt, "keepttl") && !(f & (kPersist | kAnyExpire)) && for_set) {
      f |= kKeepTtl;
    } else if (EqualsIgnoreCase(opt, "persist") && !for_set && !(f & (kAnyExpire | kKeepTtl))) {
      f |= kPersist;
    } else if (EqualsIgnoreCase(opt, "ex")) {
      expire_flag = kEx;
    } else if (EqualsIgnoreCase(opt, "px")) {
      expire_flag = kPx;
    } else if (EqualsIgnoreCase(opt, "exat")) {
      expire_flag = kExat;
    } else if (EqualsIgnoreCase(opt, "pxat")) {
      expire_flag = kPxat;
    } else {
      return false;
    }
    if (expire_flag != 0) {
      // Conflicts with KEEPTTL, PERSIST and the other three time options, not with itself.
      if ((f & (kKeepTtl | kPersist | (kAnyExpire & ~expire_flag))) || !has_next) return false;
      f |= expire_flag;
      out->expire = &argv[++j];
    }
  }
  return true;
}

// Redis getExpireMillisecondsOrReply: the absolute expiry in ms, or false with *err set.
bool ExpireMs(const SetOptions& o, int64_t now, std::string_view cmd, int64_t* ms,
              std::string* err) {
  int64_t v;
  if (!ParseInt64(*o.expire, &v)) {
    *err = kErrNotInteger;
    return false;
  }
  bool seconds = o.flags & (kEx | kExat);
  if (v <= 0 || (seconds && v > INT64_MAX / 1000)) {
    *err = InvalidExpireTime(cmd);
    return false;
  }
  if (seconds) v *= 1000;
  // Redis adds the clock with signed overflow, which turns into a non-positive time: invalid.
  if ((o.flags & (kEx | kPx)) && __builtin_add_overflow(v, now, &v)) v = 0;
  if (v <= 0) {
    *err = InvalidExpireTime(cmd);
    return false;
  }
  *ms = v;
  return true;
}

// The log form of a SET: set key value [NX|XX] [GET] [KEEPTTL | PXAT ms].
Argv SetLogForm(std::string key, std::string value, unsigned flags, int64_t pxat) {
  Argv out{"set", std::move(key), std::move(value)};
  if (flags & kNx) out.emplace_back("NX");
  if (flags & kXx) out.emplace_back("XX");
  if (flags & kGet) out.emplace_back("GET");
  if (flags & kKeepTtl) out.emplace_back("KEEPTTL");
  if (pxat != 0) {
    out.emplace_back("PXAT");
    out.emplace_back(FormatInt64(pxat));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reads

void GetCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = LoadString(ctx.store, argv[1], ctx.now_ms, &v, ctx.reply);
  if (f == Found::kYes) ctx.reply.Bulk(v.payload);
  if (f == Found::kNo) ctx.reply.Null();
}

void MgetCmd(ExecContext& ctx, const Argv& argv) {
  ctx.reply.ArrayHeader(argv.size() - 1);
  for (size_t i = 1; i < argv.size(); i++) {
    Value v;
    Status st = ctx.store.Get(argv[i], ctx.now_ms, &v);
    if (st.ok() && v.type == ValueType::kString) {
      ctx.reply.Bulk(v.payload);
    } else {
      ctx.reply.Null();  // missing, another type, or a read error: MGET has no error reply
    }
  }
}

void StrlenCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = LoadString(ctx.store, argv[1], ctx.now_ms, &v, ctx.reply);
  if (f == Found::kYes) ctx.reply.Integer(static_cast<int64_t>(v.payload.size()));
  if (f == Found::kNo) ctx.reply.Integer(0);
}

// GETRANGE and SUBSTR (Redis getrangeCommand).
void GetrangeCmd(ExecContext& ctx, const Argv& argv) {
  int64_t start, end;
  if (!ParseInt64(argv[2], &start) || !ParseInt64(argv[3], &end)) {
    ctx.reply.Error(kErrNotInteger);
    return;
  }
  Value v;
  Found f = LoadString(ctx.store, argv[1], ctx.now_ms, &v, ctx.reply);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Bulk("");
    return;
  }
  const int64_t len = static_cast<int64_t>(v.payload.size());
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.Bulk("");
    return;
  }
  if (start < 0) start = len + start;  // no overflow: len < 2^63 and start < 0
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) {
    ctx.reply.Bulk("");
  } else {
    ctx.reply.Bulk(std::string_view(v.payload).substr(static_cast<size_t>(start),
                                                      static_cast<size_t>(end - start + 1)));
  }
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] (Redis 7.0 lcsCommand: the same
// dynamic programming table and backtracking order, so IDX ranges match Redis's exactly).
void LcsCmd(ExecContext& ctx, const Argv& argv) {
  Value va, vb;
  Status sa = ctx.store.Get(argv[1], ctx.now_ms, &va);
  Status sb = ctx.store.Get(argv[2], ctx.now_ms, &vb);
  for (const Status* st : {&sa, &sb}) {
    if (!st->ok() && !st->IsNotFound()) {
      ctx.reply.Error(resp::ErrorText(*st));
      return;
    }
  }
  if ((sa.ok() && va.type != ValueType::kString) || (sb.ok() && vb.type != ValueType::kString)) {
    ctx.reply.Error("ERR The specified keys must contain string values");
    return;
  }
  const std::string a = sa.ok() ? std::move(va.payload) : std::string();
  const std::string b = sb.ok() ? std::move(vb.payload) : std::string();
  bool getlen = false, getidx = false, withmatchlen = false;
  int64_t minmatchlen = 0;
  for (size_t j = 3; j < argv.size(); j++) {
    std::string_view opt = CStr(argv[j]);
    bool more = j + 1 < argv.size();
    if (EqualsIgnoreCase(opt, "idx")) {
      getidx = true;
    } else if (EqualsIgnoreCase(opt, "len")) {
      getlen = true;
    } else if (EqualsIgnoreCase(opt, "withmatchlen")) {
      withmatchlen = true;
    } else if (EqualsIgnoreCase(opt, "minmatchlen") && more) {
      if (!ParseInt64(argv[j + 1], &minmatchlen)) {
        ctx.reply.Error(kErrNotInteger);
        return;
      }
      if (minmatchlen < 0) minmatchlen = 0;
      j++;
    } else {
      ctx.reply.Error(kErrSyntax);
      return;
    }
  }
  if (getidx && getlen) {
    ctx.reply.Error("ERR If you want both the length and indexes, please just use IDX.");
    return;
  }
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    ctx.reply.Error("ERR String too long for LCS");
    return;
  }
  const uint32_t alen = static_cast<uint32_t>(a.size()), blen = static_cast<uint32_t>(b.size());
  const uint64_t cells = uint64_t{alen + 1u} * (blen + 1u);
  // Redis fails only when malloc does; we refuse tables over 1 GiB up front.
  if (cells > (uint64_t{1} << 30) / sizeof(uint32_t)) {
    ctx.reply.Error("ERR Insufficient memory, failed allocating transient memory for LCS");
    return;
  }
  std::vector<uint32_t> table(cells);
  auto at = [&](uint32_t i, uint32_t j) -> uint32_t& {
    return table[j + uint64_t{i} * (blen + 1)];
  };
  for (uint32_t i = 1; i <= alen; i++) {
    for (uint32_t j = 1; j <= blen; j++) {
      if (a[i - 1] == b[j - 1]) {
        at(i, j) = at(i - 1, j - 1) + 1;
      } else {
        at(i, j) = std::max(at(i - 1, j), at(i, j - 1));
      }
    }
  }
  uint32_t idx = at(alen, blen);
  const uint32_t total = idx;
  const bool computelcs = getidx || !getlen;
  std::string result(computelcs ? idx : 0, '\0');
  struct Range {
    uint32_t a_start, a_end, b_start, b_end;
  };
  std::vector<Range> ranges;
  uint32_t arange_start = alen, arange_end = 0, brange_start = 0, brange_end = 0;
  uint32_t i = alen, j = blen;
  while (computelcs && i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (arange_start == alen) {
        arange_start = arange_end = i - 1;
        brange_start = brange_end = j - 1;
      } else if (arange_start == i && brange_start == j) {
        arange_start--;
        brange_start--;
      } else {
        emit = true;
      }
      if (arange_start == 0 || brange_start == 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        i--;
      } else {
        j--;
      }
      if (arange_start != alen) emit = true;
    }
    if (emit) {
      uint32_t match_len = arange_end - arange_start + 1;
      if (minmatchlen == 0 || match_len >= minmatchlen) {
        ranges.push_back({arange_start, arange_end, brange_start, brange_end});
      }
      arange_start = alen;
    }
  }
  if (getidx) {
    ctx.reply.MapHeader(2);
    ctx.reply.Bulk("matches");
    ctx.reply.ArrayHeader(ranges.size());
    for (const Range& r : ranges) {
      ctx.reply.ArrayHeader(withmatchlen ? 3 : 2);
      ctx.reply.ArrayHeader(2);
      ctx.reply.Integer(r.a_start);
      ctx.reply.Integer(r.a_end);
      ctx.reply.ArrayHeader(2);
      ctx.reply.Integer(r.b_start);
      ctx.reply.Integer(r.b_end);
      if (withmatchlen) ctx.reply.Integer(r.a_end - r.a_start + 1);
    }
    ctx.reply.Bulk("len");
    ctx.reply.Integer(total);
  } else if (getlen) {
    ctx.reply.Integer(total);
  } else {
    ctx.reply.Bulk(result);
  }
}

// ---------------------------------------------------------------------------------------------
// SET family

bool SetPrepare(PrepareContext& ctx, Argv& argv) {
  SetOptions o;
  if (!ParseSetOptions(argv, 3, true, &o)) {
    ctx.reply.Error(kErrSyntax);
    return false;
  }
  if (o.expire == nullptr) return true;
  int64_t ms;
  std::string err;
  if (!ExpireMs(o, ctx.now_ms, "set", &ms, &err)) {
    ctx.reply.Error(err);
    return false;
  }
  if (o.flags & (kEx | kPx)) return true;  // relative: apply adds it to the leader's stamp
  argv = SetLogForm(std::move(argv[1]), std::move(argv[2]), o.flags, ms);
  return true;
}

// Redis setGenericCommand over an already validated log form.
void SetApply(ApplyContext& ctx, const Argv& argv) {
  SetOptions o;
  if (!ParseSetOptions(argv, 3, true, &o)) {
    ctx.reply.Error(kErrSyntax);
    return;
  }
  int64_t expire_ms = 0;
  std::string err;
  if (o.expire != nullptr && !ExpireMs(o, ctx.now_ms, "set", &expire_ms, &err)) {
    ctx.reply.Error(err);
    return;
  }
  NoteExpired(ctx, argv[1]);
  // A plain SET does not depend on the old value: skip reading it (the hot path).
  Value old;
  Found f = Found::kNo;
  if (o.flags & (kNx | kXx | kGet | kKeepTtl)) {
    f = Load(ctx.batch, argv[1], ctx.now_ms, &old, ctx.reply);
    if (f == Found::kFailed) return;
  }
  bool found = f == Found::kYes;
  if (o.flags & kGet) {
    if (found && old.type != ValueType::kString) {
      ctx.reply.Error(kErrWrongType);
      return;
    }
    if (found) {
      ctx.reply.Bulk(old.payload);
    } else {
      ctx.reply.Null();
    }
  }
  if (((o.flags & kNx) && found) || ((o.flags & kXx) && !found)) {
    if (!(o.flags & kGet)) ctx.reply.Null();
    return;
  }
  if ((o.flags & kKeepTtl) && found) expire_ms = old.expire_ms;
  if (o.expire != nullptr && expire_ms <= ctx.now_ms) {
    ctx.batch.Delete(argv[1]);  // already expired (EXAT/PXAT in the past): the key is gone
  } else {
    ctx.batch.Put(argv[1], StampedString(ctx, argv[2], expire_ms));
  }
  Notify(ctx, kNotifyString, "set", argv[1]);
  if (o.expire != nullptr) Notify(ctx, kNotifyGeneric, "expire", argv[1]);
  if (!(o.flags & kGet)) ctx.reply.Ok();
}

void SetnxApply(ApplyContext& ctx, const Argv& argv) {
  NoteExpired(ctx, argv[1]);
  Value old;
  Found f = Load(ctx.batch, argv[1], ctx.now_ms, &old, ctx.reply);
  if (f == Found::kFailed) return;
  if (f == Found::kYes) {
    ctx.reply.Integer(0);
    return;
  }
  ctx.batch.Put(argv[1], StringValue(argv[2], 0));
  Notify(ctx, kNotifyString, "set", argv[1]);
  ctx.reply.Integer(1);
}

// SETEX key seconds value / PSETEX key milliseconds value -> set key value PXAT ms.
bool SetexPrepareImpl(PrepareContext& ctx, Argv& argv, bool millis) {
  SetOptions o;
  o.flags = millis ? kPx : kEx;
  o.expire = &argv[2];
  int64_t ms;
  std::string err;
  if (!ExpireMs(o, ctx.now_ms, millis ? "psetex" : "setex", &ms, &err)) {
    ctx.reply.Error(err);
    return false;
  }
  argv = SetLogForm(std::move(argv[1]), std::move(argv[3]), 0, ms);
  return true;
}
// Prepare validates only: the relative time is applied against the entry's (leader's) time.
bool SetexPrepare(PrepareContext& ctx, Argv& argv) {
  Argv copy = argv;
  return SetexPrepareImpl(ctx, copy, false);
}
bool PsetexPrepare(PrepareContext& ctx, Argv& argv) {
  Argv copy = argv;
  return SetexPrepareImpl(ctx, copy, true);
}

void SetexApplyImpl(ApplyContext& ctx, const Argv& argv, bool millis) {
  Argv copy = argv;
  PrepareContext pctx{ctx.now_ms, ctx.reply};
  if (SetexPrepareImpl(pctx, copy, millis)) SetApply(ctx, copy);
}
void SetexApply(ApplyContext& ctx, const Argv& argv) { SetexApplyImpl(ctx, argv, false); }
void PsetexApply(ApplyContext& ctx, const Argv& argv) { SetexApplyImpl(ctx, argv, true); }

void GetsetApply(ApplyContext& ctx, const Argv& argv) {
  NoteExpired(ctx, argv[1]);
  Value old;
  Found f = LoadString(ctx.batch, argv[1], ctx.now_ms, &old, ctx.reply);
  if (f == Found::kFailed) return;
  if (f == Found::kYes) {
    ctx.reply.Bulk(old.payload);
  } else {
    ctx.reply.Null();
  }
  ctx.batch.Put(argv[1], StringValue(argv[2], 0));
  Notify(ctx, kNotifyString, "set", argv[1]);
}

void GetdelApply(ApplyContext& ctx, const Argv& argv) {
  NoteExpired(ctx, argv[1]);
  Value old;
  Found f = LoadString(ctx.batch, argv[1], ctx.now_ms, &old, ctx.reply);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(old.payload);
  ctx.batch.Delete(argv[1]);
  Notify(ctx, kNotifyGeneric, "del", argv[1]);
}

bool GetexPrepare(PrepareContext& ctx, Argv& argv) {
  SetOptions o;
  if (!ParseSetOptions(argv, 2, false, &o)) {
    ctx.reply.Error(kErrSyntax);
    return false;
  }
  if (o.expire == nullptr) return true;
  int64_t ms;
  std::string err;
  // An invalid time is an error only if the key exists (Redis checks it after the lookup), so
  // such an entry is logged unchanged and apply decides.
  if (!ExpireMs(o, ctx.now_ms, "getex", &ms, &err)) return true;
  if (o.flags & (kEx | kPx)) return true;  // relative: apply adds it to the leader's stamp
  argv = Argv{"getex", std::move(argv[1]), "PXAT", FormatInt64(ms)};
  return true;
}

// Redis getexCommand.
void GetexApply(ApplyContext& ctx, const Argv& argv) {
  SetOptions o;
  if (!ParseSetOptions(argv, 2, false, &o)) {
    ctx.reply.Error(kErrSyntax);
    return;
  }
  Value v;
  Found f = LoadString(ctx.batch, argv[1], ctx.now_ms, &v, ctx.reply);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Null();
    return;
  }
  int64_t ms = 0;
  std::string err;
  if (o.expire != nullptr && !ExpireMs(o, ctx.now_ms, "getex", &ms, &err)) {
    ctx.reply.Error(err);
    return;
  }
  ctx.reply.Bulk(v.payload);
  if ((o.flags & (kExat | kPxat)) && ms <= ctx.now_ms) {
    ctx.batch.Delete(argv[1]);
    Notify(ctx, kNotifyGeneric, "del", argv[1]);
  } else if (o.expire != nullptr) {
    v.expire_ms = ms;
    ctx.batch.Put(argv[1], v);
    Notify(ctx, kNotifyGeneric, "expire", argv[1]);
  } else if ((o.flags & kPersist) && v.expire_ms != 0) {
    v.expire_ms = 0;
    ctx.batch.Put(argv[1], v);
    Notify(ctx, kNotifyGeneric, "persist", argv[1]);
  }
}

bool MsetPrepare(PrepareContext& ctx, Argv& argv) {
  if (argv.size() % 2 == 0) {
    ctx.reply.Error(WrongArity(EqualsIgnoreCase(argv[0], "msetnx") ? "msetnx" : "mset"));
    return false;
  }
  return true;
}

void MsetApply(ApplyContext& ctx, const Argv& argv) {
  if (argv.size() % 2 == 0) {
    ctx.reply.Error(WrongArity("mset"));
    return;
  }
  for (size_t i = 1; i + 1 < argv.size(); i += 2) {
    ctx.batch.Put(argv[i], StringValue(argv[i + 1], 0));
    Notify(ctx, kNotifyString, "set", argv[i]);
  }
  ctx.reply.Ok();
}

void MsetnxApply(ApplyContext& ctx, const Argv& argv) {
  if (argv.size() % 2 == 0) {
    ctx.reply.Error(WrongArity("msetnx"));
    return;
  }
  for (size_t i = 1; i + 1 < argv.size(); i += 2) {
    Value v;
    Found f = Load(ctx.batch, argv[i], ctx.now_ms, &v, ctx.reply);
    if (f == Found::kFailed) return;
    if (f == Found::kYes) {
      ctx.reply.Integer(0);
      return;
    }
  }
  for (size_t i = 1; i + 1 < argv.size(); i += 2) {
    ctx.batch.Put(argv[i], StringValue(argv[i + 1], 0));
    Notify(ctx, kNotifyString, "set", argv[i]);
  }
  ctx.reply.Integer(1);
}

// ---------------------------------------------------------------------------------------------
// Counters

// Redis incrDecrCommand. The key keeps its TTL.
void IncrDecr(ApplyContext& ctx, const std::string& key, int64_t incr) {
  NoteExpired(ctx, key);
  Value v;
  Found f = LoadString(ctx.batch, key, ctx.now_ms, &v, ctx.reply);
  if (f == Found::kFailed) return;
  int64_t value = 0;
  if (f == Found::kYes && !ParseInt64(v.payload, &value)) {
    ctx.reply.Error(kErrNotInteger);
    return;
  }
  if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
      (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
    ctx.reply.Error(kErrOverflow);
    return;
  }
  value += incr;
  ctx.batch.Put(key, StampedString(ctx, FormatInt64(value), f == Found::kYes ? v.expire_ms : 0));
  Notify(ctx, kNotifyString, "incrby", key);
  ctx.reply.Integer(value);
}

void IncrApply(ApplyContext& ctx, const Argv& argv) { IncrDecr(ctx, argv[1], 1); }
void DecrApply(ApplyContext& ctx, const Argv& argv) { IncrDecr(ctx, argv[1], -1); }

// The signed increment of INCRBY/DECRBY, or false after an error reply.
bool ParseIncrement(const Argv& argv, bool decr, resp::ReplyBuilder& reply, int64_t* incr) {
  if (!ParseInt64(argv[2], incr)) {
    reply.Error(kErrNotInteger);
    return false;
  }
  if (decr) {
    if (*incr == INT64_MIN) {
      reply.Error("ERR decrement would overflow");
      return false;
    }
    *incr = -*incr;
  }
  return true;
}

bool IncrbyPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t incr;
  return ParseIncrement(argv, false, ctx.reply, &incr);
}
bool DecrbyPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t incr;
  return ParseIncrement(argv, true, ctx.reply, &incr);
}
void IncrbyApply(ApplyContext& ctx, const Argv& argv) {
  int64_t incr;
  if (ParseIncrement(argv, false, ctx.reply, &incr)) IncrDecr(ctx, argv[1], incr);
}
void DecrbyApply(ApplyContext& ctx, const Argv& argv) {
  int64_t incr;
  if (ParseIncrement(argv, true, ctx.reply, &incr)) IncrDecr(ctx, argv[1], incr);
}

// Redis incrbyfloatCommand: the stored value is checked before the increment (both give the
// same error text), so both checks happen at apply. Long double arithmetic is deterministic on
// one platform; the stored text is the humanfriendly rendering, as Redis stores it.
void IncrbyfloatApply(ApplyContext& ctx, const Argv& argv) {
  NoteExpired(ctx, argv[1]);
  Value v;
  Found f = LoadString(ctx.batch, argv[1], ctx.now_ms, &v, ctx.reply);
  if (f == Found::kFailed) return;
  long double value = 0, incr = 0;
  if ((f == Found::kYes && !ParseLongDouble(v.payload, &value)) ||
      !ParseLongDouble(argv[2], &incr)) {
    ctx.reply.Error(kErrNotFloat);
    return;
  }
  std::optional<std::string> sum = AddLongDoubleHuman(value, incr);
  if (!sum) {
    ctx.reply.Error(kErrNanOrInf);
    return;
  }
  std::string text = std::move(*sum);
  ctx.reply.Bulk(text);
  ctx.batch.Put(argv[1], StringValue(std::move(text), f == Found::kYes ? v.expire_ms : 0));
  Notify(ctx, kNotifyString, "incrbyfloat", argv[1]);
}

// ---------------------------------------------------------------------------------------------
// APPEND / SETRANGE

void AppendApply(ApplyContext& ctx, const Argv& argv) {
  NoteExpired(ctx, argv[1]);
  Value v;
  Found f = LoadString(ctx.batch, argv[1], ctx.now_ms, &v, ctx.reply);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.batch.Put(argv[1], StringValue(argv[2], 0));
    Notify(ctx, kNotifyString, "append", argv[1]);
    ctx.reply.Integer(static_cast<int64_t>(argv[2].size()));
    return;
  }
  if (!CheckStringLength(static_cast<int64_t>(v.payload.size()),
                         static_cast<int64_t>(argv[2].size()), ctx.reply)) {
    return;
  }
  v.payload.append(argv[2]);
  ctx.batch.Put(argv[1], v);
  Notify(ctx, kNotifyString, "append", argv[1]);
  ctx.reply.Integer(static_cast<int64_t>(v.payload.size()));
}

bool ParseOffset(const std::string& arg, resp::ReplyBuilder& reply, int64_t* offset) {
  if (!ParseInt64(arg, offset)) {
    reply.Error(kErrNotInteger);
    return false;
  }
  if (*offset < 0) {
    reply.Error(kErrOffsetRange);
    return false;
  }
  return true;
}

bool SetrangePrepare(PrepareContext& ctx, Argv& argv) {
  int64_t offset;
  return ParseOffset(argv[2], ctx.reply, &offset);
}

// Redis setrangeCommand. The key keeps its TTL.
void SetrangeApply(ApplyContext& ctx, const Argv& argv) {
  int64_t offset;
  if (!ParseOffset(argv[2], ctx.reply, &offset)) return;
  const std::string& value = argv[3];
  Value v;
  Found f = LoadString(ctx.batch, argv[1], ctx.now_ms, &v, ctx.reply);
  if (f == Found::kFailed) return;
  if (value.empty()) {
    ctx.reply.Integer(f == Found::kYes ? static_cast<int64_t>(v.payload.size()) : 0);
    return;
  }
  if (!CheckStringLength(offset, static_cast<int64_t>(value.size()), ctx.reply)) return;
  if (f == Found::kNo) v = StringValue(std::string(), 0);
  size_t end = static_cast<size_t>(offset) + value.size();
  if (v.payload.size() < end) v.payload.resize(end, '\0');
  std::memcpy(v.payload.data() + offset, value.data(), value.size());
  ctx.batch.Put(argv[1], v);
  Notify(ctx, kNotifyString, "setrange", argv[1]);
  ctx.reply.Integer(static_cast<int64_t>(v.payload.size()));
}

constexpr uint32_t kWriteDenyOom = kWrite | kDenyOom;
constexpr std::string_view kRangeComplexity =
    "O(N) where N is the length of the returned string. The complexity is ultimately determined "
    "by the returned length, but because creating a substring from an existing string is very "
    "cheap, it can be considered O(1) for small strings.";

// SET's key flags for COMMAND GETKEYSANDFLAGS (Redis's setGetKeys): GET makes it read the key.
void SetGetKeys(const Argv& argv, std::vector<KeyRef>* keys) {
  bool get = false;
  for (size_t i = 3; i < argv.size(); i++) get |= EqualsIgnoreCase(argv[i], "get");
  keys->push_back({1, get ? "RW access update" : "OW update"});
}

}  // namespace

extern const CommandSpec kStringCommands[] = {
    {.name = "get", .arity = 2, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "1.0.0", .summary = "Get the value of a key", .complexity = "O(1)",
     .execute = &GetCmd, .key_flags = "RO access", .args = "key:key@0"},
    {.name = "set", .arity = -3, .flags = kWriteDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "1.0.0", .summary = "Set the string value of a key", .complexity = "O(1)",
     .prepare = &SetPrepare, .apply = &SetApply, .key_flags = "RW access update variable_flags",
     .key_notes = "RW and ACCESS due to the optional `GET` argument", .getkeys = &SetGetKeys,
     .args = "key:key@0 value:string condition:oneof/2.6.12?(nx:pure-token=NX xx:pure-token=XX) "
             "get:pure-token=GET/6.2.0? expiration:oneof?(seconds:integer=EX/2.6.12 milliseconds:integer=PX/2.6.12 "
             "unix-time-seconds:unix-time=EXAT/6.2.0 unix-time-milliseconds:unix-time=PXAT/6.2.0 "
             "keepttl:pure-token=KEEPTTL/6.0.0)",
     .history = "2.6.12 Added the `EX`, `PX`, `NX` and `XX` options.\n6.0.0 Added the `KEEPTTL` option.\n6.2.0 "
                "Added the `GET`, `EXAT` and `PXAT` option.\n7.0.0 Allowed the `NX` and `GET` options to be used "
                "together."},
    {.name = "setnx", .arity = 3, .flags = kWriteDenyOom | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "1.0.0", .summary = "Set the value of a key, only if the key does not exist",
     .complexity = "O(1)", .apply = &SetnxApply, .key_flags = "OW insert", .args = "key:key@0 value:string"},
    {.name = "setex", .arity = 4, .flags = kWriteDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "2.0.0", .summary = "Set the value and expiration of a key", .complexity = "O(1)",
     .prepare = &SetexPrepare, .apply = &SetexApply, .key_flags = "OW update",
     .args = "key:key@0 seconds:integer value:string"},
    {.name = "psetex", .arity = 4, .flags = kWriteDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "2.6.0", .summary = "Set the value and expiration in milliseconds of a key",
     .complexity = "O(1)", .prepare = &PsetexPrepare, .apply = &PsetexApply, .key_flags = "OW update",
     .args = "key:key@0 milliseconds:integer value:string"},
    {.name = "getset", .arity = 3, .flags = kWriteDenyOom | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "1.0.0", .summary = "Set the string value of a key and return its old value",
     .complexity = "O(1)", .apply = &GetsetApply, .key_flags = "RW access update", .args = "key:key@0 value:string",
     .deprecated_since = "6.2.0", .replaced_by = "`SET` with the `!GET` argument"},
    {.name = "getdel", .arity = 2, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "6.2.0", .summary = "Get the value of a key and delete the key",
     .complexity = "O(1)", .apply = &GetdelApply, .key_flags = "RW access delete", .args = "key:key@0"},
    {.name = "getex", .arity = -2, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "6.2.0", .summary = "Get the value of a key and optionally set its expiration",
     .complexity = "O(1)", .prepare = &GetexPrepare, .apply = &GetexApply, .key_flags = "RW access update",
     .key_notes = "RW and UPDATE because it changes the TTL",
     .args = "key:key@0 expiration:oneof?(seconds:integer=EX milliseconds:integer=PX "
             "unix-time-seconds:unix-time=EXAT unix-time-milliseconds:unix-time=PXAT persist:pure-token=PERSIST)"},
    {.name = "mget", .arity = -2, .flags = kReadonly | kFast, .first_key = 1, .last_key = -1, .key_step = 1,
     .group = "string", .since = "1.0.0", .summary = "Get the values of all the given keys",
     .complexity = "O(N) where N is the number of keys to retrieve.", .execute = &MgetCmd, .key_flags = "RO access",
     .tips = "request_policy:multi_shard", .args = "key:key@0*"},
    {.name = "mset", .arity = -3, .flags = kWriteDenyOom, .first_key = 1, .last_key = -1, .key_step = 2,
     .group = "string", .since = "1.0.1", .summary = "Set multiple keys to multiple values",
     .complexity = "O(N) where N is the number of keys to set.", .prepare = &MsetPrepare, .apply = &MsetApply,
     .key_flags = "OW update", .tips = "request_policy:multi_shard response_policy:all_succeeded",
     .args = "key_value:block*(key:key@0 value:string)"},
    {.name = "msetnx", .arity = -3, .flags = kWriteDenyOom, .first_key = 1, .last_key = -1, .key_step = 2,
     .group = "string", .since = "1.0.1",
     .summary = "Set multiple keys to multiple values, only if none of the keys exist",
     .complexity = "O(N) where N is the number of keys to set.", .prepare = &MsetPrepare, .apply = &MsetnxApply,
     .key_flags = "OW insert", .tips = "request_policy:multi_shard response_policy:agg_min",
     .args = "key_value:block*(key:key@0 value:string)"},
    {.name = "incr", .arity = 2, .flags = kWriteDenyOom | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "1.0.0", .summary = "Increment the integer value of a key by one",
     .complexity = "O(1)", .apply = &IncrApply, .key_flags = "RW access update", .args = "key:key@0"},
    {.name = "decr", .arity = 2, .flags = kWriteDenyOom | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "1.0.0", .summary = "Decrement the integer value of a key by one",
     .complexity = "O(1)", .apply = &DecrApply, .key_flags = "RW access update", .args = "key:key@0"},
    {.name = "incrby", .arity = 3, .flags = kWriteDenyOom | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "1.0.0", .summary = "Increment the integer value of a key by the given amount",
     .complexity = "O(1)", .prepare = &IncrbyPrepare, .apply = &IncrbyApply, .key_flags = "RW access update",
     .args = "key:key@0 increment:integer"},
    {.name = "decrby", .arity = 3, .flags = kWriteDenyOom | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "1.0.0", .summary = "Decrement the integer value of a key by the given number",
     .complexity = "O(1)", .prepare = &DecrbyPrepare, .apply = &DecrbyApply, .key_flags = "RW access update",
     .args = "key:key@0 decrement:integer"},
    {.name = "incrbyfloat", .arity = 3, .flags = kWriteDenyOom | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "2.6.0", .summary = "Increment the float value of a key by the given amount",
     .complexity = "O(1)", .apply = &IncrbyfloatApply, .key_flags = "RW access update",
     .args = "key:key@0 increment:double"},
    {.name = "append", .arity = 3, .flags = kWriteDenyOom | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "2.0.0", .summary = "Append a value to a key",
     .complexity = "O(1). The amortized time complexity is O(1) assuming the appended value is small and the "
                   "already present value is of any size, since the dynamic string library used by Redis will "
                   "double the free space available on every reallocation.",
     .apply = &AppendApply, .key_flags = "RW insert", .args = "key:key@0 value:string"},
    {.name = "strlen", .arity = 2, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "2.2.0", .summary = "Get the length of the value stored in a key",
     .complexity = "O(1)", .execute = &StrlenCmd, .key_flags = "RO", .args = "key:key@0"},
    {.name = "getrange", .arity = 4, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "2.4.0", .summary = "Get a substring of the string stored at a key",
     .complexity = kRangeComplexity, .execute = &GetrangeCmd, .key_flags = "RO access",
     .args = "key:key@0 start:integer end:integer"},
    {.name = "substr", .arity = 4, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "1.0.0", .summary = "Get a substring of the string stored at a key",
     .complexity = kRangeComplexity, .execute = &GetrangeCmd, .key_flags = "RO access",
     .args = "key:key@0 start:integer end:integer", .deprecated_since = "2.0.0", .replaced_by = "`GETRANGE`"},
    {.name = "setrange", .arity = 4, .flags = kWriteDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "string", .since = "2.2.0",
     .summary = "Overwrite part of a string at key starting at the specified offset",
     .complexity = "O(1), not counting the time taken to copy the new string in place. Usually, this string is "
                   "very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the "
                   "length of the value argument.",
     .prepare = &SetrangePrepare, .apply = &SetrangeApply, .key_flags = "RW update",
     .args = "key:key@0 offset:integer value:string"},
    {.name = "lcs", .arity = -3, .flags = kReadonly, .first_key = 1, .last_key = 2, .key_step = 1, .group = "string",
     .since = "7.0.0", .summary = "Find longest common substring",
     .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively", .execute = &LcsCmd,
     .key_flags = "RO access",
     .args = "key1:key@0 key2:key@0 len:pure-token=LEN? idx:pure-token=IDX? len:integer=MINMATCHLEN? "
             "withmatchlen:pure-token=WITHMATCHLEN?"},
    {},
};

}  // namespace redraft::commands
