// The sorted set command family, with Redis 7.0 semantics (t_zset.c) and replies. This file has
// the writes and point reads (ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK) and the
// family's table; ranges, pops, ZSCAN and ZRANDMEMBER are in zsets_range.cc, ZUNION/ZINTER/ZDIFF
// in zsets_setops.cc, the two sub-key indexes in zsets_index.cc (layout: zsets_internal.h,
// docs/data_model.md).
//
// Writes: prepare checks every error Redis reports before it looks the key up (options, floats,
// ranges, counts), so those never reach the log; apply re-parses the (unchanged) arguments and
// answers WRONGTYPE and the rest. Nothing in apply reads a clock or an RNG.
//
// Blocking BZPOPMIN/BZPOPMAX/BZMPOP are not here: blocking is the server's (issue 9 item 8).
#include <cmath>
#include <vector>

#include "commands/args.h"
#include "commands/notify.h"
#include "commands/zsets_internal.h"

namespace redraft::commands {
namespace zset {
namespace {

using store::Value;

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY

struct ZaddArgs {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
  size_t first = 2;  // index of the first score
  std::vector<double> scores;
};

// Redis zaddGenericCommand's parsing: flags, pairing, option conflicts, then every score.
bool ParseZadd(const Argv& argv, bool incr, ZaddArgs* a, resp::ReplyBuilder& reply) {
  a->incr = incr;
  size_t i = 2;
  for (; i < argv.size(); i++) {
    std::string_view opt = CStrView(argv[i]);
    if (EqualsIgnoreCase(opt, "nx")) a->nx = true;
    else if (EqualsIgnoreCase(opt, "xx")) a->xx = true;
    else if (EqualsIgnoreCase(opt, "ch")) a->ch = true;
    else if (EqualsIgnoreCase(opt, "incr")) a->incr = true;
    else if (EqualsIgnoreCase(opt, "gt")) a->gt = true;
    else if (EqualsIgnoreCase(opt, "lt")) a->lt = true;
    else break;
  }
  a->first = i;
  size_t elements = argv.size() - i;
  if (elements == 0 || elements % 2 != 0) {
    reply.Error(kErrSyntax);
    return false;
  }
  if (a->nx && a->xx) {
    reply.Error("ERR XX and NX options at the same time are not compatible");
    return false;
  }
  if ((a->gt && a->nx) || (a->lt && a->nx) || (a->gt && a->lt)) {
    reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return false;
  }
  if (a->incr && elements > 2) {
    reply.Error("ERR INCR option supports a single increment-element pair");
    return false;
  }
  a->scores.clear();
  for (size_t j = i; j < argv.size(); j += 2) {
    double d;
    if (!ParseDouble(argv[j], &d)) {
      reply.Error(kErrNotFloat);
      return false;
    }
    a->scores.push_back(d);
  }
  return true;
}

bool ZaddPrepare(PrepareContext& ctx, Argv& argv) {
  ZaddArgs a;
  return ParseZadd(argv, false, &a, ctx.reply);
}
bool ZincrbyPrepare(PrepareContext& ctx, Argv& argv) {
  ZaddArgs a;
  return ParseZadd(argv, true, &a, ctx.reply);
}

// Redis zsetAdd for each pair, then the reply (count, or the new score with INCR).
void ZaddGeneric(ApplyContext& ctx, const Argv& argv, bool incr_cmd) {
  ZaddArgs a;
  if (!ParseZadd(argv, incr_cmd, &a, ctx.reply)) return;
  const std::string& key = argv[1];
  Value v;
  Found f = Write(ctx, key, &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    if (a.xx) {
      if (a.incr) ctx.reply.Null(); else ctx.reply.Integer(0);
      return;
    }
    v = NewZset(ctx);
  }
  uint64_t size = store::CollectionSize(v);
  Reader r(ctx.batch, key, v.version);
  int64_t added = 0, updated = 0, processed = 0;
  double newscore = 0;
  bool nan = false;
  for (size_t i = 0; i < a.scores.size(); i++) {
    double score = a.scores[i];
    const std::string& member = argv[a.first + 2 * i + 1];
    std::optional<double> cur = r.Score(member);
    if (cur) {
      if (a.nx) continue;
      if (a.incr) {
        score += *cur;
        if (std::isnan(score)) {
          nan = true;
          break;
        }
      }
      if ((a.lt && score >= *cur) || (a.gt && score <= *cur)) continue;
      newscore = score;
      if (score != *cur) {
        Remove(ctx, key, v.version, member, *cur);
        Insert(ctx, key, v.version, member, score);
        updated++;
      }
      processed++;
    } else if (!a.xx) {
      Insert(ctx, key, v.version, member, score);
      newscore = score;
      added++;
      processed++;
    }
  }
  if (added > 0) StoreSize(ctx, key, &v, size + added);
  if (added > 0 || updated > 0) Notify(ctx, kNotifyZset, a.incr ? "zincr" : "zadd", key);
  if (nan) {
    ctx.reply.Error("ERR resulting score is not a number (NaN)");
  } else if (a.incr) {
    if (processed > 0) ctx.reply.Double(newscore); else ctx.reply.Null();
  } else {
    ctx.reply.Integer(a.ch ? added + updated : added);
  }
}

void ZaddApply(ApplyContext& ctx, const Argv& argv) { ZaddGeneric(ctx, argv, false); }
void ZincrbyApply(ApplyContext& ctx, const Argv& argv) { ZaddGeneric(ctx, argv, true); }

// Redis zremCommand: stops once the zset is empty (and deleted).
void ZremApply(ApplyContext& ctx, const Argv& argv) {
  Value v;
  Found f = Write(ctx, argv[1], &v);
  if (f != Found::kYes) {
    if (f == Found::kNo) ctx.reply.Integer(0);
    return;
  }
  uint64_t size = store::CollectionSize(v);
  Reader r(ctx.batch, argv[1], v.version);
  int64_t deleted = 0;
  for (size_t i = 2; i < argv.size() && size > 0; i++) {
    std::optional<double> cur = r.Score(argv[i]);
    if (!cur) continue;
    Remove(ctx, argv[1], v.version, argv[i], *cur);
    deleted++;
    size--;
  }
  if (deleted > 0) {
    Notify(ctx, kNotifyZset, "zrem", argv[1]);
    StoreSize(ctx, argv[1], &v, size);
  }
  ctx.reply.Integer(deleted);
}

// ---------------------------------------------------------------------------------------------
// Point reads

void ZcardCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  ctx.reply.Integer(f == Found::kYes ? static_cast<int64_t>(store::CollectionSize(v)) : 0);
}

void ZscoreCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  std::optional<double> s;
  if (f == Found::kYes) s = Reader(ctx.store, argv[1], v.version).Score(argv[2]);
  if (s) ctx.reply.Double(*s); else ctx.reply.Null();
}

void ZmscoreCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  Reader r(ctx.store, argv[1], v.version);
  ctx.reply.ArrayHeader(argv.size() - 2);
  for (size_t i = 2; i < argv.size(); i++) {
    std::optional<double> s;
    if (f == Found::kYes) s = r.Score(argv[i]);
    if (s) ctx.reply.Double(*s); else ctx.reply.Null();
  }
}

