// Sorted sets: ranges (ZRANGE and its older forms, ZRANGESTORE, ZCOUNT, ZLEXCOUNT,
// ZREMRANGEBY*), following Redis 7.0's t_zset.c (zrangeGenericCommand, zremrangeGenericCommand).
//
// The store iterates sub-keys forward only, so everything is computed on the forward order of
// the score index: a reverse range is the matching forward range (found by counting) emitted
// backwards. Removals and stores collect the affected elements first and write after the scan
// (the batch is not modified while it is being iterated).
#include <algorithm>
#include <vector>

#include "commands/args.h"
#include "commands/zsets_internal.h"
#include "commands/notify.h"

namespace redraft::commands::zset {

using store::Value;

namespace {


enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

struct RangeArgs {
  RangeType type = RangeType::kAuto;
  bool reverse = false;
  bool withscores = false;
  int64_t start = 0, end = 0;        // rank ranges
  int64_t offset = 0, limit = -1;    // LIMIT (score and lex ranges); limit < 0: no limit
  ScoreRange score;
  LexRange lex;
};

// Redis zrangeGenericCommand steps 1 and 2: options from argv[key_idx + 3] on, conflicts, then
// the range itself. The key is argv[key_idx].
bool ParseRange(const Argv& argv, size_t key_idx, bool store, RangeType type, Direction dir, RangeArgs* a,
                resp::ReplyBuilder& reply) {
  bool limit_given = false;
  for (size_t j = key_idx + 3; j < argv.size(); j++) {
    size_t left = argv.size() - j - 1;
    std::string_view opt = CStrView(argv[j]);
    if (!store && EqualsIgnoreCase(opt, "withscores")) {
      a->withscores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!ParseLong(argv[j + 1], &a->offset) || !ParseLong(argv[j + 2], &a->limit)) {
        reply.Error(kErrNotInteger);
        return false;
      }
      limit_given = true;
      j += 2;
    } else if (dir == Direction::kAuto && EqualsIgnoreCase(opt, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "byscore")) {
      type = RangeType::kScore;
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
  }
  if (type == RangeType::kAuto) type = RangeType::kRank;
  a->type = type;
  a->reverse = dir == Direction::kReverse;
  // Redis checks opt_limit != -1: "LIMIT 0 -1" with a rank range passes.
  if (limit_given && a->limit != -1 && type == RangeType::kRank) {
    reply.Error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return false;
  }
  if (a->withscores && type == RangeType::kLex) {
    reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return false;
  }
  size_t min_idx = key_idx + 1, max_idx = key_idx + 2;
  if (a->reverse && type != RangeType::kRank) std::swap(min_idx, max_idx);  // given as max, min
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      if (!ParseLong(argv[min_idx], &a->start) || !ParseLong(argv[max_idx], &a->end)) {
        reply.Error(kErrNotInteger);
        return false;
      }
      break;
    case RangeType::kScore:
      if (!ParseScoreRange(argv[min_idx], argv[max_idx], &a->score)) {
        reply.Error(kErrMinMaxNotFloat);
        return false;
      }
      break;
    case RangeType::kLex:
      if (!ParseLexRange(argv[min_idx], argv[max_idx], &a->lex)) {
        reply.Error(kErrLexRange);
        return false;
      }
      break;
  }
  return true;
}

// Visits a score or lex range forward, after skipping `skip` elements, at most `take` (< 0: all).
void ScanByValue(Reader& r, uint64_t size, const RangeArgs& a, uint64_t skip, int64_t take, const ElementFn& fn) {
  if (take == 0) return;
  uint64_t pos = 0;
  int64_t taken = 0;
  ElementFn visit = [&](std::string_view m, double s) {
    if (pos++ < skip) return true;
    if (!fn(m, s)) return false;
    return take < 0 || ++taken < take;
  };
  if (a.type == RangeType::kScore) ScanScoreRange(r, a.score, visit); else ScanLexRange(r, size, a.lex, visit);
}

// A lex range over a listpack-sized zset, walked literally as Redis's listpack code does
// (zzlFirstInLexRange / zzlLastInLexRange, the offset skipped without range checks, then only the
// far bound checked), which differs from an ordered scan only when scores are mixed.
void SmallLex(Reader& r, const RangeArgs& a, uint64_t offset, const ElementFn& fn) {
  const LexRange& lex = a.lex;
  if (lex.Empty()) return;
  std::vector<Element> all;
  r.ScanScores(std::string(1, kScoreTag), [&](std::string_view m, double s) { return all.emplace_back(m, s), true; });
  if (all.empty() || !lex.LteMax(all.front().first) || !lex.GteMin(all.back().first)) return;
  int64_t n = static_cast<int64_t>(all.size()), i, step = a.reverse ? -1 : 1;
  if (!a.reverse) {
    for (i = 0; i < n && !lex.GteMin(all[i].first); i++) {
    }
    if (i == n || !lex.LteMax(all[i].first)) return;
  } else {
    for (i = n - 1; i >= 0 && !lex.LteMax(all[i].first); i--) {
    }
    if (i < 0 || !lex.GteMin(all[i].first)) return;
  }
  i += step * static_cast<int64_t>(std::min<uint64_t>(offset, all.size()));
  for (int64_t taken = 0; i >= 0 && i < n && (a.limit < 0 || taken < a.limit); i += step, taken++) {
    if (a.reverse ? !lex.GteMin(all[i].first) : !lex.LteMax(all[i].first)) return;
    if (!fn(all[i].first, all[i].second)) return;
  }
}

// Visits the range of `a` in its order (reverse included), as Redis's genericZrangeby*Command.
void WalkRange(Reader& r, uint64_t size, const RangeArgs& a, const ElementFn& fn) {
  auto backwards = [&](const std::function<void(const ElementFn&)>& scan) {
    std::vector<Element> got;
    scan([&](std::string_view m, double s) { return got.emplace_back(m, s), true; });
    for (auto it = got.rbegin(); it != got.rend(); ++it) {
      if (!fn(it->first, it->second)) return;
    }
  };
  if (a.type == RangeType::kRank) {
    int64_t llen = static_cast<int64_t>(size), start = a.start, end = a.end;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return;
    if (end >= llen) end = llen - 1;
    if (!a.reverse) {
      ScanRanks(r, start, end, fn);
    } else {
      backwards([&](const ElementFn& f) { ScanRanks(r, llen - 1 - end, llen - 1 - start, f); });
    }
    return;
  }
  // Redis: a negative offset skips everything; one past the end returns nothing.
  if (a.offset < 0 || (a.offset > 0 && static_cast<uint64_t>(a.offset) >= size)) return;
  uint64_t offset = static_cast<uint64_t>(a.offset);
  if (a.type == RangeType::kLex && size <= kListpackMax) {
    SmallLex(r, a, offset, fn);
    return;
  }
  if (!a.reverse) {
    ScanByValue(r, size, a, offset, a.limit, fn);
    return;
  }
  // Reverse: the k-th element backwards is the (n-1-k)-th forwards.
  uint64_t n = a.type == RangeType::kScore ? CountScoreRange(r, a.score) : CountLexRange(r, size, a.lex);
  if (offset >= n) return;
  uint64_t last = n - 1 - offset;  // forward index of the first element emitted
  uint64_t first = a.limit < 0 || static_cast<uint64_t>(a.limit) > last ? 0 : last + 1 - a.limit;
  backwards([&](const ElementFn& f) { ScanByValue(r, size, a, first, static_cast<int64_t>(last - first + 1), f); });
}

void RangeCmd(ExecContext& ctx, const Argv& argv, RangeType type, Direction dir) {
  RangeArgs a;
  if (!ParseRange(argv, 1, false, type, dir, &a, ctx.reply)) return;
  Value v;
  Found f = Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  // The length is known at the end: elements go to a side buffer, then header + buffer.
  std::string body;
  resp::ReplyBuilder out(&body, ctx.reply.proto());
  uint64_t n = 0;
  Reader r(ctx.store, argv[1], v.version);
  WalkRange(r, store::CollectionSize(v), a, [&](std::string_view m, double s) {
    ReplyElement(out, m, s, a.withscores, true);
    return ++n, true;
  });
  ReplyElementsHeader(ctx.reply, n, a.withscores);
  ctx.reply.Raw(body);
}

}  // namespace

