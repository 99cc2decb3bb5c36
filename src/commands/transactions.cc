#include "commands/transactions.h"

#include <algorithm>

#include "commands/args.h"
#include "common/coding.h"

namespace redraft::commands {
namespace {

constexpr std::string_view kFlushField = "flushall";  // store::kWatchVersion record of key ""
constexpr std::string_view kExecName = "redraft.exec";

std::string EncodeCommandItem(const Argv& argv) {
  std::string s = "C";
  PutVarint64(&s, argv.size());
  for (const auto& a : argv) PutLengthPrefixed(&s, a);
  return s;
}

bool DecodeCommandItem(std::string_view in, Argv* out) {
  if (in.empty() || in[0] != 'C') return false;
  in.remove_prefix(1);
  uint64_t n;
  if (!GetVarint64(&in, &n) || n == 0 || n > in.size()) return false;
  out->clear();
  out->reserve(n);
  for (uint64_t i = 0; i < n; i++) {
    std::string_view a;
    if (!GetLengthPrefixed(&in, &a)) return false;
    out->emplace_back(a);
  }
  return in.empty();
}

bool ArityOk(const CommandSpec& spec, size_t argc) {
  int n = static_cast<int>(std::min<size_t>(argc, 1u << 30));
  return spec.arity > 0 ? n == spec.arity : n >= -spec.arity;
}

bool ParseU64(std::string_view s, uint64_t* out) {
  int64_t v;
  if (!ParseInt64(s, &v) || v < 0) return false;
  *out = static_cast<uint64_t>(v);
  return true;
}

// redraft.exec's argv, parsed (views into it).
struct ExecEntry {
  uint64_t watch_index = 0;
  int64_t watch_time_ms = 0;
  std::vector<std::string_view> keys;
  std::vector<std::string_view> items;
};

bool ParseExec(const Argv& argv, ExecEntry* e) {
  if (argv.size() < 4) return false;
  uint64_t n;
  if (!ParseU64(argv[1], &e->watch_index) || !ParseInt64(argv[2], &e->watch_time_ms) || !ParseU64(argv[3], &n) ||
      n > argv.size() - 4) {
    return false;
  }
  for (size_t i = 0; i < n; i++) e->keys.emplace_back(argv[4 + i]);
  for (size_t i = 4 + n; i < argv.size(); i++) {
    if (argv[i].empty() || (argv[i][0] != 'C' && argv[i][0] != 'L')) return false;
    e->items.emplace_back(argv[i]);
  }
  return true;
}

// The command an item names, if it may run inside EXEC: a write with an apply or a data read,
// with the right arity, not internal. Else the error text.
Result<const CommandSpec*> ItemSpec(const Argv& argv) {
  const CommandSpec* spec = Lookup(argv[0]);
  if (!spec || (spec->flags & kInternal)) return Status::InvalidArgument(UnknownCommand(argv));
  if (!(spec->is_write() && spec->apply) && !(IsDataRead(*spec) && spec->execute)) {
    return Status::InvalidArgument("ERR invalid log entry: '" + std::string(spec->name) + "' cannot run inside EXEC");
  }
  if (!ArityOk(*spec, argv.size())) return Status::InvalidArgument(WrongArity(spec->name));
  return spec;
}

// Whether a watched key changed after the WATCH (docs/transactions.md). Only replicated state and
// the entry are consulted, so every replica decides the same. False positives: a WATCH older than
// store::kWatchHorizon entries, any FLUSHALL after it, a key deleted by active expiry after it
// although it had expired before it. No false negatives: every change of a key stamps it.
bool WatchConflict(TxnBatch& tb, const ExecEntry& e, const ApplyContext& ctx) {
  if (e.watch_index + store::kWatchHorizon < ctx.index) return true;
  if (tb.LastFlush() > e.watch_index) return true;
  for (std::string_view key : e.keys) {
    if (tb.LastChange(key) > e.watch_index) return true;
    // Expired since the WATCH (live then, expired now): a change, as in Redis 7.0.
    store::Value v;
    if (tb.GetRaw(key, &v).ok() && v.expire_ms != 0 && v.expire_ms <= ctx.now_ms && v.expire_ms > e.watch_time_ms) {
      return true;
    }
  }
  return false;
}

// A read-only Store over a TxnBatch: the committed store with the batch's changes on top.
class TxnReadView : public store::Store {
 public:
  explicit TxnReadView(TxnBatch* b) : b_(b) {}