// ZRANK/ZREVRANK: the member's position, counted along the score index (O(rank)).
void RankGeneric(ExecContext& ctx, const Argv& argv, bool reverse) {
  Value v;
  Found f = Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Null();
    return;
  }
  Reader r(ctx.store, argv[1], v.version);
  std::optional<double> s = r.Score(argv[2]);
  if (!s) {
    ctx.reply.Null();
    return;
  }
  uint64_t rank = 0;
  r.ScanScores(std::string(1, kScoreTag), [&](std::string_view member, double score) {
    if (score == *s && member == argv[2]) return false;
    rank++;
    return true;
  });
  uint64_t size = store::CollectionSize(v);
  ctx.reply.Integer(static_cast<int64_t>(reverse ? size - 1 - rank : rank));
}
void ZrankCmd(ExecContext& ctx, const Argv& argv) { RankGeneric(ctx, argv, false); }
void ZrevrankCmd(ExecContext& ctx, const Argv& argv) { RankGeneric(ctx, argv, true); }

constexpr uint32_t kWriteDenyOomFast = kWrite | kDenyOom | kFast;
constexpr uint32_t kReadFast = kReadonly | kFast;

// COMMAND DOCS texts (Redis 7.0).
constexpr std::string_view kG = "sorted-set";
constexpr std::string_view kRangeCx =
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.";
constexpr std::string_view kRangeByCx =
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being "
    "returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it "
    "O(log(N)).";
