// The list command family, with Redis 7.0 semantics (t_list.c) and replies. The blocking
// commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) are here as their non-blocking form, which is
// what Redis runs inside MULTI: pop, or reply nil when every key is empty. Parking the client on
// that nil and waking it when a key receives elements is the server's part (server/blocking.h,
// docs/blocking.md).
//
// Storage (lists_layout.h, docs/data_model.md "Lists"; Kvrocks's layout): the metadata payload is
// [size:8 LE][head:8 LE][tail:8 LE]; the elements sit at positions head..tail-1, each in the
// sub-key (key, version, position as 8 bytes big-endian) -> element. A new list starts with
// head = tail = 2^63, so both ends grow by one position per push for 2^63 pushes. Hence:
//   * LPUSH/RPUSH/LPOP/RPOP, LINDEX, LSET: O(1) per element (a position is head + index);
//   * LRANGE: one sub-key scan from head + start, no per-element lookups;
//   * LINSERT, LREM: O(N), moving the elements on the shorter side of the change (as Kvrocks);
//   * a list emptied by a pop, LREM or LTRIM is deleted (its metadata record), as Redis deletes an
//     empty list; when every element goes at once its sub-keys are left as garbage (O(1)).
//
// Writes are applied from their log form, the command as sent: every list write is
// deterministic. Errors Redis raises before looking the key up are raised by prepare (nothing is
// proposed); the others at apply time, in Redis's order.
#include <algorithm>
#include <climits>
#include <vector>

#include "commands/args.h"
#include "commands/blocking_cmds.h"
#include "commands/collection.h"
#include "commands/command.h"
#include "commands/notify.h"
#include "commands/lists_layout.h"