  Status Get(std::string_view key, int64_t now_ms, store::Value* out) override { return b_->Get(key, now_ms, out); }
  Status GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) override {
    return b_->GetSub(key, version, field, out);
  }
  Status ScanSub(std::string_view key, uint64_t version, std::string_view start, const store::SubKeyFn& fn) override {
    return b_->ScanSub(key, version, start, fn);
  }

  // The committed keys merged with the batch's written keys (the batch's record wins).
  Status Scan(std::string_view start, const std::function<bool(std::string_view, const store::Value&)>& fn) override {
    const auto& written = b_->written();
    auto it = written.lower_bound(std::string(start));
    bool stopped = false;
    auto emit = [&](const std::string& k) {
      store::Value v;
      if (b_->GetRaw(k, &v).ok() && !fn(k, v)) stopped = true;
    };
    Status st;
    if (!b_->flushed()) {
      st = b_->base()->Scan(start, [&](std::string_view key, const store::Value& v) {
        while (!stopped && it != written.end() && std::string_view(*it) < key) emit(*it++);
        if (stopped) return false;
        if (it != written.end() && std::string_view(*it) == key) {
          emit(*it++);
          return !stopped;
        }
        if (!fn(key, v)) stopped = true;
        return !stopped;
      });
    }
    while (!stopped && it != written.end()) emit(*it++);
    return st;
  }

  uint64_t KeyCount() const override {
    int64_t n = b_->flushed() ? 0 : static_cast<int64_t>(b_->base()->KeyCount());
    for (const std::string& k : b_->written()) {
      store::Value v;
      bool now = b_->GetRaw(k, &v).ok();
      bool before = false;
      if (!b_->flushed()) {
        (void)b_->base()->Scan(k, [&](std::string_view key, const store::Value&) {
          before = key == k;
          return false;
        });
      }
      n += static_cast<int>(now) - static_cast<int>(before);
    }
    return static_cast<uint64_t>(std::max<int64_t>(n, 0));
  }
  uint64_t applied_index() const override { return b_->base()->applied_index(); }
  int64_t log_time_ms() const override { return b_->base()->log_time_ms(); }

  // Not for reads: a transaction's read commands never call these.
  void NoteLogTime(int64_t) override { Refuse(); }
  std::unique_ptr<Batch> NewBatch() override { Refuse(); }
  Status Commit(Batch*, uint64_t) override { Refuse(); }
  Status SetAppliedIndex(uint64_t) override { Refuse(); }
  Status Flush() override { Refuse(); }
  Status Resume() override { Refuse(); }
  std::unique_ptr<SnapshotView> NewSnapshotView() override { Refuse(); }
  Status StageBegin() override { Refuse(); }
  void StagePut(std::string_view, const store::Value&) override { Refuse(); }
  Status StageWrite() override { Refuse(); }
  Status StageInstall(uint64_t, uint64_t, int64_t) override { Refuse(); }
  Status StageAbort() override { Refuse(); }
  uint64_t ApproximateMemoryBytes() override { return b_->base()->ApproximateMemoryBytes(); }
  uint64_t ApproximateDiskBytes() override { return b_->base()->ApproximateDiskBytes(); }
  uint64_t StaleSubKeysDropped() const override { return b_->base()->StaleSubKeysDropped(); }
  Status CompactAll() override { Refuse(); }

 private:
  [[noreturn]] static void Refuse() { REDRAFT_PANIC("a transaction's read view was asked to write"); }
  TxnBatch* b_;
};

}  // namespace

// --- TxnBatch ---

TxnBatch::~TxnBatch() = default;

void TxnBatch::Touch(std::string_view key) {
  auto [it, inserted] = stamps_.try_emplace(std::string(key), index_);
  if (!inserted) it->second = index_;
}

void TxnBatch::TrackWrites() {
  REDRAFT_CHECK(!dirty_);
  tracking_ = true;
}

