#include "commands/collection.h"

#include "commands/args.h"

namespace redraft::commands {

using store::Value;
using store::ValueType;

uint64_t NewVersion(ApplyContext& ctx) {
  ctx.versions_used++;
  REDRAFT_CHECK(ctx.versions_used < (1u << 20));
  return (ctx.index << 20) | ctx.versions_used;
}

void PanicOnStoreError(const Status& s) {
  if (!s.ok() && !s.IsNotFound()) REDRAFT_PANIC("store read failed: " + s.ToString());
}

std::string_view CStrView(const std::string& s) {
  size_t nul = s.find('\0');
  return nul == std::string::npos ? std::string_view(s) : std::string_view(s.data(), nul);
}

Found ReadCollection(ExecContext& ctx, std::string_view key, ValueType type, Value* v) {
  Status s = ctx.store.Get(key, ctx.now_ms, v);
  PanicOnStoreError(s);
  if (!s.ok()) return Found::kNo;
  if (v->type != type) {
    ctx.reply.Error(kErrWrongType);
    return Found::kFailed;
  }
  return Found::kYes;
}

Found WriteCollection(ApplyContext& ctx, std::string_view key, ValueType type, Value* v) {
  Status s = ctx.batch.GetRaw(key, v);
  PanicOnStoreError(s);
  if (!s.ok()) return Found::kNo;
  if (store::IsExpired(*v, ctx.now_ms)) {
    ctx.batch.Delete(key);
    return Found::kNo;
  }
  if (v->type != type) {
    ctx.reply.Error(kErrWrongType);
    return Found::kFailed;
  }
  return Found::kYes;
}

bool WriteCollectionOrCreate(ApplyContext& ctx, std::string_view key, ValueType type, Value* v) {
  Found f = WriteCollection(ctx, key, type, v);
  if (f == Found::kFailed) return false;
  if (f == Found::kNo) {
    v->type = type;
    v->expire_ms = 0;
    v->version = NewVersion(ctx);
    v->payload.clear();
    store::SetCollectionSize(v, 0);
  }
  return true;
}

void StoreSize(ApplyContext& ctx, std::string_view key, Value* v, uint64_t size) {
  if (size == 0) {
    ctx.batch.Delete(key);
    return;
  }
  store::SetCollectionSize(v, size);
  ctx.batch.Put(key, *v);
}

std::mt19937_64& ReadRng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace redraft::commands