namespace redraft::commands {

namespace {

using store::Value;
using store::ValueType;
using namespace list;  // the encoding: lists_layout.h

// Read path / apply path lookups (collection.h). kFailed: WRONGTYPE was replied.
Found ReadList(ExecContext& ctx, std::string_view key, Value* v) {
  return ReadCollection(ctx, key, ValueType::kList, v);
}
Found WriteList(ApplyContext& ctx, std::string_view key, Value* v) {
  return WriteCollection(ctx, key, ValueType::kList, v);
}

// Redis getListPositionFromObjectOrReply: LEFT or RIGHT, any case.
bool ParseWhere(const std::string& arg, bool* left) {
  std::string_view s = CStrView(arg);
  if (EqualsIgnoreCase(s, "left")) *left = true;
  else if (EqualsIgnoreCase(s, "right")) *left = false;
  else return false;
  return true;
}

// Redis getPositiveLongFromObjectOrReply(..., msg): msg for a non-integer and for a negative.
bool ParseNonNegativeOr(const std::string& arg, resp::ReplyBuilder& reply, std::string_view msg, int64_t* out) {
  if (!ParseInt64(arg, out) || *out < 0) {
    reply.Error(msg);
    return false;
  }
  return true;
}

bool ParseIntOrReply(const std::string& arg, resp::ReplyBuilder& reply, int64_t* out) {
  if (!ParseInt64(arg, out)) {
    reply.Error(kErrNotInteger);
    return false;
  }
  return true;
}

// Redis's index normalisation for LRANGE/LTRIM: [start, end] clamped to the list; false if empty.
bool ClampRange(int64_t start, int64_t end, uint64_t size, uint64_t* first, uint64_t* count) {
  int64_t llen = static_cast<int64_t>(size);
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return false;
  if (end >= llen) end = llen - 1;
  *first = static_cast<uint64_t>(start);
  *count = static_cast<uint64_t>(end - start) + 1;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Writes

// Redis pushGenericCommand: LPUSH/RPUSH create the list, LPUSHX/RPUSHX only push onto one.
void PushGeneric(ApplyContext& ctx, const Argv& argv, bool left, bool xx) {
  Value v;
  if (xx) {
    Found f = WriteList(ctx, argv[1], &v);
    if (f == Found::kFailed) return;
    if (f == Found::kNo) {
      ctx.reply.Integer(0);
      return;
    }
  } else if (!WriteCollectionOrCreate(ctx, argv[1], ValueType::kList, &v)) {
    return;
  }
  ListMeta m = GetMeta(v);
  for (size_t i = 2; i < argv.size(); i++) Push(ctx, argv[1], v, &m, left, argv[i]);
  PutMeta(ctx, argv[1], &v, m);
  Notify(ctx, kNotifyList, left ? "lpush" : "rpush", argv[1]);
  ctx.reply.Integer(static_cast<int64_t>(m.size));
}
void LpushApply(ApplyContext& ctx, const Argv& argv) { PushGeneric(ctx, argv, true, false); }
void RpushApply(ApplyContext& ctx, const Argv& argv) { PushGeneric(ctx, argv, false, false); }
void LpushxApply(ApplyContext& ctx, const Argv& argv) { PushGeneric(ctx, argv, true, true); }
void RpushxApply(ApplyContext& ctx, const Argv& argv) { PushGeneric(ctx, argv, false, true); }

// LPOP/RPOP key [count]: the argument checks Redis makes before the lookup.
bool ParsePop(const Argv& argv, resp::ReplyBuilder& reply, int64_t* count) {
  if (argv.size() > 3) {
    std::string name = argv[0];
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    reply.Error(WrongArity(name));
    return false;
  }
  *count = -1;
  return argv.size() < 3 || ParseNonNegativeOr(argv[2], reply, kErrNotPositive, count);
}
bool PopPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t count;
  return ParsePop(argv, ctx.reply, &count);
}

// Redis popGenericCommand: one element as a bulk string, or with a count an array (in pop order).
void PopGeneric(ApplyContext& ctx, const Argv& argv, bool left) {
  int64_t count;
  if (!ParsePop(argv, ctx.reply, &count)) return;
  bool hascount = count >= 0;
  Value v;
  Found f = WriteList(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    if (hascount) ctx.reply.NullArray(); else ctx.reply.Null();
    return;
  }
  if (hascount && count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  ListMeta m = GetMeta(v);
  uint64_t n = hascount ? std::min<uint64_t>(count, m.size) : 1;
  auto values = PopN(ctx, argv[1], v, &m, left, n);
  Notify(ctx, kNotifyList, left ? "lpop" : "rpop", argv[1]);
  PutMeta(ctx, argv[1], &v, m);
  if (!hascount) {
    ctx.reply.Bulk(values[0]);
    return;
  }
  ctx.reply.ArrayHeader(values.size());
  for (const auto& val : values) ctx.reply.Bulk(val);
}
void LpopApply(ApplyContext& ctx, const Argv& argv) { PopGeneric(ctx, argv, true); }
void RpopApply(ApplyContext& ctx, const Argv& argv) { PopGeneric(ctx, argv, false); }

// Redis lsetCommand: the lookup comes before the index is parsed.
void LsetApply(ApplyContext& ctx, const Argv& argv) {
  Value v;
  Found f = WriteList(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Error(kErrNoSuchKey);
    return;
  }
  int64_t index;
  if (!ParseIntOrReply(argv[2], ctx.reply, &index)) return;
  ListMeta m = GetMeta(v);
  int64_t llen = static_cast<int64_t>(m.size);
  if (index < 0) index += llen;
  if (index < 0 || index >= llen) {
    ctx.reply.Error(kErrOutOfRange);
    return;
  }
  ctx.batch.PutSub(argv[1], v.version, PosField(m.head + static_cast<uint64_t>(index)), argv[3]);
  Notify(ctx, kNotifyList, "lset", argv[1]);
  ctx.reply.Ok();
}

bool ParseBeforeAfter(const std::string& arg, bool* after) {
  if (EqualsIgnoreCase(CStrView(arg), "after")) *after = true;
  else if (EqualsIgnoreCase(CStrView(arg), "before")) *after = false;
  else return false;
  return true;
}
bool LinsertPrepare(PrepareContext& ctx, Argv& argv) {
  bool after;
  if (ParseBeforeAfter(argv[2], &after)) return true;
  ctx.reply.Error(kErrSyntax);
  return false;
}

// Redis linsertCommand: the new length, -1 without the pivot, 0 without the key. The elements on
// the shorter side of the insertion point move by one position.
void LinsertApply(ApplyContext& ctx, const Argv& argv) {
  bool after;
  if (!ParseBeforeAfter(argv[2], &after)) {
    ctx.reply.Error(kErrSyntax);
    return;
  }
  Value v;
  Found f = WriteList(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Integer(0);
    return;
  }
  ListMeta m = GetMeta(v);
  const std::string& key = argv[1];
  uint64_t pivot = UINT64_MAX;
  ScanForward(ctx.batch, key, v.version, m.head, m.tail, [&](uint64_t pos, std::string_view value) {
    if (value != argv[3]) return true;
    pivot = pos;
    return false;
  });
  if (pivot == UINT64_MAX) {
    ctx.reply.Integer(-1);
    return;
  }
  uint64_t i = pivot - m.head + (after ? 1 : 0);  // the new element's index
  if (i < m.size - i) {
    REDRAFT_CHECK(m.head > 0);
    MoveRange(ctx, key, v.version, m.head, m.head + i, -1);
    m.head--;
  } else {
    REDRAFT_CHECK(m.tail < UINT64_MAX);
    MoveRange(ctx, key, v.version, m.head + i, m.tail, +1);
    m.tail++;
  }
  ctx.batch.PutSub(key, v.version, PosField(m.head + i), argv[4]);
  m.size++;
  PutMeta(ctx, key, &v, m);
  Notify(ctx, kNotifyList, "linsert", key);
  ctx.reply.Integer(static_cast<int64_t>(m.size));
}

bool LremPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t count;
  return ParseIntOrReply(argv[2], ctx.reply, &count);
}

// Redis lremCommand: count > 0 removes the first count matches from the head, < 0 from the tail,
// 0 all. The gaps close by moving the elements on the cheaper side.
void LremApply(ApplyContext& ctx, const Argv& argv) {
  int64_t count;
  if (!ParseIntOrReply(argv[2], ctx.reply, &count)) return;
  Value v;
  Found f = WriteList(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Integer(0);
    return;
  }
  const std::string& key = argv[1];
  ListMeta m = GetMeta(v);
  // Up to 2^63 for count = LLONG_MIN, as Redis's negation wraps to "never reached".
  uint64_t limit = count < 0 ? 0 - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);
  std::vector<uint64_t> holes;
  auto match = [&](uint64_t pos, std::string_view value) {
    if (value == argv[3]) holes.push_back(pos);
    return limit == 0 || holes.size() < limit;
  };
  if (count < 0) {
    ScanBackward(ctx.batch, key, v.version, m.head, m.tail, match);
    std::reverse(holes.begin(), holes.end());
  } else {
    ScanForward(ctx.batch, key, v.version, m.head, m.tail, match);
  }
  uint64_t k = holes.size();
  if (k == 0) {
    ctx.reply.Integer(0);
    return;
  }
  if (k < m.size) {
    // Closing towards the head moves what follows the first hole; towards the tail, what precedes
    // the last one.
    uint64_t cost_down = (m.tail - holes.front()) - k;
    uint64_t cost_up = (holes.back() + 1 - m.head) - k;
    if (cost_down <= cost_up) {
      for (uint64_t j = 0; j < k; j++) {
        uint64_t end = j + 1 < k ? holes[j + 1] : m.tail;
        MoveRange(ctx, key, v.version, holes[j] + 1, end, -static_cast<int64_t>(j + 1));
      }
      DeletePositions(ctx, key, v.version, m.tail - k, m.tail);
      m.tail -= k;
    } else {
      for (uint64_t j = k; j-- > 0;) {
        uint64_t begin = j > 0 ? holes[j - 1] + 1 : m.head;
        MoveRange(ctx, key, v.version, begin, holes[j], static_cast<int64_t>(k - j));
      }
      DeletePositions(ctx, key, v.version, m.head, m.head + k);
      m.head += k;
    }
  }
  m.size -= k;
  Notify(ctx, kNotifyList, "lrem", key);
  PutMeta(ctx, key, &v, m);
  ctx.reply.Integer(static_cast<int64_t>(k));
}

bool LtrimPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t start, end;
  return ParseIntOrReply(argv[2], ctx.reply, &start) && ParseIntOrReply(argv[3], ctx.reply, &end);
}