void TxnBatch::Put(std::string_view key, const store::Value& v) {
  dirty_ = true;
  if (tracking_) written_.emplace(key);
  if (v.type != store::ValueType::kString) {
    inner_->Put(key, v);
    return Touch(key);
  }
  if (v.version == index_) return inner_->Put(key, v);
  store::Value stamped = v;
  stamped.version = index_;
  inner_->Put(key, stamped);
}

void TxnBatch::Delete(std::string_view key) {
  dirty_ = true;
  if (tracking_) written_.emplace(key);
  inner_->Delete(key);
  Touch(key);
}

void TxnBatch::DeleteAll() {
  dirty_ = true;
  inner_->DeleteAll();
  stamps_.clear();  // every key changed so far is gone: the flush stamp covers them
  written_.clear();
  flush_index_ = index_;
  flushed_ = true;
}

void TxnBatch::PutSub(std::string_view key, uint64_t version, std::string_view field, std::string_view value) {
  dirty_ = true;
  inner_->PutSub(key, version, field, value);
  Touch(key);
}

void TxnBatch::DeleteSub(std::string_view key, uint64_t version, std::string_view field) {
  dirty_ = true;
  inner_->DeleteSub(key, version, field);
  Touch(key);
}

void TxnBatch::WriteStamps() {
  std::string stamp;
  if (flush_index_) {
    PutFixed64(&stamp, flush_index_);
    inner_->PutSub("", store::kWatchVersion, kFlushField, stamp);  // after DeleteAll's range delete
    flush_index_ = 0;
  }
  for (const auto& [key, index] : stamps_) {
    stamp.clear();
    PutFixed64(&stamp, index);
    inner_->PutSub(key, store::kWatchVersion, "", stamp);
  }
  stamps_.clear();
}

uint64_t TxnBatch::LastChange(std::string_view key) {
  uint64_t last = 0;
  if (auto it = stamps_.find(std::string(key)); it != stamps_.end()) last = it->second;  // not written yet
  store::Value v;
  if (inner_->GetRaw(key, &v).ok() && v.type == store::ValueType::kString) last = std::max(last, v.version);
  std::string s;
  if (inner_->GetSub(key, store::kWatchVersion, "", &s).ok() && s.size() == 8) last = std::max(last, DecodeFixed64(s.data()));
  return last;
}

uint64_t TxnBatch::LastFlush() {
  if (flush_index_) return flush_index_;
  std::string s;
  if (!inner_->GetSub("", store::kWatchVersion, kFlushField, &s).ok() || s.size() != 8) return 0;
  return DecodeFixed64(s.data());
}

store::Store& TxnBatch::ReadView() {
  if (!view_) view_ = std::make_unique<TxnReadView>(this);
  return *view_;
}

// --- the connection side ---

bool IsTransactionControl(const CommandSpec& spec) {
  static constexpr std::string_view kNames[] = {"exec", "discard", "multi", "watch", "quit", "reset"};
  return std::find(std::begin(kNames), std::end(kNames), spec.name) != std::end(kNames);
}

bool IsNoMulti(const CommandSpec& spec) {
  static constexpr std::string_view kNames[] = {"shutdown", "save", "sync", "psync"};  // Redis 7.0 no-multi
  return std::find(std::begin(kNames), std::end(kNames), spec.name) != std::end(kNames);
}

ExecPlan BuildExec(const std::vector<Argv>& queued, const WatchState& watch, int64_t now_ms,
                   const std::function<std::string(const CommandSpec&, const Argv&)>& run_local) {
  ExecPlan plan;
  Argv& out = plan.argv;
  out = {std::string(kExecName), std::to_string(watch.active ? watch.index : 0),
         std::to_string(watch.active ? watch.time_ms : 0), std::to_string(watch.active ? watch.keys.size() : 0)};
  if (watch.active) out.insert(out.end(), watch.keys.begin(), watch.keys.end());
  for (const Argv& q : queued) {
    const CommandSpec* spec = Lookup(q[0]);
    REDRAFT_CHECK(spec != nullptr);
    if (spec->is_write() && spec->apply) {
      Argv a = q;
      if (spec->prepare) {
        std::string err;
        resp::ReplyBuilder rb(&err);
        PrepareContext pc{now_ms, rb};
        if (!spec->prepare(pc, a)) {
          if (err.empty()) rb.Error(kErrSyntax);
          out.push_back("L" + err);  // a runtime error inside EXEC, as Redis answers it
          continue;
        }
      }
      out.push_back(EncodeCommandItem(a));
      plan.has_write = true;
    } else if (IsDataRead(*spec) && spec->execute) {
      out.push_back(EncodeCommandItem(q));
    } else {
      out.push_back("L" + run_local(*spec, q));
    }
  }
  return plan;
}