constexpr std::string_view kRemRangeCx =
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the "
    "operation.";
constexpr std::string_view kPopCx =
    "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.";
constexpr std::string_view kUnionCx =
    "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements "
    "in the resulting sorted set.";
constexpr std::string_view kUnionStoreCx =
    "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements "
    "in the resulting sorted set.";
constexpr std::string_view kInterCx =
    "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted "
    "sets and M being the number of elements in the resulting sorted set.";
constexpr std::string_view kDiffCx =
    "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the "
    "first set, and K is the size of the result set.";

}  // namespace
}  // namespace zset

using namespace zset;  // NOLINT: the table below names this family's functions

constexpr KeySpec kZrangestoreKeys[] = {
    {.flags = "OW update", .index = 1, .lastkey = 0},
    {.flags = "RO access", .index = 2, .lastkey = 0}
};
constexpr KeySpec kZmpopKeys[] = {
    {.flags = "RW access delete", .index = 1, .keynum = true, .keynumidx = 0, .firstkey = 1}
};
constexpr KeySpec kBzmpopKeys[] = {
    {.flags = "RW access delete", .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}
};
constexpr KeySpec kZunionKeys[] = {
    {.flags = "RO access", .index = 1, .keynum = true, .keynumidx = 0, .firstkey = 1}
};
constexpr KeySpec kZinterKeys[] = {
    {.flags = "RO access", .index = 1, .keynum = true, .keynumidx = 0, .firstkey = 1}
};
constexpr KeySpec kZdiffKeys[] = {
    {.flags = "RO access", .index = 1, .keynum = true, .keynumidx = 0, .firstkey = 1}
};
constexpr KeySpec kZunionstoreKeys[] = {
    {.flags = "OW update", .index = 1, .lastkey = 0},
    {.flags = "RO access", .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}
};
constexpr KeySpec kZinterstoreKeys[] = {
    {.flags = "OW update", .index = 1, .lastkey = 0},
    {.flags = "RO access", .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}
};
constexpr KeySpec kZdiffstoreKeys[] = {
    {.flags = "OW update", .index = 1, .lastkey = 0},
    {.flags = "RO access", .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}
};
constexpr KeySpec kZintercardKeys[] = {
    {.flags = "RO access", .index = 1, .keynum = true, .keynumidx = 0, .firstkey = 1}
};