// Redis ltrimCommand. Trimming everything deletes the key without touching its sub-keys.
void LtrimApply(ApplyContext& ctx, const Argv& argv) {
  int64_t start, end;
  if (!ParseIntOrReply(argv[2], ctx.reply, &start) || !ParseIntOrReply(argv[3], ctx.reply, &end)) return;
  Value v;
  Found f = WriteList(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Ok();
    return;
  }
  ListMeta m = GetMeta(v);
  uint64_t first, count;
  if (!ClampRange(start, end, m.size, &first, &count)) {
    m.size = 0;
  } else if (count < m.size) {
    DeletePositions(ctx, argv[1], v.version, m.head, m.head + first);
    DeletePositions(ctx, argv[1], v.version, m.head + first + count, m.tail);
    m.head += first;
    m.tail = m.head + count;
    m.size = count;
  }
  Notify(ctx, kNotifyList, "ltrim", argv[1]);
  PutMeta(ctx, argv[1], &v, m);
  ctx.reply.Ok();
}

// Redis lmoveGenericCommand: the destination's type is checked before anything is popped; a
// list moved onto itself rotates.
void MoveGeneric(ApplyContext& ctx, const Argv& argv, bool from_left, bool to_left) {
  const std::string& src = argv[1];
  const std::string& dst = argv[2];
  Value sv;
  Found f = WriteList(ctx, src, &sv);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Null();
    return;
  }
  ListMeta sm = GetMeta(sv);
  if (src == dst) {
    if (sm.size == 1) {  // the list stays as it is (PopN would leave its element as garbage)
      std::string value = ReadRange(ctx.batch, src, sv.version, sm.head, sm.tail)[0].second;
      Notify(ctx, kNotifyList, to_left ? "lpush" : "rpush", dst);  // Redis pops and pushes it
      Notify(ctx, kNotifyList, from_left ? "lpop" : "rpop", src);
      PutMeta(ctx, src, &sv, sm);
      ctx.reply.Bulk(value);
      return;
    }
    auto values = PopN(ctx, src, sv, &sm, from_left, 1);
    Push(ctx, src, sv, &sm, to_left, values[0]);
    PutMeta(ctx, src, &sv, sm);
    Notify(ctx, kNotifyList, to_left ? "lpush" : "rpush", dst);
    Notify(ctx, kNotifyList, from_left ? "lpop" : "rpop", src);
    ctx.reply.Bulk(values[0]);
    return;
  }
  Value dv;
  if (!WriteCollectionOrCreate(ctx, dst, ValueType::kList, &dv)) return;
  ListMeta dm = GetMeta(dv);
  auto values = PopN(ctx, src, sv, &sm, from_left, 1);
  // Redis's order: the push onto dst, the pop from src, then src's "del" if it emptied.
  Notify(ctx, kNotifyList, to_left ? "lpush" : "rpush", dst);
  Notify(ctx, kNotifyList, from_left ? "lpop" : "rpop", src);
  PutMeta(ctx, src, &sv, sm);
  Push(ctx, dst, dv, &dm, to_left, values[0]);
  PutMeta(ctx, dst, &dv, dm);
  ctx.reply.Bulk(values[0]);
}

