// Sorted sets: pops (ZPOPMIN, ZPOPMAX, ZMPOP; Redis 7.0's genericZpopCommand), ZSCAN and
// ZRANDMEMBER. ZPOPMAX finds the largest elements by skipping size-count entries of the score
// index (the store iterates forward only); popped elements are removed after the scan.
#include <algorithm>
#include <climits>
#include <random>
#include <vector>

#include "commands/args.h"
#include "commands/glob.h"
#include "commands/scan_cursor.h"
#include "commands/zsets_internal.h"
#include "commands/notify.h"

namespace redraft::commands::zset {

using store::Value;

// ---------------------------------------------------------------------------------------------
// ZPOPMIN / ZPOPMAX / ZMPOP (Redis genericZpopCommand)

// Pops up to count elements of the zset at key (min or max first) and removes them.
std::vector<Element> PopElements(ApplyContext& ctx, const std::string& key, Value* v, bool max, uint64_t count) {
  uint64_t size = store::CollectionSize(*v);
  uint64_t n = std::min(count, size);
  std::vector<Element> got;
  got.reserve(n);
  Reader r(ctx.batch, key, v->version);
  if (n > 0 && !max) {
    // From the front: start past the elements earlier pops removed (PopScanStart).
    r.ScanScores(PopScanStart(ctx, key, v->version), [&](std::string_view m, double s) {
      got.emplace_back(m, s);
      return got.size() < n;
    });
  } else if (n > 0) {
    ScanRanks(r, size - n, size - 1, [&](std::string_view m, double s) { return got.emplace_back(m, s), true; });
  }
  if (max) std::reverse(got.begin(), got.end());
  if (!got.empty()) {
    Notify(ctx, kNotifyZset, max ? "zpopmax" : "zpopmin", key);
    RemoveAll(ctx, key, v, got);
    if (!max) NotePopped(v->version, ScoreField(got.back().second, got.back().first));
  }
  return got;
}

namespace {

// ZPOPMIN/ZPOPMAX key [count]: count -1 means "not given".
bool ParsePop(const Argv& argv, int64_t* count, resp::ReplyBuilder& reply) {
  if (argv.size() > 3) {
    reply.Error(kErrSyntax);
    return false;
  }
  *count = -1;
  if (argv.size() == 3) {
    if (!ParseLong(argv[2], count) || *count < 0) {  // getPositiveLongFromObjectOrReply
      reply.Error(kErrNotPositive);
      return false;
    }
  }
  return true;
}

void PopApply(ApplyContext& ctx, const Argv& argv, bool max) {
  int64_t count;
  if (!ParsePop(argv, &count, ctx.reply)) return;
  Value v;
  Found f = Write(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  // RESP3 with a count: an array of [member, score] pairs; otherwise one flat array.
  bool nested = ctx.reply.proto() > 2 && count != -1;
  auto got = PopElements(ctx, argv[1], &v, max, count == -1 ? 1 : static_cast<uint64_t>(count));
  ctx.reply.ArrayHeader(nested ? got.size() : got.size() * 2);
  for (const auto& [m, s] : got) {
    if (nested) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(m);
    ctx.reply.Double(s);
  }
}

}  // namespace

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] (Redis zmpopGenericCommand); numkeys is
// argv[at] (1 for ZMPOP, 2 for BZMPOP after its timeout).
bool ParseZmpop(const Argv& argv, size_t at, int64_t* numkeys, bool* max, int64_t* count,
                resp::ReplyBuilder& reply) {
  if (!ParseLong(argv[at], numkeys) || *numkeys < 1) {
    reply.Error("ERR numkeys should be greater than 0");
    return false;
  }
  if (static_cast<uint64_t>(*numkeys) >= argv.size() - at - 1) {  // where_idx >= argc
    reply.Error(kErrSyntax);
    return false;
  }
  size_t where = static_cast<size_t>(*numkeys) + at + 1;
  std::string_view w = CStrView(argv[where]);
  if (EqualsIgnoreCase(w, "min")) {
    *max = false;
  } else if (EqualsIgnoreCase(w, "max")) {
    *max = true;
  } else {
    reply.Error(kErrSyntax);
    return false;
  }
  *count = -1;
  for (size_t j = where + 1; j < argv.size(); j++) {
    bool more = j + 1 < argv.size();
    if (*count == -1 && EqualsIgnoreCase(CStrView(argv[j]), "count") && more) {
      j++;
      if (!ParseLong(argv[j], count) || *count < 1) {
        reply.Error("ERR count should be greater than 0");
        return false;
      }
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
  }
  if (*count == -1) *count = 1;
  return true;
}

bool ZpopPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t count;
  return ParsePop(argv, &count, ctx.reply);
}
void ZpopminApply(ApplyContext& ctx, const Argv& argv) { PopApply(ctx, argv, false); }
void ZpopmaxApply(ApplyContext& ctx, const Argv& argv) { PopApply(ctx, argv, true); }

bool ZmpopPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t numkeys, count;
  bool max;
  return ParseZmpop(argv, 1, &numkeys, &max, &count, ctx.reply);
}

