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
  if (deleted > 0) StoreSize(ctx, argv[1], &v, size);
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

extern const CommandSpec kZsetCommands[] = {
    {"zadd", -4, kWriteDenyOomFast, 1, 1, 1, kG, "1.2.0",
     "Add one or more members to a sorted set, or update its score if it already exists",
     "O(log(N)) for each item added, where N is the number of elements in the sorted set.", nullptr, &ZaddPrepare,
     &ZaddApply},
    {"zincrby", 4, kWriteDenyOomFast, 1, 1, 1, kG, "1.2.0", "Increment the score of a member in a sorted set",
     "O(log(N)) where N is the number of elements in the sorted set.", nullptr, &ZincrbyPrepare, &ZincrbyApply},
    {"zrem", -3, kWrite | kFast, 1, 1, 1, kG, "1.2.0", "Remove one or more members from a sorted set",
     "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
     nullptr, nullptr, &ZremApply},
    {"zcard", 2, kReadFast, 1, 1, 1, kG, "1.2.0", "Get the number of members in a sorted set", "O(1)", &ZcardCmd,
     nullptr, nullptr},
    {"zscore", 3, kReadFast, 1, 1, 1, kG, "1.2.0", "Get the score associated with the given member in a sorted set",
     "O(1)", &ZscoreCmd, nullptr, nullptr},
    {"zmscore", -3, kReadFast, 1, 1, 1, kG, "6.2.0",
     "Get the score associated with the given members in a sorted set",
     "O(N) where N is the number of members being requested.", &ZmscoreCmd, nullptr, nullptr},
    {"zrank", 3, kReadFast, 1, 1, 1, kG, "2.0.0", "Determine the index of a member in a sorted set", "O(log(N))",
     &ZrankCmd, nullptr, nullptr},
    {"zrevrank", 3, kReadFast, 1, 1, 1, kG, "2.0.0",
     "Determine the index of a member in a sorted set, with scores ordered from high to low", "O(log(N))",
     &ZrevrankCmd, nullptr, nullptr},
    {"zcount", 4, kReadFast, 1, 1, 1, kG, "2.0.0",
     "Count the members in a sorted set with scores within the given values",
     "O(log(N)) with N being the number of elements in the sorted set.", &ZcountCmd, nullptr, nullptr},
    {"zlexcount", 4, kReadFast, 1, 1, 1, kG, "2.8.9",
     "Count the number of members in a sorted set between a given lexicographical range",
     "O(log(N)) with N being the number of elements in the sorted set.", &ZlexcountCmd, nullptr, nullptr},
    {"zrange", -4, kReadonly, 1, 1, 1, kG, "1.2.0", "Return a range of members in a sorted set", kRangeCx, &ZrangeCmd,
     nullptr, nullptr},
    {"zrangestore", -5, kWrite | kDenyOom, 1, 2, 1, kG, "6.2.0",
     "Store a range of members from sorted set into another key",
     "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into "
     "the destination key.",
     nullptr, &ZrangestorePrepare, &ZrangestoreApply},
    {"zrevrange", -4, kReadonly, 1, 1, 1, kG, "1.2.0",
     "Return a range of members in a sorted set, by index, with scores ordered from high to low", kRangeCx,
     &ZrevrangeCmd, nullptr, nullptr},
    {"zrangebyscore", -4, kReadonly, 1, 1, 1, kG, "1.0.5", "Return a range of members in a sorted set, by score",
     kRangeByCx, &ZrangebyscoreCmd, nullptr, nullptr},
    {"zrevrangebyscore", -4, kReadonly, 1, 1, 1, kG, "2.2.0",
     "Return a range of members in a sorted set, by score, with scores ordered from high to low", kRangeByCx,
     &ZrevrangebyscoreCmd, nullptr, nullptr},
    {"zrangebylex", -4, kReadonly, 1, 1, 1, kG, "2.8.9",
     "Return a range of members in a sorted set, by lexicographical range", kRangeByCx, &ZrangebylexCmd, nullptr,
     nullptr},
    {"zrevrangebylex", -4, kReadonly, 1, 1, 1, kG, "2.8.9",
     "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
     kRangeByCx, &ZrevrangebylexCmd, nullptr, nullptr},
    {"zpopmin", -2, kWrite | kFast, 1, 1, 1, kG, "5.0.0",
     "Remove and return members with the lowest scores in a sorted set", kPopCx, nullptr, &ZpopPrepare,
     &ZpopminApply},
    {"zpopmax", -2, kWrite | kFast, 1, 1, 1, kG, "5.0.0",
     "Remove and return members with the highest scores in a sorted set", kPopCx, nullptr, &ZpopPrepare,
     &ZpopmaxApply},
    {"zmpop", -4, kWrite, 0, 0, 0, kG, "7.0.0", "Remove and return members with scores in a sorted set",
     "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, "
     "and M being the number of elements popped.",
     nullptr, &ZmpopPrepare, &ZmpopApply},
    // Blocking (docs/blocking.md): the server parks the client while the apply replies nil.
    {"bzpopmin", -3, kWrite | kNoScript | kFast | kBlocking, 1, -2, 1, kG, "5.0.0",
     "Remove and return the member with the lowest score from one or more sorted sets, or block until one is "
     "available",
     "O(log(N)) with N being the number of elements in the sorted set.", nullptr, &BzpopPrepare, &BzpopminApply},
    {"bzpopmax", -3, kWrite | kNoScript | kFast | kBlocking, 1, -2, 1, kG, "5.0.0",
     "Remove and return the member with the highest score from one or more sorted sets, or block until one is "
     "available",
     "O(log(N)) with N being the number of elements in the sorted set.", nullptr, &BzpopPrepare, &BzpopmaxApply},
    {"bzmpop", -5, kWrite | kBlocking, 0, 0, 0, kG, "7.0.0",
     "Remove and return members with scores in a sorted set or block until one is available",
     "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, "
     "and M being the number of elements popped.",
     nullptr, &BzmpopPrepare, &BzmpopApply},
    {"zremrangebyrank", 4, kWrite, 1, 1, 1, kG, "2.0.0",
     "Remove all members in a sorted set within the given indexes", kRemRangeCx, nullptr, &ZremrangebyrankPrepare,
     &ZremrangebyrankApply},
    {"zremrangebyscore", 4, kWrite, 1, 1, 1, kG, "1.2.0", "Remove all members in a sorted set within the given scores",
     kRemRangeCx, nullptr, &ZremrangebyscorePrepare, &ZremrangebyscoreApply},
    {"zremrangebylex", 4, kWrite, 1, 1, 1, kG, "2.8.9",
     "Remove all members in a sorted set between the given lexicographical range", kRemRangeCx, nullptr,
     &ZremrangebylexPrepare, &ZremrangebylexApply},
    {"zscan", -3, kReadonly, 1, 1, 1, kG, "2.8.0", "Incrementally iterate sorted sets elements and associated scores",
     "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return "
     "back to 0. N is the number of elements inside the collection..",
     &ZscanCmd, nullptr, nullptr},
    {"zrandmember", -2, kReadonly, 1, 1, 1, kG, "6.2.0", "Get one or multiple random elements from a sorted set",
     "O(N) where N is the number of elements returned", &ZrandmemberCmd, nullptr, nullptr},
    {"zunion", -3, kReadonly, 0, 0, 0, kG, "6.2.0", "Add multiple sorted sets", kUnionCx, &ZunionCmd, nullptr,
     nullptr},
    {"zinter", -3, kReadonly, 0, 0, 0, kG, "6.2.0", "Intersect multiple sorted sets", kInterCx, &ZinterCmd, nullptr,
     nullptr},
    {"zdiff", -3, kReadonly, 0, 0, 0, kG, "6.2.0", "Subtract multiple sorted sets", kDiffCx, &ZdiffCmd, nullptr,
     nullptr},
    {"zunionstore", -4, kWrite | kDenyOom, 1, 1, 1, kG, "2.0.0",
     "Add multiple sorted sets and store the resulting sorted set in a new key", kUnionStoreCx, nullptr,
     &ZsetopStorePrepare, &ZunionstoreApply},
    {"zinterstore", -4, kWrite | kDenyOom, 1, 1, 1, kG, "2.0.0",
     "Intersect multiple sorted sets and store the resulting sorted set in a new key", kInterCx, nullptr,
     &ZsetopStorePrepare, &ZinterstoreApply},
    {"zdiffstore", -4, kWrite | kDenyOom, 1, 1, 1, kG, "6.2.0",
     "Subtract multiple sorted sets and store the resulting sorted set in a new key", kDiffCx, nullptr,
     &ZsetopStorePrepare, &ZdiffstoreApply},
    {"zintercard", -3, kReadonly, 0, 0, 0, kG, "7.0.0",
     "Intersect multiple sorted sets and return the cardinality of the result",
     "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
     &ZintercardCmd, nullptr, nullptr},
    {},
};

}  // namespace redraft::commands