void RunReadOnlyExec(const Argv& exec_argv, ExecContext& ctx) {
  ExecEntry e;
  REDRAFT_CHECK(ParseExec(exec_argv, &e));
  ctx.reply.ArrayHeader(e.items.size());
  Argv argv;
  for (std::string_view item : e.items) {
    if (item[0] == 'L') {
      ctx.reply.Raw(item.substr(1));
      continue;
    }
    REDRAFT_CHECK(DecodeCommandItem(item, &argv));
    const CommandSpec* spec = Lookup(argv[0]);
    REDRAFT_CHECK(spec && IsDataRead(*spec) && spec->execute);
    spec->execute(ctx, argv);
  }
}

void ForEachExecCommandArg(const Argv& exec_argv, const std::function<void(const std::string&)>& fn) {
  ExecEntry e;
  if (!ParseExec(exec_argv, &e)) return;
  Argv argv;
  for (std::string_view item : e.items) {
    if (item[0] != 'C' || !DecodeCommandItem(item, &argv)) continue;
    for (size_t i = 1; i < argv.size(); i++) fn(argv[i]);
  }
}

// --- redraft.exec ---

// Checks the entry's shape and every command item (as ValidateWriteEntry checks a single write:
// a write's log form must be a fixed point of its prepare). Runs on the proposer and on the
// leader for a forwarded entry.
bool PrepareExec(PrepareContext& ctx, Argv& argv) {
  ExecEntry e;
  if (!ParseExec(argv, &e)) {
    ctx.reply.Error("ERR invalid log entry: malformed redraft.exec");
    return false;
  }
  Argv cargv;
  for (std::string_view item : e.items) {
    if (item[0] == 'L') continue;
    if (!DecodeCommandItem(item, &cargv)) {
      ctx.reply.Error("ERR invalid log entry: malformed redraft.exec item");
      return false;
    }
    auto spec = ItemSpec(cargv);
    if (!spec.ok()) {
      ctx.reply.Error(spec.status().message());
      return false;
    }
    if ((*spec)->is_write() && (*spec)->prepare && !(*spec)->prepare(ctx, cargv)) return false;
  }
  return true;
}

void ApplyExec(ApplyContext& ctx, const Argv& argv) {
  ExecEntry e;
  auto* tb = dynamic_cast<TxnBatch*>(&ctx.batch);
  if (!ParseExec(argv, &e) || !tb) {
    ctx.reply.Error("ERR invalid log entry: malformed redraft.exec");
    return;
  }
  tb->TrackWrites();  // the read view needs the keys the transaction writes
  if (!e.keys.empty() && WatchConflict(*tb, e, ctx)) {
    ctx.reply.NullArray();
    return;
  }
  ctx.reply.ArrayHeader(e.items.size());
  Session session;
  session.proto = ctx.reply.proto();
  Argv cargv;
  for (std::string_view item : e.items) {
    if (item[0] == 'L') {
      ctx.reply.Raw(item.substr(1));
      continue;
    }
    if (!DecodeCommandItem(item, &cargv)) {
      ctx.reply.Error("ERR invalid log entry: malformed redraft.exec item");
      continue;
    }
    auto spec = ItemSpec(cargv);
    if (!spec.ok()) {
      ctx.reply.Error(spec.status().message());
    } else if ((*spec)->is_write()) {
      (*spec)->apply(ctx, cargv);
    } else {
      // Reads see the transaction's earlier writes: they run against the batch.
      ExecContext ec{tb->ReadView(), ctx.now_ms, ctx.reply, session, nullptr};
      (*spec)->execute(ec, cargv);
    }
  }
}

void TransactionCommandStub(ExecContext& ctx, const Argv& argv) {
  ctx.reply.Error("ERR '" + std::string(EchoArg(argv[0], 64)) + "' is carried out by the server");
}

}  // namespace redraft::commands