void ZmpopApply(ApplyContext& ctx, const Argv& argv) {
  int64_t numkeys, count;
  bool max;
  if (ParseZmpop(argv, 1, &numkeys, &max, &count, ctx.reply)) MpopReply(ctx, argv, 2, numkeys, max, count);
}

void MpopReply(ApplyContext& ctx, const Argv& argv, size_t first_key, int64_t numkeys, bool max, int64_t count) {
  for (int64_t i = 0; i < numkeys; i++) {
    const std::string& key = argv[first_key + i];
    Value v;
    Found f = Write(ctx, key, &v);
    if (f == Found::kFailed) return;
    if (f == Found::kNo) continue;
    auto got = PopElements(ctx, key, &v, max, static_cast<uint64_t>(count));
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    ctx.reply.ArrayHeader(got.size());
    for (const auto& [m, s] : got) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(m);
      ctx.reply.Double(s);
    }
    return;
  }
  ctx.reply.NullArray();
}

// ---------------------------------------------------------------------------------------------
// ZSCAN: zsets of up to kListpackMax members answer in one call with cursor 0, in score order,
// as Redis does for a listpack; larger ones page by COUNT in member byte order.

void ZscanCmd(ExecContext& ctx, const Argv& argv) {
  static const ElementScan kHow{
      store::ValueType::kZset, 'z', kListpackMax, false, true,
      [](ExecContext& c, std::string_view key, const Value& v, std::string_view start, bool whole,
         const ElementScan::Emit& emit) {
        Reader r(c.store, key, v.version);
        // Redis d2string: the same text as %.17g for stored scores.
        auto each = [&](std::string_view m, double s) { return emit(m, FormatDouble(s)); };
        if (whole) r.ScanScores(std::string(1, kScoreTag), each); else r.ScanMembers(start, each);
      }};
  ScanElements(ctx, argv, kHow);
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER key [count [WITHSCORES]] (Redis zrandmemberCommand / zrandmemberWithCountCommand)

void ZrandmemberCmd(ExecContext& ctx, const Argv& argv) {
  auto all = [&](const Value& v) {
    std::vector<Element> els;
    els.reserve(store::CollectionSize(v));
    Reader(ctx.store, argv[1], v.version).ScanScores(std::string(1, kScoreTag), [&](std::string_view m, double s) {
      return els.emplace_back(m, s), true;
    });
    return els;
  };
  if (argv.size() < 3) {
    Value v;
    Found f = Read(ctx, argv[1], &v);
    if (f == Found::kFailed) return;
    if (f == Found::kNo || store::CollectionSize(v) == 0) {
      ctx.reply.Null();
      return;
    }
    // One random rank, reached along the score index: no copy of the zset.
    std::uniform_int_distribution<uint64_t> pick(0, store::CollectionSize(v) - 1);
    uint64_t rank = pick(ReadRng());
    Reader r(ctx.store, argv[1], v.version);
    ScanRanks(r, rank, rank, [&](std::string_view m, double) { return ctx.reply.Bulk(m), false; });
    return;
  }
  RandomCount rc;
  if (!ParseRandomCount(ctx, argv, "withscores", &rc)) return;
  bool withscores = rc.with;
  Value v;
  Found f = Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo || rc.n == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  auto els = all(v);
  uint64_t n = rc.n;
  auto emit = [&](const Element& e) { ReplyElement(ctx.reply, e.first, e.second, withscores, true); };
  if (rc.repeat || n == 1) {  // with repetitions, streamed
    uint64_t bytes = 0;
    for (const auto& e : els) bytes += e.first.size() + (withscores ? 40 : 0) + 16;
    if (!RandomReplyFits(ctx, n, bytes / els.size())) return;
    ReplyElementsHeader(ctx.reply, n, withscores);
    std::uniform_int_distribution<size_t> pick(0, els.size() - 1);
    for (uint64_t i = 0; i < n; i++) emit(els[pick(ReadRng())]);
    return;
  }
  if (n >= els.size()) {  // the whole zset
    ReplyElementsHeader(ctx.reply, els.size(), withscores);
    for (const auto& e : els) emit(e);
    return;
  }
  for (uint64_t i = 0; i < n; i++) {  // n distinct elements: a partial Fisher-Yates shuffle
    std::uniform_int_distribution<size_t> pick(i, els.size() - 1);
    std::swap(els[i], els[pick(ReadRng())]);
  }
  ReplyElementsHeader(ctx.reply, n, withscores);
  for (uint64_t i = 0; i < n; i++) emit(els[i]);
}

}  // namespace redraft::commands::zset