bool LmovePrepare(PrepareContext& ctx, Argv& argv) {
  bool left;
  if (ParseWhere(argv[3], &left) && ParseWhere(argv[4], &left)) return true;
  ctx.reply.Error(kErrSyntax);
  return false;
}
void LmoveApply(ApplyContext& ctx, const Argv& argv) {
  bool from_left, to_left;
  if (!ParseWhere(argv[3], &from_left) || !ParseWhere(argv[4], &to_left)) {
    ctx.reply.Error(kErrSyntax);
    return;
  }
  MoveGeneric(ctx, argv, from_left, to_left);
}
void RpoplpushApply(ApplyContext& ctx, const Argv& argv) { MoveGeneric(ctx, argv, false, true); }

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] (Redis lmpopGenericCommand's parsing);
// numkeys is argv[at] (1 for LMPOP, 2 for BLMPOP, after its timeout).
struct LmpopArgs {
  int64_t numkeys = 0;
  bool left = true;
  int64_t count = 1;
};
bool ParseLmpop(const Argv& argv, size_t at, resp::ReplyBuilder& reply, LmpopArgs* out) {
  if (!ParseInt64(argv[at], &out->numkeys) || out->numkeys < 1) {
    reply.Error("ERR numkeys should be greater than 0");
    return false;
  }
  uint64_t where_idx = at + 1 + static_cast<uint64_t>(out->numkeys);
  if (where_idx >= argv.size() || !ParseWhere(argv[where_idx], &out->left)) {
    reply.Error(kErrSyntax);
    return false;
  }
  bool has_count = false;
  for (size_t j = where_idx + 1; j < argv.size(); j++) {
    bool moreargs = j + 1 < argv.size();
    if (!has_count && EqualsIgnoreCase(CStrView(argv[j]), "count") && moreargs) {
      has_count = true;
      j++;
      if (!ParseInt64(argv[j], &out->count) || out->count < 1) {
        reply.Error("ERR count should be greater than 0");
        return false;
      }
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}
bool LmpopPrepare(PrepareContext& ctx, Argv& argv) {
  LmpopArgs a;
  return ParseLmpop(argv, 1, ctx.reply, &a);
}

// Redis mpopGenericCommand: pops from the first non-empty list; [key, [elements]] or a null array.
void MpopGeneric(ApplyContext& ctx, const Argv& argv, const LmpopArgs& a, size_t at) {
  for (int64_t j = 0; j < a.numkeys; j++) {
    const std::string& key = argv[at + 1 + j];
    Value v;
    Found f = WriteList(ctx, key, &v);
    if (f == Found::kFailed) return;
    if (f == Found::kNo) continue;
    ListMeta m = GetMeta(v);
    auto values = PopN(ctx, key, v, &m, a.left, std::min<uint64_t>(a.count, m.size));
    Notify(ctx, kNotifyList, a.left ? "lpop" : "rpop", key);
    PutMeta(ctx, key, &v, m);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    ctx.reply.ArrayHeader(values.size());
    for (const auto& val : values) ctx.reply.Bulk(val);
    return;
  }
  ctx.reply.NullArray();
}
void LmpopApply(ApplyContext& ctx, const Argv& argv) {
  LmpopArgs a;
  if (ParseLmpop(argv, 1, ctx.reply, &a)) MpopGeneric(ctx, argv, a, 1);
}

// ---------------------------------------------------------------------------------------------
// Blocking commands, as their non-blocking form (see the file comment). Argument errors come in
// Redis's order; the apply re-checks them (an entry is never trusted: write_entry.h).

// BLPOP/BRPOP key [key ...] timeout (Redis blockingPopGenericCommand): [key, element] from the
// first non-empty list, or a null array.
bool BpopPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t ms;
  return ParseBlockingTimeout(argv.back(), ctx.reply, &ms);
}
void BpopGeneric(ApplyContext& ctx, const Argv& argv, bool left) {
  int64_t ms;
  if (!ParseBlockingTimeout(argv.back(), ctx.reply, &ms)) return;
  for (size_t j = 1; j + 1 < argv.size(); j++) {
    Value v;
    Found f = WriteList(ctx, argv[j], &v);
    if (f == Found::kFailed) return;
    if (f == Found::kNo) continue;
    ListMeta m = GetMeta(v);
    auto values = PopN(ctx, argv[j], v, &m, left, 1);
    Notify(ctx, kNotifyList, left ? "lpop" : "rpop", argv[j]);
    PutMeta(ctx, argv[j], &v, m);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(argv[j]);
    ctx.reply.Bulk(values[0]);
    return;
  }
  ctx.reply.NullArray();
}
void BlpopApply(ApplyContext& ctx, const Argv& argv) { BpopGeneric(ctx, argv, true); }
void BrpopApply(ApplyContext& ctx, const Argv& argv) { BpopGeneric(ctx, argv, false); }

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout: the directions are checked first.
bool BlmovePrepare(PrepareContext& ctx, Argv& argv) {
  int64_t ms;
  return LmovePrepare(ctx, argv) && ParseBlockingTimeout(argv[5], ctx.reply, &ms);
}
void BlmoveApply(ApplyContext& ctx, const Argv& argv) {
  bool from_left, to_left;
  if (!ParseWhere(argv[3], &from_left) || !ParseWhere(argv[4], &to_left)) {
    ctx.reply.Error(kErrSyntax);
    return;
  }
  int64_t ms;
  if (!ParseBlockingTimeout(argv[5], ctx.reply, &ms)) return;
  MoveGeneric(ctx, argv, from_left, to_left);
}

// BRPOPLPUSH source destination timeout.
bool BrpoplpushPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t ms;
  return ParseBlockingTimeout(argv[3], ctx.reply, &ms);
}
void BrpoplpushApply(ApplyContext& ctx, const Argv& argv) {
  int64_t ms;
  if (ParseBlockingTimeout(argv[3], ctx.reply, &ms)) MoveGeneric(ctx, argv, false, true);
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: numkeys, direction and count are
// checked before the timeout (Redis lmpopGenericCommand, then blockingPopGenericCommand).
bool ParseBlmpop(const Argv& argv, resp::ReplyBuilder& reply, LmpopArgs* a) {
  int64_t ms;
  return ParseLmpop(argv, 2, reply, a) && ParseBlockingTimeout(argv[1], reply, &ms);
}
bool BlmpopPrepare(PrepareContext& ctx, Argv& argv) {
  LmpopArgs a;
  return ParseBlmpop(argv, ctx.reply, &a);
}
void BlmpopApply(ApplyContext& ctx, const Argv& argv) {
  LmpopArgs a;
  if (ParseBlmpop(argv, ctx.reply, &a)) MpopGeneric(ctx, argv, a, 2);
}

// ---------------------------------------------------------------------------------------------
// Reads

void LlenCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = ReadList(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  ctx.reply.Integer(f == Found::kYes ? static_cast<int64_t>(store::CollectionSize(v)) : 0);
}

// Redis lindexCommand: the lookup comes before the index is parsed.
void LindexCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = ReadList(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Null();
    return;
  }
  int64_t index;
  if (!ParseIntOrReply(argv[2], ctx.reply, &index)) return;
  ListMeta m = GetMeta(v);
  int64_t llen = static_cast<int64_t>(m.size);
  if (index < 0) index += llen;
  if (index < 0 || index >= llen) {
    ctx.reply.Null();
    return;
  }
  std::string value;
  Status s = ctx.store.GetSub(argv[1], v.version, PosField(m.head + static_cast<uint64_t>(index)), &value);
  if (!s.ok()) REDRAFT_PANIC("list sub-key missing: " + s.ToString());
  ctx.reply.Bulk(value);
}

// Redis lrangeCommand: indexes are parsed first; one scan streams the range into the reply.
void LrangeCmd(ExecContext& ctx, const Argv& argv) {
  int64_t start, end;
  if (!ParseIntOrReply(argv[2], ctx.reply, &start) || !ParseIntOrReply(argv[3], ctx.reply, &end)) return;
  Value v;
  Found f = ReadList(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  ListMeta m;
  uint64_t first = 0, count = 0;
  if (f == Found::kYes) m = GetMeta(v);
  if (f == Found::kNo || !ClampRange(start, end, m.size, &first, &count)) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  ctx.reply.ArrayHeader(count);
  uint64_t sent = 0;
  ScanForward(ctx.store, argv[1], v.version, m.head + first, m.head + first + count,
              [&](uint64_t, std::string_view value) {
                ctx.reply.Bulk(value);
                sent++;
                return true;
              });
  if (sent != count) REDRAFT_PANIC("list sub-keys are missing");
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] (Redis lposCommand).
void LposCmd(ExecContext& ctx, const Argv& argv) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t j = 3; j < argv.size(); j++) {
    std::string_view opt = CStrView(argv[j]);
    bool moreargs = j + 1 < argv.size();
    if (EqualsIgnoreCase(opt, "rank") && moreargs) {
      if (!ParseIntOrReply(argv[++j], ctx.reply, &rank)) return;
      if (rank == 0) {
        ctx.reply.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative "
            "to start from the end of the list");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "count") && moreargs) {
      if (!ParseNonNegativeOr(argv[++j], ctx.reply, "ERR COUNT can't be negative", &count)) return;
    } else if (EqualsIgnoreCase(opt, "maxlen") && moreargs) {
      if (!ParseNonNegativeOr(argv[++j], ctx.reply, "ERR MAXLEN can't be negative", &maxlen)) return;
    } else {
      ctx.reply.Error(kErrSyntax);
      return;
    }
  }
  bool from_tail = rank < 0;
  // Redis negates a negative rank in a long: LLONG_MIN stays negative, so every match qualifies
  // from the first one on, and its COUNT test (matches - rank + 1 >= count) overflows and never
  // stops the scan.
  bool min_rank = rank == LLONG_MIN;
  uint64_t want_rank = min_rank ? 1 : static_cast<uint64_t>(from_tail ? -rank : rank);
  uint64_t want_count = min_rank ? 0 : static_cast<uint64_t>(count < 0 ? 0 : count);
  Value v;
  Found f = ReadList(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    if (count != -1) ctx.reply.ArrayHeader(0); else ctx.reply.Null();
    return;
  }
  ListMeta m = GetMeta(v);
  uint64_t index = 0, matches = 0;
  std::vector<int64_t> found;
  auto visit = [&](uint64_t pos, std::string_view value) {
    if (maxlen != 0 && index >= static_cast<uint64_t>(maxlen)) return false;
    index++;
    if (value != argv[2]) return true;
    matches++;
    if (matches < want_rank) return true;
    found.push_back(static_cast<int64_t>(pos - m.head));
    if (count == -1 || (want_count != 0 && matches - want_rank + 1 >= want_count)) {
      return false;
    }
    return true;
  };
  if (from_tail) ScanBackward(ctx.store, argv[1], v.version, m.head, m.tail, visit);
  else ScanForward(ctx.store, argv[1], v.version, m.head, m.tail, visit);
  if (count != -1) {
    ctx.reply.ArrayHeader(found.size());
    for (int64_t i : found) ctx.reply.Integer(i);
  } else if (!found.empty()) {
    ctx.reply.Integer(found[0]);
  } else {
    ctx.reply.Null();
  }
}

