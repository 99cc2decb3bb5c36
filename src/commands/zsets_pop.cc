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

namespace redraft::commands::zset {

using store::Value;

// ---------------------------------------------------------------------------------------------
// ZPOPMIN / ZPOPMAX / ZMPOP (Redis genericZpopCommand)

namespace {

// Pops up to count elements of the zset at key (min or max first) and removes them.
std::vector<Element> PopElements(ApplyContext& ctx, const std::string& key, Value* v, bool max, uint64_t count) {
  uint64_t size = store::CollectionSize(*v);
  uint64_t n = std::min(count, size);
  std::vector<Element> got;
  got.reserve(n);
  Reader r(ctx.batch, key, v->version);
  if (n > 0) {
    ScanRanks(r, max ? size - n : 0, max ? size - 1 : n - 1, [&](std::string_view m, double s) {
      return got.emplace_back(m, s), true;
    });
  }
  if (max) std::reverse(got.begin(), got.end());
  if (!got.empty()) RemoveAll(ctx, key, v, got);
  return got;
}

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

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] (Redis zmpopGenericCommand).
bool ParseZmpop(const Argv& argv, int64_t* numkeys, bool* max, int64_t* count, resp::ReplyBuilder& reply) {
  if (!ParseLong(argv[1], numkeys) || *numkeys < 1) {
    reply.Error("ERR numkeys should be greater than 0");
    return false;
  }
  if (static_cast<uint64_t>(*numkeys) >= argv.size() - 2) {  // where_idx = numkeys + 2 >= argc
    reply.Error(kErrSyntax);
    return false;
  }
  size_t where = static_cast<size_t>(*numkeys) + 2;
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

}  // namespace

bool ZpopPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t count;
  return ParsePop(argv, &count, ctx.reply);
}
void ZpopminApply(ApplyContext& ctx, const Argv& argv) { PopApply(ctx, argv, false); }
void ZpopmaxApply(ApplyContext& ctx, const Argv& argv) { PopApply(ctx, argv, true); }

bool ZmpopPrepare(PrepareContext& ctx, Argv& argv) {
  int64_t numkeys, count;
  bool max;
  return ParseZmpop(argv, &numkeys, &max, &count, ctx.reply);
}

void ZmpopApply(ApplyContext& ctx, const Argv& argv) {
  int64_t numkeys, count;
  bool max;
  if (!ParseZmpop(argv, &numkeys, &max, &count, ctx.reply)) return;
  for (int64_t i = 0; i < numkeys; i++) {
    const std::string& key = argv[2 + i];
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
// ZSCAN

namespace {

std::string ZscanResume(std::string_view key, std::string_view member) {
  return "z" + std::to_string(key.size()) + ":" + std::string(key) + std::string(member);
}

}  // namespace

// Zsets of up to kListpackMax members answer in one call with cursor 0, in score order, as Redis
// does for a listpack; larger ones page by COUNT in member byte order.
void ZscanCmd(ExecContext& ctx, const Argv& argv) {
  uint64_t cursor;
  if (!ParseScanCursor(argv[2], &cursor)) {
    ctx.reply.Error("ERR invalid cursor");
    return;
  }
  Value v;
  Found f = Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("0");
    ctx.reply.ArrayHeader(0);
    return;
  }
  ScanOptions opt;
  std::string_view error;
  if (!ParseScanOptions(argv, 3, /*allow_type=*/false, &opt, &error)) {
    ctx.reply.Error(error);
    return;
  }
  std::string start;
  if (cursor != 0) {
    auto resume = DefaultScanCursors().Lookup(cursor);
    std::string prefix = ZscanResume(argv[1], "");
    if (!resume || resume->compare(0, prefix.size(), prefix) != 0) {
      ctx.reply.Error("ERR invalid cursor");
      return;
    }
    start = resume->substr(prefix.size());
  }
  Reader r(ctx.store, argv[1], v.version);
  std::vector<Element> out;
  std::string next;
  bool more = false;
  auto keep = [&](std::string_view m, double s) {
    if (opt.pattern == nullptr || GlobMatch(*opt.pattern, m)) out.emplace_back(m, s);
  };
  if (cursor == 0 && store::CollectionSize(v) <= kListpackMax) {
    r.ScanScores(std::string(1, kScoreTag), [&](std::string_view m, double s) { return keep(m, s), true; });
  } else {
    int64_t visited = 0;
    r.ScanMembers(start, [&](std::string_view m, double s) {
      if (visited == opt.count) {
        next.assign(m);
        more = true;
        return false;
      }
      visited++;
      keep(m, s);
      return true;
    });
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(more ? std::to_string(DefaultScanCursors().Issue(ZscanResume(argv[1], next))) : "0");
  ctx.reply.ArrayHeader(out.size() * 2);
  for (const auto& [m, s] : out) {
    ctx.reply.Bulk(m);
    ctx.reply.Bulk(FormatDouble(s));  // Redis d2string: the same text as %.17g for stored scores
  }
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
  int64_t count;
  if (!ParseLong(argv[2], &count)) {
    ctx.reply.Error(kErrNotInteger);
    return;
  }
  if (count < -LLONG_MAX) {
    ctx.reply.Error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
    return;
  }
  bool withscores = false;
  if (argv.size() > 4 || (argv.size() == 4 && !EqualsIgnoreCase(CStrView(argv[3]), "withscores"))) {
    ctx.reply.Error(kErrSyntax);
    return;
  }
  if (argv.size() == 4) {
    withscores = true;
    if (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2) {
      ctx.reply.Error("ERR value is out of range");
      return;
    }
  }
  Value v;
  Found f = Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  auto els = all(v);
  uint64_t n = count < 0 ? static_cast<uint64_t>(-count) : static_cast<uint64_t>(count);
  auto emit = [&](const Element& e) { ReplyElement(ctx.reply, e.first, e.second, withscores, true); };
  if (count < 0 || count == 1) {  // with repetitions, streamed
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