void StoreResult(ApplyContext& ctx, const std::string& dst, const std::vector<Element>& elements) {
  if (elements.empty()) return StoreEmptyResult(ctx, dst);
  Value v = NewZset(ctx);
  for (const auto& [m, s] : elements) Insert(ctx, dst, v.version, m, s);
  StoreSize(ctx, dst, &v, elements.size());
  ctx.reply.Integer(static_cast<int64_t>(elements.size()));
}

void ZrangeCmd(ExecContext& ctx, const Argv& argv) { RangeCmd(ctx, argv, RangeType::kAuto, Direction::kAuto); }
void ZrevrangeCmd(ExecContext& ctx, const Argv& argv) { RangeCmd(ctx, argv, RangeType::kRank, Direction::kReverse); }
void ZrangebyscoreCmd(ExecContext& ctx, const Argv& argv) {
  RangeCmd(ctx, argv, RangeType::kScore, Direction::kForward);
}
void ZrevrangebyscoreCmd(ExecContext& ctx, const Argv& argv) {
  RangeCmd(ctx, argv, RangeType::kScore, Direction::kReverse);
}
void ZrangebylexCmd(ExecContext& ctx, const Argv& argv) { RangeCmd(ctx, argv, RangeType::kLex, Direction::kForward); }
void ZrevrangebylexCmd(ExecContext& ctx, const Argv& argv) {
  RangeCmd(ctx, argv, RangeType::kLex, Direction::kReverse);
}

// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
bool ZrangestorePrepare(PrepareContext& ctx, Argv& argv) {
  RangeArgs a;
  return ParseRange(argv, 2, true, RangeType::kAuto, Direction::kAuto, &a, ctx.reply);
}

void ZrangestoreApply(ApplyContext& ctx, const Argv& argv) {
  RangeArgs a;
  if (!ParseRange(argv, 2, true, RangeType::kAuto, Direction::kAuto, &a, ctx.reply)) return;
  Value v;
  Found f = Write(ctx, argv[2], &v);
  if (f == Found::kFailed) return;
  std::vector<Element> got;
  if (f == Found::kYes) {
    Reader r(ctx.batch, argv[2], v.version);
    WalkRange(r, store::CollectionSize(v), a, [&](std::string_view m, double s) {
      return got.emplace_back(m, s), true;
    });
  }
  StoreResult(ctx, argv[1], got);
  if (!got.empty()) Notify(ctx, kNotifyZset, "zrangestore", argv[1]);
}

// ZCOUNT / ZLEXCOUNT: the range is parsed before the key is looked up.
void ZcountCmd(ExecContext& ctx, const Argv& argv) {
  ScoreRange range;
  if (!ParseScoreRange(argv[2], argv[3], &range)) {
    ctx.reply.Error(kErrMinMaxNotFloat);
    return;
  }
  Value v;
  Found f = Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  uint64_t n = 0;
  if (f == Found::kYes) {
    Reader r(ctx.store, argv[1], v.version);
    n = CountScoreRange(r, range);
  }
  ctx.reply.Integer(static_cast<int64_t>(n));
}

void ZlexcountCmd(ExecContext& ctx, const Argv& argv) {
  LexRange range;
  if (!ParseLexRange(argv[2], argv[3], &range)) {
    ctx.reply.Error(kErrLexRange);
    return;
  }
  Value v;
  Found f = Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  uint64_t n = 0;
  if (f == Found::kYes) {
    Reader r(ctx.store, argv[1], v.version);
    n = CountLexRange(r, store::CollectionSize(v), range);
  }
  ctx.reply.Integer(static_cast<int64_t>(n));
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBYRANK / BYSCORE / BYLEX (Redis zremrangeGenericCommand)

namespace {

bool ParseRemRange(const Argv& argv, RangeType type, RangeArgs* a, resp::ReplyBuilder& reply) {
  a->type = type;
  switch (type) {
    case RangeType::kScore:
      if (ParseScoreRange(argv[2], argv[3], &a->score)) return true;
      reply.Error(kErrMinMaxNotFloat);
      return false;
    case RangeType::kLex:
      if (ParseLexRange(argv[2], argv[3], &a->lex)) return true;
      reply.Error(kErrLexRange);
      return false;
    default:
      if (ParseLong(argv[2], &a->start) && ParseLong(argv[3], &a->end)) return true;
      reply.Error(kErrNotInteger);
      return false;
  }
}

void RemRangeApply(ApplyContext& ctx, const Argv& argv, RangeType type) {
  RangeArgs a;
  if (!ParseRemRange(argv, type, &a, ctx.reply)) return;
  Value v;
  Found f = Write(ctx, argv[1], &v);
  if (f != Found::kYes) {
    if (f == Found::kNo) ctx.reply.Integer(0);
    return;
  }
  std::vector<Element> got;
  Reader r(ctx.batch, argv[1], v.version);
  WalkRange(r, store::CollectionSize(v), a, [&](std::string_view m, double s) { return got.emplace_back(m, s), true; });
  if (!got.empty()) {
    Notify(ctx, kNotifyZset,
           type == RangeType::kRank ? "zremrangebyrank" : type == RangeType::kScore ? "zremrangebyscore" : "zremrangebylex",
           argv[1]);
    RemoveAll(ctx, argv[1], &v, got);
  }
  ctx.reply.Integer(static_cast<int64_t>(got.size()));
}

}  // namespace

bool ZremrangebyrankPrepare(PrepareContext& ctx, Argv& argv) {
  RangeArgs a;
  return ParseRemRange(argv, RangeType::kRank, &a, ctx.reply);
}
bool ZremrangebyscorePrepare(PrepareContext& ctx, Argv& argv) {
  RangeArgs a;
  return ParseRemRange(argv, RangeType::kScore, &a, ctx.reply);
}
bool ZremrangebylexPrepare(PrepareContext& ctx, Argv& argv) {
  RangeArgs a;
  return ParseRemRange(argv, RangeType::kLex, &a, ctx.reply);
}
void ZremrangebyrankApply(ApplyContext& ctx, const Argv& argv) { RemRangeApply(ctx, argv, RangeType::kRank); }
void ZremrangebyscoreApply(ApplyContext& ctx, const Argv& argv) { RemRangeApply(ctx, argv, RangeType::kScore); }
void ZremrangebylexApply(ApplyContext& ctx, const Argv& argv) { RemRangeApply(ctx, argv, RangeType::kLex); }

}  // namespace redraft::commands::zset