extern const CommandSpec kZsetCommands[] = {
    {.name = "zadd", .arity = -4, .flags = kWriteDenyOomFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "1.2.0",
     .summary = "Add one or more members to a sorted set, or update its score if it already exists",
     .complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
     .prepare = &ZaddPrepare, .apply = &ZaddApply, .key_flags = "RW update",
     .args = "key:key@0 condition:oneof/3.0.2?(nx:pure-token=NX xx:pure-token=XX) "
             "comparison:oneof/6.2.0?(gt:pure-token=GT lt:pure-token=LT) change:pure-token=CH/3.0.2? "
             "increment:pure-token=INCR/3.0.2? score_member:block*(score:double member:string)",
     .history = "2.4.0 Accepts multiple elements.\n3.0.2 Added the `XX`, `NX`, `CH` and `INCR` options.\n6.2.0 "
                "Added the `GT` and `LT` options."},
    {.name = "zincrby", .arity = 4, .flags = kWriteDenyOomFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "1.2.0", .summary = "Increment the score of a member in a sorted set",
     .complexity = "O(log(N)) where N is the number of elements in the sorted set.", .prepare = &ZincrbyPrepare,
     .apply = &ZincrbyApply, .key_flags = "RW access update", .args = "key:key@0 increment:integer member:string"},
    {.name = "zrem", .arity = -3, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "1.2.0", .summary = "Remove one or more members from a sorted set",
     .complexity = "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements "
                   "to be removed.",
     .apply = &ZremApply, .key_flags = "RW delete", .args = "key:key@0 member:string*",
     .history = "2.4.0 Accepts multiple elements."},
    {.name = "zcard", .arity = 2, .flags = kReadFast, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "1.2.0", .summary = "Get the number of members in a sorted set", .complexity = "O(1)",
     .execute = &ZcardCmd, .key_flags = "RO", .args = "key:key@0"},
    {.name = "zscore", .arity = 3, .flags = kReadFast, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "1.2.0", .summary = "Get the score associated with the given member in a sorted set",
     .complexity = "O(1)", .execute = &ZscoreCmd, .key_flags = "RO access", .args = "key:key@0 member:string"},
    {.name = "zmscore", .arity = -3, .flags = kReadFast, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "6.2.0", .summary = "Get the score associated with the given members in a sorted set",
     .complexity = "O(N) where N is the number of members being requested.", .execute = &ZmscoreCmd,
     .key_flags = "RO access", .args = "key:key@0 member:string*"},
    {.name = "zrank", .arity = 3, .flags = kReadFast, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "2.0.0", .summary = "Determine the index of a member in a sorted set", .complexity = "O(log(N))",
     .execute = &ZrankCmd, .key_flags = "RO access", .args = "key:key@0 member:string"},
    {.name = "zrevrank", .arity = 3, .flags = kReadFast, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "2.0.0",
     .summary = "Determine the index of a member in a sorted set, with scores ordered from high to low",
     .complexity = "O(log(N))", .execute = &ZrevrankCmd, .key_flags = "RO access", .args = "key:key@0 member:string"},
    {.name = "zcount", .arity = 4, .flags = kReadFast, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "2.0.0", .summary = "Count the members in a sorted set with scores within the given values",
     .complexity = "O(log(N)) with N being the number of elements in the sorted set.", .execute = &ZcountCmd,
     .key_flags = "RO access", .args = "key:key@0 min:double max:double"},
    {.name = "zlexcount", .arity = 4, .flags = kReadFast, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "2.8.9", .summary = "Count the number of members in a sorted set between a given lexicographical range",
     .complexity = "O(log(N)) with N being the number of elements in the sorted set.", .execute = &ZlexcountCmd,
     .key_flags = "RO access", .args = "key:key@0 min:string max:string"},
    {.name = "zrange", .arity = -4, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "1.2.0", .summary = "Return a range of members in a sorted set", .complexity = kRangeCx,
     .execute = &ZrangeCmd, .key_flags = "RO access",
     .args = "key:key@0 start:string stop:string sortby:oneof/6.2.0?(byscore:pure-token=BYSCORE "
             "bylex:pure-token=BYLEX) rev:pure-token=REV/6.2.0? offset_count:block=LIMIT/6.2.0?(offset:integer "
             "count:integer) withscores:pure-token=WITHSCORES?",
     .history = "6.2.0 Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."},
    {.name = "zrangestore", .arity = -5, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 2, .key_step = 1,
     .group = kG, .since = "6.2.0", .summary = "Store a range of members from sorted set into another key",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements "
                   "stored into the destination key.",
     .prepare = &ZrangestorePrepare, .apply = &ZrangestoreApply, .key_specs = kZrangestoreKeys,
     .args = "dst:key@0 src:key@1 min:string max:string sortby:oneof?(byscore:pure-token=BYSCORE "
             "bylex:pure-token=BYLEX) rev:pure-token=REV? offset_count:block=LIMIT?(offset:integer count:integer)"},
    {.name = "zrevrange", .arity = -4, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "1.2.0",
     .summary = "Return a range of members in a sorted set, by index, with scores ordered from high to low",
     .complexity = kRangeCx, .execute = &ZrevrangeCmd, .key_flags = "RO access",
     .args = "key:key@0 start:integer stop:integer withscores:pure-token=WITHSCORES?", .deprecated_since = "6.2.0",
     .replaced_by = "`ZRANGE` with the `REV` argument"},
    {.name = "zrangebyscore", .arity = -4, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "1.0.5", .summary = "Return a range of members in a sorted set, by score",
     .complexity = kRangeByCx, .execute = &ZrangebyscoreCmd, .key_flags = "RO access",
     .args = "key:key@0 min:double max:double withscores:pure-token=WITHSCORES/2.0.0? "
             "offset_count:block=LIMIT?(offset:integer count:integer)",
     .history = "2.0.0 Added the `WITHSCORES` modifier.", .deprecated_since = "6.2.0",
     .replaced_by = "`ZRANGE` with the `BYSCORE` argument"},
    {.name = "zrevrangebyscore", .arity = -4, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "2.2.0",
     .summary = "Return a range of members in a sorted set, by score, with scores ordered from high to low",
     .complexity = kRangeByCx, .execute = &ZrevrangebyscoreCmd, .key_flags = "RO access",
     .args = "key:key@0 max:double min:double withscores:pure-token=WITHSCORES? "
             "offset_count:block=LIMIT?(offset:integer count:integer)",
     .history = "2.1.6 `min` and `max` can be exclusive.", .deprecated_since = "6.2.0",
     .replaced_by = "`ZRANGE` with the `REV` and `BYSCORE` arguments"},
    {.name = "zrangebylex", .arity = -4, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "2.8.9", .summary = "Return a range of members in a sorted set, by lexicographical range",
     .complexity = kRangeByCx, .execute = &ZrangebylexCmd, .key_flags = "RO access",
     .args = "key:key@0 min:string max:string offset_count:block=LIMIT?(offset:integer count:integer)",
     .deprecated_since = "6.2.0", .replaced_by = "`ZRANGE` with the `BYLEX` argument"},
    {.name = "zrevrangebylex", .arity = -4, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "2.8.9",
     .summary = "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower "
                "strings.",
     .complexity = kRangeByCx, .execute = &ZrevrangebylexCmd, .key_flags = "RO access",
     .args = "key:key@0 max:string min:string offset_count:block=LIMIT?(offset:integer count:integer)",
     .deprecated_since = "6.2.0", .replaced_by = "`ZRANGE` with the `REV` and `BYLEX` arguments"},
    {.name = "zpopmin", .arity = -2, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "5.0.0", .summary = "Remove and return members with the lowest scores in a sorted set",
     .complexity = kPopCx, .prepare = &ZpopPrepare, .apply = &ZpopminApply, .key_flags = "RW access delete",
     .args = "key:key@0 count:integer?"},
    {.name = "zpopmax", .arity = -2, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "5.0.0", .summary = "Remove and return members with the highest scores in a sorted set",
     .complexity = kPopCx, .prepare = &ZpopPrepare, .apply = &ZpopmaxApply, .key_flags = "RW access delete",
     .args = "key:key@0 count:integer?"},
    {.name = "zmpop", .arity = -4, .flags = kWrite, .first_key = 0, .last_key = 0, .key_step = 0, .group = kG,
     .since = "7.0.0", .summary = "Remove and return members with scores in a sorted set",
     .complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in "
                   "the sorted set, and M being the number of elements popped.",
     .prepare = &ZmpopPrepare, .apply = &ZmpopApply, .key_specs = kZmpopKeys,
     .args = "numkeys:integer key:key@0* where:oneof(min:pure-token=MIN max:pure-token=MAX) count:integer=COUNT?"},
    // Blocking (docs/blocking.md): the server parks the client while the apply replies nil.
    {.name = "bzpopmin", .arity = -3, .flags = kWrite | kNoScript | kFast | kBlocking, .first_key = 1, .last_key = -2,
     .key_step = 1, .group = kG, .since = "5.0.0",
     .summary = "Remove and return the member with the lowest score from one or more sorted sets, or block until "
                "one is available",
     .complexity = "O(log(N)) with N being the number of elements in the sorted set.", .prepare = &BzpopPrepare,
     .apply = &BzpopminApply, .key_flags = "RW access delete", .args = "key:key@0* timeout:double",
     .history = "6.0.0 `timeout` is interpreted as a double instead of an integer."},
    {.name = "bzpopmax", .arity = -3, .flags = kWrite | kNoScript | kFast | kBlocking, .first_key = 1, .last_key = -2,
     .key_step = 1, .group = kG, .since = "5.0.0",
     .summary = "Remove and return the member with the highest score from one or more sorted sets, or block until "
                "one is available",
     .complexity = "O(log(N)) with N being the number of elements in the sorted set.", .prepare = &BzpopPrepare,
     .apply = &BzpopmaxApply, .key_flags = "RW access delete", .args = "key:key@0* timeout:double",
     .history = "6.0.0 `timeout` is interpreted as a double instead of an integer."},
    {.name = "bzmpop", .arity = -5, .flags = kWrite | kBlocking, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = kG, .since = "7.0.0",
     .summary = "Remove and return members with scores in a sorted set or block until one is available",
     .complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in "
                   "the sorted set, and M being the number of elements popped.",
     .prepare = &BzmpopPrepare, .apply = &BzmpopApply, .key_specs = kBzmpopKeys,
     .args = "timeout:double numkeys:integer key:key@0* where:oneof(min:pure-token=MIN max:pure-token=MAX) "
             "count:integer=COUNT?"},
    {.name = "zremrangebyrank", .arity = 4, .flags = kWrite, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "2.0.0", .summary = "Remove all members in a sorted set within the given indexes",
     .complexity = kRemRangeCx, .prepare = &ZremrangebyrankPrepare, .apply = &ZremrangebyrankApply,
     .key_flags = "RW delete", .args = "key:key@0 start:integer stop:integer"},
    {.name = "zremrangebyscore", .arity = 4, .flags = kWrite, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "1.2.0", .summary = "Remove all members in a sorted set within the given scores",
     .complexity = kRemRangeCx, .prepare = &ZremrangebyscorePrepare, .apply = &ZremrangebyscoreApply,
     .key_flags = "RW delete", .args = "key:key@0 min:double max:double"},
    {.name = "zremrangebylex", .arity = 4, .flags = kWrite, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "2.8.9", .summary = "Remove all members in a sorted set between the given lexicographical range",
     .complexity = kRemRangeCx, .prepare = &ZremrangebylexPrepare, .apply = &ZremrangebylexApply,
     .key_flags = "RW delete", .args = "key:key@0 min:string max:string"},
    {.name = "zscan", .arity = -3, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "2.8.0", .summary = "Incrementally iterate sorted sets elements and associated scores",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the "
                   "cursor to return back to 0. N is the number of elements inside the collection..",
     .execute = &ZscanCmd, .key_flags = "RO access", .tips = "nondeterministic_output",
     .args = "key:key@0 cursor:integer pattern:pattern=MATCH? count:integer=COUNT?"},
    {.name = "zrandmember", .arity = -2, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "6.2.0", .summary = "Get one or multiple random elements from a sorted set",
     .complexity = "O(N) where N is the number of elements returned", .execute = &ZrandmemberCmd,
     .key_flags = "RO access", .tips = "nondeterministic_output",
     .args = "key:key@0 options:block?(count:integer withscores:pure-token=WITHSCORES?)"},
    {.name = "zunion", .arity = -3, .flags = kReadonly, .first_key = 0, .last_key = 0, .key_step = 0, .group = kG,
     .since = "6.2.0", .summary = "Add multiple sorted sets", .complexity = kUnionCx, .execute = &ZunionCmd,
     .key_specs = kZunionKeys,
     .args = "numkeys:integer key:key@0* weight:integer=WEIGHTS?* aggregate:oneof=AGGREGATE?(sum:pure-token=SUM "
             "min:pure-token=MIN max:pure-token=MAX) withscores:pure-token=WITHSCORES?"},
    {.name = "zinter", .arity = -3, .flags = kReadonly, .first_key = 0, .last_key = 0, .key_step = 0, .group = kG,
     .since = "6.2.0", .summary = "Intersect multiple sorted sets", .complexity = kInterCx, .execute = &ZinterCmd,
     .key_specs = kZinterKeys,
     .args = "numkeys:integer key:key@0* weight:integer=WEIGHTS?* aggregate:oneof=AGGREGATE?(sum:pure-token=SUM "
             "min:pure-token=MIN max:pure-token=MAX) withscores:pure-token=WITHSCORES?"},
    {.name = "zdiff", .arity = -3, .flags = kReadonly, .first_key = 0, .last_key = 0, .key_step = 0, .group = kG,
     .since = "6.2.0", .summary = "Subtract multiple sorted sets", .complexity = kDiffCx, .execute = &ZdiffCmd,
     .key_specs = kZdiffKeys, .args = "numkeys:integer key:key@0* withscores:pure-token=WITHSCORES?"},
    {.name = "zunionstore", .arity = -4, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "2.0.0",
     .summary = "Add multiple sorted sets and store the resulting sorted set in a new key",
     .complexity = kUnionStoreCx, .prepare = &ZsetopStorePrepare, .apply = &ZunionstoreApply,
     .key_specs = kZunionstoreKeys,
     .args = "destination:key@0 numkeys:integer key:key@1* weight:integer=WEIGHTS?* "
             "aggregate:oneof=AGGREGATE?(sum:pure-token=SUM min:pure-token=MIN max:pure-token=MAX)"},
    {.name = "zinterstore", .arity = -4, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "2.0.0",
     .summary = "Intersect multiple sorted sets and store the resulting sorted set in a new key",
     .complexity = kInterCx, .prepare = &ZsetopStorePrepare, .apply = &ZinterstoreApply,
     .key_specs = kZinterstoreKeys,
     .args = "destination:key@0 numkeys:integer key:key@1* weight:integer=WEIGHTS?* "
             "aggregate:oneof=AGGREGATE?(sum:pure-token=SUM min:pure-token=MIN max:pure-token=MAX)"},
    {.name = "zdiffstore", .arity = -4, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "6.2.0",
     .summary = "Subtract multiple sorted sets and store the resulting sorted set in a new key",
     .complexity = kDiffCx, .prepare = &ZsetopStorePrepare, .apply = &ZdiffstoreApply, .key_specs = kZdiffstoreKeys,
     .args = "destination:key@0 numkeys:integer key:key@1*"},
    {.name = "zintercard", .arity = -3, .flags = kReadonly, .first_key = 0, .last_key = 0, .key_step = 0, .group = kG,
     .since = "7.0.0", .summary = "Intersect multiple sorted sets and return the cardinality of the result",
     .complexity = "O(N*K) worst case with N being the smallest input sorted set, K being the number of input "
                   "sorted sets.",
     .execute = &ZintercardCmd, .key_specs = kZintercardKeys,
     .args = "numkeys:integer key:key@0* limit:integer=LIMIT?"},
    {},
};

}  // namespace redraft::commands