constexpr uint32_t kWriteDenyOomFast = kWrite | kDenyOom | kFast;
constexpr std::string_view kPushComplexity =
    "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.";

}  // namespace

// LMOVE, RPOPLPUSH, BLMOVE, BRPOPLPUSH: pop from the source, push to the destination.
constexpr KeySpec kMoveKeys[] = {
    {.flags = "RW access delete", .index = 1, .lastkey = 0},
    {.flags = "RW insert", .index = 2, .lastkey = 0}
};
constexpr KeySpec kLmpopKeys[] = {
    {.flags = "RW access delete", .index = 1, .keynum = true, .keynumidx = 0, .firstkey = 1}
};

constexpr KeySpec kBlmpopKeys[] = {
    {.flags = "RW access delete", .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}
};

extern const CommandSpec kListCommands[] = {
    {.name = "lpush", .arity = -3, .flags = kWriteDenyOomFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "list", .since = "1.0.0", .summary = "Prepend one or multiple elements to a list",
     .complexity = kPushComplexity, .apply = &LpushApply, .key_flags = "RW insert",
     .args = "key:key@0 element:string*", .history = "2.4.0 Accepts multiple `element` arguments."},
    {.name = "rpush", .arity = -3, .flags = kWriteDenyOomFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "list", .since = "1.0.0", .summary = "Append one or multiple elements to a list",
     .complexity = kPushComplexity, .apply = &RpushApply, .key_flags = "RW insert",
     .args = "key:key@0 element:string*", .history = "2.4.0 Accepts multiple `element` arguments."},
    {.name = "lpushx", .arity = -3, .flags = kWriteDenyOomFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "list", .since = "2.2.0", .summary = "Prepend an element to a list, only if the list exists",
     .complexity = kPushComplexity, .apply = &LpushxApply, .key_flags = "RW insert",
     .args = "key:key@0 element:string*", .history = "4.0.0 Accepts multiple `element` arguments."},
    {.name = "rpushx", .arity = -3, .flags = kWriteDenyOomFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "list", .since = "2.2.0", .summary = "Append an element to a list, only if the list exists",
     .complexity = kPushComplexity, .apply = &RpushxApply, .key_flags = "RW insert",
     .args = "key:key@0 element:string*", .history = "4.0.0 Accepts multiple `element` arguments."},
    {.name = "lpop", .arity = -2, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "list", .since = "1.0.0", .summary = "Remove and get the first elements in a list",
     .complexity = "O(N) where N is the number of elements returned", .prepare = &PopPrepare, .apply = &LpopApply,
     .key_flags = "RW access delete", .args = "key:key@0 count:integer/6.2.0?",
     .history = "6.2.0 Added the `count` argument."},
    {.name = "rpop", .arity = -2, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "list", .since = "1.0.0", .summary = "Remove and get the last elements in a list",
     .complexity = "O(N) where N is the number of elements returned", .prepare = &PopPrepare, .apply = &RpopApply,
     .key_flags = "RW access delete", .args = "key:key@0 count:integer/6.2.0?",
     .history = "6.2.0 Added the `count` argument."},
    {.name = "llen", .arity = 2, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "list", .since = "1.0.0", .summary = "Get the length of a list", .complexity = "O(1)",
     .execute = &LlenCmd, .key_flags = "RO", .args = "key:key@0"},
    {.name = "lrange", .arity = 4, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = "list",
     .since = "1.0.0", .summary = "Get a range of elements from a list",
     .complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end "
                   "(HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
     .execute = &LrangeCmd, .key_flags = "RO access", .args = "key:key@0 start:integer stop:integer"},
    {.name = "lindex", .arity = 3, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = "list",
     .since = "1.0.0", .summary = "Get an element from a list by its index",
     .complexity = "O(N) where N is the number of elements to traverse to get to the element at index. This makes "
                   "asking for the first or the last element of the list O(1).",
     .execute = &LindexCmd, .key_flags = "RO access", .args = "key:key@0 index:integer"},
    {.name = "lset", .arity = 4, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "list", .since = "1.0.0", .summary = "Set the value of an element in a list by its index",
     .complexity = "O(N) where N is the length of the list. Setting either the first or the last element of the "
                   "list is O(1).",
     .apply = &LsetApply, .key_flags = "RW update", .args = "key:key@0 index:integer element:string"},
    {.name = "linsert", .arity = 5, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "list", .since = "2.2.0", .summary = "Insert an element before or after another element in a list",
     .complexity = "O(N) where N is the number of elements to traverse before seeing the value pivot. This means "
                   "that inserting somewhere on the left end on the list (head) can be considered O(1) and "
                   "inserting somewhere on the right end (tail) is O(N).",
     .prepare = &LinsertPrepare, .apply = &LinsertApply, .key_flags = "RW insert",
     .args = "key:key@0 where:oneof(before:pure-token=BEFORE after:pure-token=AFTER) pivot:string element:string"},
    {.name = "lrem", .arity = 4, .flags = kWrite, .first_key = 1, .last_key = 1, .key_step = 1, .group = "list",
     .since = "1.0.0", .summary = "Remove elements from a list",
     .complexity = "O(N+M) where N is the length of the list and M is the number of elements removed.",
     .prepare = &LremPrepare, .apply = &LremApply, .key_flags = "RW delete",
     .args = "key:key@0 count:integer element:string"},
    {.name = "ltrim", .arity = 4, .flags = kWrite, .first_key = 1, .last_key = 1, .key_step = 1, .group = "list",
     .since = "1.0.0", .summary = "Trim a list to the specified range",
     .complexity = "O(N) where N is the number of elements to be removed by the operation.", .prepare = &LtrimPrepare,
     .apply = &LtrimApply, .key_flags = "RW delete", .args = "key:key@0 start:integer stop:integer"},
    {.name = "lpos", .arity = -3, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = "list",
     .since = "6.0.6", .summary = "Return the index of matching elements on a list",
     .complexity = "O(N) where N is the number of elements in the list, for the average case. When searching for "
                   "elements near the head or the tail of the list, or when the MAXLEN option is provided, the "
                   "command may run in constant time.",
     .execute = &LposCmd, .key_flags = "RO access",
     .args = "key:key@0 element:string rank:integer=RANK? num-matches:integer=COUNT? len:integer=MAXLEN?"},
    {.name = "lmove", .arity = 5, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 2, .key_step = 1,
     .group = "list", .since = "6.2.0",
     .summary = "Pop an element from a list, push it to another list and return it", .complexity = "O(1)",
     .prepare = &LmovePrepare, .apply = &LmoveApply, .key_specs = kMoveKeys,
     .args = "source:key@0 destination:key@1 wherefrom:oneof(left:pure-token=LEFT right:pure-token=RIGHT) "
             "whereto:oneof(left:pure-token=LEFT right:pure-token=RIGHT)"},
    {.name = "rpoplpush", .arity = 3, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 2, .key_step = 1,
     .group = "list", .since = "1.2.0",
     .summary = "Remove the last element in a list, prepend it to another list and return it", .complexity = "O(1)",
     .apply = &RpoplpushApply, .key_specs = kMoveKeys, .args = "source:key@0 destination:key@1",
     .deprecated_since = "6.2.0", .replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments"},
    // Keys are movable (after numkeys): Redis reports 0 0 0 and the movablekeys flag.
    {.name = "lmpop", .arity = -4, .flags = kWrite, .first_key = 0, .last_key = 0, .key_step = 0, .group = "list",
     .since = "7.0.0", .summary = "Pop elements from a list",
     .complexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
     .prepare = &LmpopPrepare, .apply = &LmpopApply, .key_specs = kLmpopKeys,
     .args = "numkeys:integer key:key@0* where:oneof(left:pure-token=LEFT right:pure-token=RIGHT) "
             "count:integer=COUNT?"},
    // Blocking (docs/blocking.md): the server parks the client while the apply replies nil.
    {.name = "blpop", .arity = -3, .flags = kWrite | kNoScript | kBlocking, .first_key = 1, .last_key = -2,
     .key_step = 1, .group = "list", .since = "2.0.0",
     .summary = "Remove and get the first element in a list, or block until one is available",
     .complexity = "O(N) where N is the number of provided keys.", .prepare = &BpopPrepare, .apply = &BlpopApply,
     .key_flags = "RW access delete", .args = "key:key@0* timeout:double",
     .history = "6.0.0 `timeout` is interpreted as a double instead of an integer."},
    {.name = "brpop", .arity = -3, .flags = kWrite | kNoScript | kBlocking, .first_key = 1, .last_key = -2,
     .key_step = 1, .group = "list", .since = "2.0.0",
     .summary = "Remove and get the last element in a list, or block until one is available",
     .complexity = "O(N) where N is the number of provided keys.", .prepare = &BpopPrepare, .apply = &BrpopApply,
     .key_flags = "RW access delete", .args = "key:key@0* timeout:double",
     .history = "6.0.0 `timeout` is interpreted as a double instead of an integer."},
    {.name = "brpoplpush", .arity = 4, .flags = kWrite | kDenyOom | kNoScript | kBlocking, .first_key = 1,
     .last_key = 2, .key_step = 1, .group = "list", .since = "2.2.0",
     .summary = "Pop an element from a list, push it to another list and return it; or block until one is available",
     .complexity = "O(1)", .prepare = &BrpoplpushPrepare, .apply = &BrpoplpushApply, .key_specs = kMoveKeys,
     .args = "source:key@0 destination:key@1 timeout:double",
     .history = "6.0.0 `timeout` is interpreted as a double instead of an integer.", .deprecated_since = "6.2.0",
     .replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments"},
    {.name = "blmove", .arity = 6, .flags = kWrite | kDenyOom | kNoScript | kBlocking, .first_key = 1, .last_key = 2,
     .key_step = 1, .group = "list", .since = "6.2.0",
     .summary = "Pop an element from a list, push it to another list and return it; or block until one is available",
     .complexity = "O(1)", .prepare = &BlmovePrepare, .apply = &BlmoveApply, .key_specs = kMoveKeys,
     .args = "source:key@0 destination:key@1 wherefrom:oneof(left:pure-token=LEFT right:pure-token=RIGHT) "
             "whereto:oneof(left:pure-token=LEFT right:pure-token=RIGHT) timeout:double"},
    {.name = "blmpop", .arity = -5, .flags = kWrite | kBlocking, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "list", .since = "7.0.0", .summary = "Pop elements from a list, or block until one is available",
     .complexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
     .prepare = &BlmpopPrepare, .apply = &BlmpopApply, .key_specs = kBlmpopKeys,
     .args = "timeout:double numkeys:integer key:key@0* where:oneof(left:pure-token=LEFT right:pure-token=RIGHT) "
             "count:integer=COUNT?"},
    {},
};

}  // namespace redraft::commands
