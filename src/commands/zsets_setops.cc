// Sorted sets: ZUNION ZINTER ZDIFF, their STORE forms and ZINTERCARD, following Redis 7.0's
// zunionInterDiffGenericCommand: numkeys, then every input key's type (a zset, or a set whose
// members count with score 1), then the options (WEIGHTS, AGGREGATE, WITHSCORES, LIMIT), in that
// order, so a bad option after a key of the wrong type answers WRONGTYPE as Redis does. Inputs
// are taken smallest first (union and intersection), which fixes the order in which SUM adds
// floating-point scores exactly as Redis does.
//
// The reads run on the read path; the STORE forms compute the same thing at apply time through
// the batch and replace the destination (of any type) with a new version.
#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "commands/args.h"
#include "commands/zsets_internal.h"
#include "commands/notify.h"

namespace redraft::commands::zset {

using store::Value;
using store::ValueType;

namespace {

enum class Op { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

struct Source {
  const std::string* key = nullptr;  // null: missing (an empty input)
  bool is_set = false;               // a set: every member has score 1
  uint64_t version = 0;
  uint64_t size = 0;
  double weight = 1.0;
};

// Where the inputs are read: the store (read path) or the entry's batch (apply path).
struct Env {
  store::Store* store = nullptr;
  ApplyContext* apply = nullptr;
  int64_t now_ms = 0;
  Reader ReaderFor(const Source& s) const {
    return store != nullptr ? Reader(*store, *s.key, s.version) : Reader(apply->batch, *s.key, s.version);
  }
};

// A set's members are the fields of its sub-keys (sets.cc).
void ForEach(const Env& env, const Source& s, const std::function<bool(std::string_view, double)>& fn) {
  if (s.key == nullptr || s.size == 0) return;
  Reader r = env.ReaderFor(s);
  if (s.is_set) {
    r.Scan("", [&](std::string_view field, std::string_view) { return fn(field, 1.0); });
  } else {
    r.ScanScores(std::string(1, kScoreTag), fn);
  }
}

std::optional<double> Find(const Env& env, const Source& s, std::string_view member) {
  if (s.key == nullptr) return std::nullopt;
  Reader r = env.ReaderFor(s);
  if (s.is_set) return r.Has(member) ? std::optional<double>(1.0) : std::nullopt;
  return r.Score(member);
}

void AggregateInto(double* target, double val, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += val;
      if (std::isnan(*target)) *target = 0.0;  // inf + -inf
      break;
    case Aggregate::kMin:
      *target = val < *target ? val : *target;
      break;
    case Aggregate::kMax:
      *target = val > *target ? val : *target;
      break;
  }
}

struct SetOpArgs {
  std::vector<Source> src;
  Aggregate agg = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;  // ZINTERCARD; 0 = none
};

// Redis's checks on numkeys (the ones made before any key is read).
bool ParseNumkeys(const Argv& argv, size_t numkeys_idx, std::string_view name, int64_t* setnum,
                  resp::ReplyBuilder& reply) {
  if (!ParseLong(argv[numkeys_idx], setnum)) {
    reply.Error(kErrNotInteger);
    return false;
  }
  if (*setnum < 1) {
    reply.Error("ERR at least 1 input key is needed for '" + std::string(name) + "' command");
    return false;
  }
  if (static_cast<uint64_t>(*setnum) > argv.size() - (numkeys_idx + 1)) {
    reply.Error(kErrSyntax);
    return false;
  }
  return true;
}

// Looks up one input: a zset or a set, missing if absent or expired (deleted in the batch on the
// apply path, as Redis's lookup does). False: WRONGTYPE was replied.
bool LookupSource(Env& env, const std::string& key, Source* s, resp::ReplyBuilder& reply) {
  Value v;
  Status st;
  if (env.store != nullptr) {
    st = env.store->Get(key, env.now_ms, &v);
  } else {
    st = env.apply->batch.GetRaw(key, &v);
    if (st.ok() && store::IsExpired(v, env.now_ms)) {
      env.apply->batch.Delete(key);
      st = Status::NotFound("expired");
    }
  }
  PanicOnStoreError(st);
  if (!st.ok()) return true;
  if (v.type != ValueType::kZset && v.type != ValueType::kSet) {
    reply.Error(kErrWrongType);
    return false;
  }
  s->key = &key;
  s->is_set = v.type == ValueType::kSet;
  s->version = v.version;
  s->size = store::CollectionSize(v);
  return true;
}

// Everything up to the computation: numkeys, inputs, options.
bool ParseSetOp(Env& env, const Argv& argv, size_t numkeys_idx, std::string_view name, Op op, bool store,
                bool card_only, SetOpArgs* a, resp::ReplyBuilder& reply) {
  int64_t setnum;
  if (!ParseNumkeys(argv, numkeys_idx, name, &setnum, reply)) return false;
  a->src.resize(setnum);
  size_t j = numkeys_idx + 1;
  for (int64_t i = 0; i < setnum; i++, j++) {
    if (!LookupSource(env, argv[j], &a->src[i], reply)) return false;
  }
  while (j < argv.size()) {
    size_t remaining = argv.size() - j;
    std::string_view opt = CStrView(argv[j]);
    if (op != Op::kDiff && !card_only && remaining >= static_cast<size_t>(setnum) + 1 &&
        EqualsIgnoreCase(opt, "weights")) {
      j++;
      for (int64_t i = 0; i < setnum; i++, j++) {
        if (!ParseDouble(argv[j], &a->src[i].weight)) {
          reply.Error("ERR weight value is not a float");
          return false;
        }
      }
    } else if (op != Op::kDiff && !card_only && remaining >= 2 && EqualsIgnoreCase(opt, "aggregate")) {
      std::string_view agg = CStrView(argv[j + 1]);
      if (EqualsIgnoreCase(agg, "sum")) {
        a->agg = Aggregate::kSum;
      } else if (EqualsIgnoreCase(agg, "min")) {
        a->agg = Aggregate::kMin;
      } else if (EqualsIgnoreCase(agg, "max")) {
        a->agg = Aggregate::kMax;
      } else {
        reply.Error(kErrSyntax);
        return false;
      }
      j += 2;
    } else if (!store && !card_only && EqualsIgnoreCase(opt, "withscores")) {
      a->withscores = true;
      j++;
    } else if (card_only && remaining >= 2 && EqualsIgnoreCase(opt, "limit")) {
      if (!ParseLong(argv[j + 1], &a->limit) || a->limit < 0) {
        reply.Error("ERR LIMIT can't be negative");
        return false;
      }
      j += 2;
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

// The result as (member, score) pairs in no particular order; for ZINTERCARD only *card.
std::vector<Element> Compute(const Env& env, Op op, SetOpArgs& a, bool card_only, uint64_t* card) {
  std::vector<Element> out;
  auto& src = a.src;
  if (op != Op::kDiff) {
    std::stable_sort(src.begin(), src.end(), [](const Source& x, const Source& y) { return x.size < y.size; });
  }
  auto same = [](const Source& x, const Source& y) { return x.key != nullptr && y.key != nullptr && *x.key == *y.key; };
  if (op == Op::kInter) {
    if (src[0].size == 0 || src[0].key == nullptr) return out;
    ForEach(env, src[0], [&](std::string_view m, double s0) {
      double score = src[0].weight * s0;
      if (std::isnan(score)) score = 0;
      for (size_t j = 1; j < src.size(); j++) {
        std::optional<double> v = same(src[j], src[0]) ? std::optional<double>(s0) : Find(env, src[j], m);
        if (!v) return true;
        AggregateInto(&score, *v * src[j].weight, a.agg);
      }
      if (card_only) {
        ++*card;
        return !(a.limit > 0 && *card >= static_cast<uint64_t>(a.limit));
      }
      out.emplace_back(m, score);
      return true;
    });
  } else if (op == Op::kUnion) {
    std::unordered_map<std::string, double> acc;
    for (const Source& s : src) {
      ForEach(env, s, [&](std::string_view m, double v) {
        double score = s.weight * v;
        if (std::isnan(score)) score = 0;
        auto [it, fresh] = acc.try_emplace(std::string(m), score);
        if (!fresh) AggregateInto(&it->second, score, a.agg);
        return true;
      });
    }
    out.reserve(acc.size());
    for (auto& [m, s] : acc) out.emplace_back(m, s);
  } else {
    for (size_t j = 1; j < src.size(); j++) {
      if (same(src[j], src[0])) return out;  // everything is removed
    }
    ForEach(env, src[0], [&](std::string_view m, double s) {
      for (size_t j = 1; j < src.size(); j++) {
        if (Find(env, src[j], m)) return true;
      }
      out.emplace_back(m, s);
      return true;
    });
  }
  return out;
}

void SetOpCmd(ExecContext& ctx, const Argv& argv, Op op, std::string_view name, bool card_only) {
  Env env{&ctx.store, nullptr, ctx.now_ms};
  SetOpArgs a;
  if (!ParseSetOp(env, argv, 1, name, op, false, card_only, &a, ctx.reply)) return;
  uint64_t card = 0;
  auto out = Compute(env, op, a, card_only, &card);
  if (card_only) {
    ctx.reply.Integer(static_cast<int64_t>(card));
    return;
  }
  // Replies in the result zset's order: by score, then member bytes.
  std::sort(out.begin(), out.end(), [](const Element& x, const Element& y) {
    if (x.second != y.second) return x.second < y.second;
    return x.first < y.first;
  });
  ReplyElementsHeader(ctx.reply, out.size(), a.withscores);
  for (const auto& [m, s] : out) ReplyElement(ctx.reply, m, s, a.withscores, true);
}

void SetOpStoreApply(ApplyContext& ctx, const Argv& argv, Op op, std::string_view name) {
  Env env{nullptr, &ctx, ctx.now_ms};
  SetOpArgs a;
  if (!ParseSetOp(env, argv, 2, name, op, true, false, &a, ctx.reply)) return;
  uint64_t card = 0;
  auto out = Compute(env, op, a, false, &card);
  StoreResult(ctx, argv[1], out);
  if (!out.empty()) Notify(ctx, kNotifyZset, name, argv[1]);
}

}  // namespace

void ZunionCmd(ExecContext& ctx, const Argv& argv) { SetOpCmd(ctx, argv, Op::kUnion, "zunion", false); }
void ZinterCmd(ExecContext& ctx, const Argv& argv) { SetOpCmd(ctx, argv, Op::kInter, "zinter", false); }
void ZdiffCmd(ExecContext& ctx, const Argv& argv) { SetOpCmd(ctx, argv, Op::kDiff, "zdiff", false); }
void ZintercardCmd(ExecContext& ctx, const Argv& argv) { SetOpCmd(ctx, argv, Op::kInter, "zintercard", true); }

bool ZsetopStorePrepare(PrepareContext& ctx, Argv& argv) {
  std::string name = argv[0];
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  int64_t setnum;
  return ParseNumkeys(argv, 2, name, &setnum, ctx.reply);
}

void ZunionstoreApply(ApplyContext& ctx, const Argv& argv) {
  SetOpStoreApply(ctx, argv, Op::kUnion, "zunionstore");
}
void ZinterstoreApply(ApplyContext& ctx, const Argv& argv) {
  SetOpStoreApply(ctx, argv, Op::kInter, "zinterstore");
}
void ZdiffstoreApply(ApplyContext& ctx, const Argv& argv) { SetOpStoreApply(ctx, argv, Op::kDiff, "zdiffstore"); }

}  // namespace redraft::commands::zset
