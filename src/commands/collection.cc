#include "commands/collection.h"

#include "commands/notify.h"

#include <algorithm>
#include <climits>
#include <vector>

#include "commands/args.h"
#include "commands/glob.h"
#include "commands/scan_cursor.h"

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
    Notify(ctx, kNotifyExpired, "expired", key);  // as Redis's expireIfNeeded
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
    // Redis: a command that empties a collection deletes the key and reports "del" after its
    // own event (callers notify theirs before calling this).
    Notify(ctx, kNotifyGeneric, "del", key);
    return;
  }
  store::SetCollectionSize(v, size);
  ctx.batch.Put(key, *v);
}

void StoreEmptyResult(ApplyContext& ctx, const std::string& dst) {
  Value old;
  Status s = ctx.batch.GetRaw(dst, &old);
  PanicOnStoreError(s);
  if (s.ok()) {
    ctx.batch.Delete(dst);
    Notify(ctx, kNotifyGeneric, "del", dst);
  }
  ctx.reply.Integer(0);
}

namespace {

// The resume position a cursor stands for: the family's tag, the key (length-prefixed) and the
// name of the next element.
std::string ScanResume(char tag, std::string_view key, std::string_view name) {
  return tag + std::to_string(key.size()) + ":" + std::string(key) + std::string(name);
}

}  // namespace

void ScanElements(ExecContext& ctx, const Argv& argv, const ElementScan& how) {
  uint64_t cursor;
  if (!ParseScanCursor(argv[2], &cursor)) {
    ctx.reply.Error("ERR invalid cursor");
    return;
  }
  Value v;
  Found f = ReadCollection(ctx, argv[1], how.type, &v);
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
  bool small = store::CollectionSize(v) <= how.whole_max;
  bool whole = small && (cursor == 0 || how.whole_any_cursor);
  std::string start;
  if (cursor != 0 && !whole) {
    auto resume = DefaultScanCursors().Lookup(cursor);
    std::string prefix = ScanResume(how.cursor_tag, argv[1], "");
    if (!resume || resume->compare(0, prefix.size(), prefix) != 0) {
      ctx.reply.Error("ERR invalid cursor");
      return;
    }
    start = resume->substr(prefix.size());
  }
  std::vector<std::pair<std::string, std::string>> out;
  std::string next;
  bool more = false;
  int64_t visited = 0;
  how.visit(ctx, argv[1], v, start, whole, [&](std::string_view name, std::string_view value) {
    if (!whole && visited == opt.count) {
      next.assign(name);
      more = true;
      return false;
    }
    visited++;
    if (opt.pattern == nullptr || GlobMatch(*opt.pattern, name)) out.emplace_back(name, how.pairs ? value : "");
    return true;
  });
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(more ? std::to_string(DefaultScanCursors().Issue(ScanResume(how.cursor_tag, argv[1], next))) : "0");
  ctx.reply.ArrayHeader(out.size() * (how.pairs ? 2 : 1));
  for (const auto& [name, value] : out) {
    ctx.reply.Bulk(name);
    if (how.pairs) ctx.reply.Bulk(value);
  }
}

bool ParseRandomCount(ExecContext& ctx, const Argv& argv, std::string_view with, RandomCount* out) {
  int64_t count;
  if (!ParseInt64(argv[2], &count)) {
    ctx.reply.Error(kErrNotInteger);
    return false;
  }
  if (count < -LLONG_MAX) {
    ctx.reply.Error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
    return false;
  }
  if (argv.size() > 4 || (argv.size() == 4 && !EqualsIgnoreCase(CStrView(argv[3]), with))) {
    ctx.reply.Error(kErrSyntax);
    return false;
  }
  out->with = argv.size() == 4;
  if (out->with && (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2)) {
    ctx.reply.Error("ERR value is out of range");
    return false;
  }
  out->repeat = count < 0;
  out->n = count < 0 ? static_cast<uint64_t>(-count) : static_cast<uint64_t>(count);
  return true;
}

bool RandomReplyFits(ExecContext& ctx, uint64_t n, uint64_t avg_bytes) {
  if (n <= kMaxRandomReplyBytes / std::max<uint64_t>(avg_bytes, 1)) return true;
  ctx.reply.Error("ERR value is out of range");
  return false;
}

namespace {
thread_local std::optional<uint64_t> g_pending_read_seed;  // SeedReadRngLazily: not yet applied
}  // namespace

std::mt19937_64& ReadRng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  if (g_pending_read_seed) {
    rng.seed(*g_pending_read_seed);
    g_pending_read_seed.reset();
  }
  return rng;
}

void SeedReadRngLazily(std::optional<uint64_t> seed) { g_pending_read_seed = seed; }

}  // namespace redraft::commands
