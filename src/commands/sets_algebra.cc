// SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD and SMEMBERS (Redis 7.0 t_set.c
// sinterGenericCommand / sunionDiffGenericCommand), with the same reply for reply semantics: a
// missing key is an empty set, the first key of another type answers WRONGTYPE. Results list
// members in byte order. The STORE forms write under a fresh version (sets.cc, data_model.md).
#include <algorithm>
#include <functional>
#include <vector>

#include "commands/args.h"
#include "commands/notify.h"
#include "commands/sets_internal.h"

namespace redraft::commands::set_detail {

namespace {

// One operand: a missing key is an empty set.
struct Operand {
  const std::string* key;
  Value v;
  bool exists;
};

// Looks up keys in order as Redis does (a missing key is empty; the first key of another type
// answers WRONGTYPE and ends the command: false).
template <class Ctx, class LookupFn>
bool LookupOperands(Ctx& ctx, const Argv& argv, size_t first, size_t last, LookupFn lookup,
                    std::vector<Operand>* out) {
  for (size_t i = first; i <= last; i++) {
    Operand op{&argv[i], Value{}, false};
    Found f = lookup(ctx, argv[i], &op.v);
    if (f == Found::kFailed) return false;
    op.exists = f == Found::kYes;
    out->push_back(std::move(op));
  }
  return true;
}

// The intersection in byte order, visited until emit returns false: the smallest set is scanned
// and each member probed in the others (Redis sinterGenericCommand).
template <class R>
void Intersect(R& r, const std::vector<Operand>& ops, const std::function<bool(std::string_view)>& emit) {
  for (const auto& op : ops) {
    if (!op.exists) return;
  }
  std::vector<const Operand*> order;
  for (const auto& op : ops) order.push_back(&op);
  std::stable_sort(order.begin(), order.end(), [](const Operand* a, const Operand* b) {
    return store::CollectionSize(a->v) < store::CollectionSize(b->v);
  });
  ForEachMember(r, *order[0]->key, order[0]->v, [&](std::string_view m) {
    for (size_t j = 1; j < order.size(); j++) {
      if (!IsMember(r, *order[j]->key, order[j]->v, m)) return true;
    }
    return emit(m);
  });
}

enum class SetOp { kInter, kUnion, kDiff };

// The result of op over the operands, in byte order, without repeats.
template <class R>
std::vector<std::string> Compute(R& r, SetOp op, const std::vector<Operand>& ops) {
  std::vector<std::string> out;
  switch (op) {
    case SetOp::kInter:
      Intersect(r, ops, [&](std::string_view m) {
        out.emplace_back(m);
        return true;
      });
      break;
    case SetOp::kUnion: {
      for (const auto& o : ops) {
        if (!o.exists) continue;
        ForEachMember(r, *o.key, o.v, [&](std::string_view m) {
          out.emplace_back(m);
          return true;
        });
      }
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      break;
    }
    case SetOp::kDiff:
      if (!ops[0].exists) break;
      ForEachMember(r, *ops[0].key, ops[0].v, [&](std::string_view m) {
        for (size_t j = 1; j < ops.size(); j++) {
          if (ops[j].exists && IsMember(r, *ops[j].key, ops[j].v, m)) return true;
        }
        out.emplace_back(m);
        return true;
      });
      break;
  }
  return out;
}

void ReadOpGeneric(ExecContext& ctx, const Argv& argv, size_t first, SetOp op) {
  std::vector<Operand> ops;
  if (!LookupOperands(ctx, argv, first, argv.size() - 1, &ReadSet, &ops)) return;
  ReplyMembers(ctx.reply, Compute(ctx.store, op, ops));
}

// S*STORE destination key [key ...]: the result replaces whatever destination held (type, TTL),
// under a fresh version; an empty result deletes destination. Replies with the result's size.
void StoreOpGeneric(ApplyContext& ctx, const Argv& argv, SetOp op) {
  std::vector<Operand> ops;
  if (!LookupOperands(ctx, argv, 2, argv.size() - 1, &WriteSet, &ops)) return;
  std::vector<std::string> result = Compute(ctx.batch, op, ops);
  const std::string& dst = argv[1];
  if (result.empty()) return StoreEmptyResult(ctx, dst);
  Value v;
  v.type = ValueType::kSet;
  v.version = NewVersion(ctx);
  for (const auto& m : result) ctx.batch.PutSub(dst, v.version, m, "");
  StoreSize(ctx, dst, &v, result.size());
  Notify(ctx, kNotifySet, op == SetOp::kInter ? "sinterstore" : op == SetOp::kUnion ? "sunionstore" : "sdiffstore", dst);
  ctx.reply.Integer(static_cast<int64_t>(result.size()));
}

}  // namespace

void SmembersCmd(ExecContext& ctx, const Argv& argv) { ReadOpGeneric(ctx, argv, 1, SetOp::kInter); }
void SinterCmd(ExecContext& ctx, const Argv& argv) { ReadOpGeneric(ctx, argv, 1, SetOp::kInter); }
void SunionCmd(ExecContext& ctx, const Argv& argv) { ReadOpGeneric(ctx, argv, 1, SetOp::kUnion); }
void SdiffCmd(ExecContext& ctx, const Argv& argv) { ReadOpGeneric(ctx, argv, 1, SetOp::kDiff); }

void SinterstoreApply(ApplyContext& ctx, const Argv& argv) { StoreOpGeneric(ctx, argv, SetOp::kInter); }
void SunionstoreApply(ApplyContext& ctx, const Argv& argv) { StoreOpGeneric(ctx, argv, SetOp::kUnion); }
void SdiffstoreApply(ApplyContext& ctx, const Argv& argv) { StoreOpGeneric(ctx, argv, SetOp::kDiff); }

// SINTERCARD numkeys key [key ...] [LIMIT limit] (Redis sinterCardCommand).
void SintercardCmd(ExecContext& ctx, const Argv& argv) {
  int64_t numkeys;
  if (!ParseInt64(argv[1], &numkeys) || numkeys < 1) {
    ctx.reply.Error("ERR numkeys should be greater than 0");
    return;
  }
  if (numkeys > static_cast<int64_t>(argv.size()) - 2) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  uint64_t limit = 0;  // 0: no limit
  for (size_t j = 2 + numkeys; j < argv.size(); j++) {
    if (EqualsIgnoreCase(CStrView(argv[j]), "limit") && j + 1 < argv.size()) {
      int64_t l;
      if (!ParseInt64(argv[++j], &l) || l < 0) {
        ctx.reply.Error("ERR LIMIT can't be negative");
        return;
      }
      limit = static_cast<uint64_t>(l);
    } else {
      ctx.reply.Error(kErrSyntax);
      return;
    }
  }
  std::vector<Operand> ops;
  if (!LookupOperands(ctx, argv, 2, 1 + numkeys, &ReadSet, &ops)) return;
  uint64_t n = 0;
  Intersect(ctx.store, ops, [&](std::string_view) { return ++n != limit; });
  ctx.reply.Integer(static_cast<int64_t>(n));
}

}  // namespace redraft::commands::set_detail
