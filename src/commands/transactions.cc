#include "commands/transactions.h"

#include <algorithm>
#include <optional>

#include "commands/acl_cmds.h"
#include "commands/args.h"
#include "commands/databases.h"
#include "common/coding.h"
#include "store/db_view.h"

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

// 'S' + varint db + SELECT's reply (transactions.h).
std::string EncodeSelectItem(int db, std::string_view reply) {
  std::string s = "S";
  PutVarint64(&s, static_cast<uint64_t>(db));
  s.append(reply);
  return s;
}

bool DecodeSelectItem(std::string_view in, int* db, std::string_view* reply) {
  if (in.empty() || in[0] != 'S') return false;
  in.remove_prefix(1);
  uint64_t n;
  if (!GetVarint64(&in, &n) || n >= static_cast<uint64_t>(store::kMaxDatabases)) return false;
  *db = static_cast<int>(n);
  *reply = in;
  return true;
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
    if (argv[i].empty() || (argv[i][0] != 'C' && argv[i][0] != 'L' && argv[i][0] != 'S')) return false;
    int db;
    std::string_view reply;
    if (argv[i][0] == 'S' && !DecodeSelectItem(argv[i], &db, &reply)) return false;
    e->items.emplace_back(argv[i]);
  }
  return true;
}

// The command an item names, if it may run inside EXEC: a write with an apply or a data read,
// with the right arity, not internal. Else the error text.
Result<const CommandSpec*> ItemSpec(const Argv& argv) {
  const CommandSpec* spec = Lookup(argv[0]);
  // A script queued in MULTI is its log form (scripting_cmds.h), the one internal command allowed.
  // So are XGROUP's writes and XINFO's reads (streams_groups.h).
  if (!spec || ((spec->flags & kInternal) && spec->name != "redraft.eval" && spec->name != "redraft.xgroup" &&
                spec->name != "redraft.xinfo")) {
    return Status::InvalidArgument(UnknownCommand(argv));
  }
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
// With databases (qualified), a watched key is [logical db:1][user key]; it names the stored key
// of the database's physical id now, which is the one it named at WATCH time unless a SWAPDB ran
// since, and a SWAPDB sets the flush stamp.
bool WatchConflict(TxnBatch& tb, const ExecEntry& e, const ApplyContext& ctx, bool qualified) {
  if (e.watch_index + store::kWatchHorizon < ctx.index) return true;
  if (tb.LastFlush() > e.watch_index) return true;
  std::string stored;
  for (std::string_view key : e.keys) {
    if (qualified) {
      if (key.empty() || static_cast<uint8_t>(key[0]) >= store::kMaxDatabases) return true;  // malformed
      stored = store::QualifyKey(tb.PhysicalDb(static_cast<uint8_t>(key[0])), key.substr(1));
      key = stored;
    }
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
  Status ScanSubBefore(std::string_view key, uint64_t version, std::string_view before,
                       const store::SubKeyFn& fn) override {
    return b_->ScanSubBefore(key, version, before, fn);
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
      st = b_->store()->Scan(start, [&](std::string_view key, const store::Value& v) {
        if (!key.empty() && b_->db_flushed(static_cast<uint8_t>(key[0]))) return true;  // FLUSHDB ran
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
    int64_t n = b_->flushed() ? 0 : static_cast<int64_t>(b_->store()->KeyCount());
    for (const std::string& k : b_->written()) {
      store::Value v;
      bool now = b_->GetRaw(k, &v).ok();
      bool before = false;
      if (!b_->flushed()) {
        (void)b_->store()->Scan(k, [&](std::string_view key, const store::Value&) {
          before = key == k;
          return false;
        });
      }
      n += static_cast<int>(now) - static_cast<int>(before);
    }
    return static_cast<uint64_t>(std::max<int64_t>(n, 0));
  }
  // Databases: the batch's map (a SWAPDB inside the transaction is seen), and the committed count
  // of the physical database (0 once flushed here) corrected by the keys the batch wrote in it.
  uint8_t PhysicalDb(int db) const override { return b_->PhysicalDb(db); }
  uint64_t DbKeyCount(int db) const override {
    const uint8_t p = b_->PhysicalDb(db);
    store::Store* base = b_->store();
    int64_t n = 0;
    if (!b_->flushed() && !b_->db_flushed(p)) {
      for (int i = 0; i < store::kMaxDatabases; i++) {
        if (base->PhysicalDb(i) == p) {
          n = static_cast<int64_t>(base->DbKeyCount(i));
          break;
        }
      }
    }
    for (const std::string& k : b_->written()) {
      if (k.empty() || static_cast<uint8_t>(k[0]) != p) continue;
      store::Value v;
      bool now = b_->GetRaw(k, &v).ok();
      bool before = false;
      if (!b_->flushed() && !b_->db_flushed(p)) {
        (void)base->Scan(k, [&](std::string_view key, const store::Value&) {
          before = key == k;
          return false;
        });
      }
      n += static_cast<int>(now) - static_cast<int>(before);
    }
    return static_cast<uint64_t>(std::max<int64_t>(n, 0));
  }
  // INFO keyspace only (not a data read): the committed count.
  uint64_t DbExpiresCount(int db) const override { return b_->store()->DbExpiresCount(db); }
  uint64_t applied_index() const override { return b_->store()->applied_index(); }
  int64_t log_time_ms() const override { return b_->store()->log_time_ms(); }

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
  uint64_t ApproximateMemoryBytes() override { return b_->store()->ApproximateMemoryBytes(); }
  uint64_t ApproximateDiskBytes() override { return b_->store()->ApproximateDiskBytes(); }
  uint64_t StaleSubKeysDropped() const override { return b_->store()->StaleSubKeysDropped(); }
  Status CompactAll() override { Refuse(); }

 private:
  [[noreturn]] static void Refuse() { REDRAFT_PANIC("a transaction's read view was asked to write"); }
  TxnBatch* b_;
};

}  // namespace

// --- TxnBatch ---

TxnBatch::~TxnBatch() = default;

// A write of key's record (Put: it carries index_), of its elements (it does not), or its delete
// (no record is left to carry anything).
void TxnBatch::Touch(std::string_view key, Touched what) {
  Change& c = stamps_[std::string(key)];
  c.changed = index_;
  if (what == Touched::kRecord) c.covered = index_;
  if (what == Touched::kDeleted) c.covered = 0;
}

void TxnBatch::TrackWrites() {
  REDRAFT_CHECK(!dirty_);
  tracking_ = true;
}

// Every record written here carries the entry's index: a string in its version, a collection in
// its stamp. So the change is recorded by the write itself (covered), and a collection write that
// rewrites its metadata record (XADD, LPUSH, HSET of a new field, ...) needs no stamp record.
void TxnBatch::Put(std::string_view key, const store::Value& v) {
  dirty_ = true;
  if (tracking_) written_.emplace(key);
  Touch(key, Touched::kRecord);
  const bool collection = v.type != store::ValueType::kString;
  if (collection ? v.stamp == index_ : v.version == index_ && v.stamp == 0) return inner_->Put(key, v);
  stamped_ = v;  // (a member: the copy reuses its payload's capacity, no allocation per write)
  if (collection) {
    stamped_.stamp = index_;
  } else {
    stamped_.version = index_;
    stamped_.stamp = 0;
  }
  inner_->Put(key, stamped_);
}

void TxnBatch::Delete(std::string_view key) {
  dirty_ = true;
  if (tracking_) written_.emplace(key);
  inner_->Delete(key);
  Touch(key, Touched::kDeleted);
}

void TxnBatch::DeleteAll() {
  dirty_ = true;
  inner_->DeleteAll();
  stamps_.clear();  // every key changed so far is gone: the flush stamp covers them
  written_.clear();
  flush_index_ = index_;
  flushed_ = true;
}

void TxnBatch::SwapDbs(int a, int b) {
  dirty_ = true;
  inner_->SwapDbs(a, b);
  flush_index_ = index_;  // every watched key may now name another stored key
}

void TxnBatch::DeleteDb(int db) {
  dirty_ = true;
  flushed_dbs_.set(inner_->PhysicalDb(db));
  inner_->DeleteDb(db);
  flush_index_ = index_;  // the database's keys changed without a stamp each
}

void TxnBatch::PutSub(std::string_view key, uint64_t version, std::string_view field, std::string_view value) {
  dirty_ = true;
  inner_->PutSub(key, version, field, value);
  Touch(key, Touched::kElements);
}

void TxnBatch::DeleteSub(std::string_view key, uint64_t version, std::string_view field) {
  dirty_ = true;
  inner_->DeleteSub(key, version, field);
  Touch(key, Touched::kElements);
}

// For each key whose last change in the batch is not carried by its record yet: a collection
// changed only in its elements since its record was last written gets its record rewritten with
// the stamp (one record, as the stamp record was, and none for a write that rewrote the record
// anyway); a deleted key gets a stamp record. (A string record always carries its last write:
// sub-key changes of a key that is a string now came before the string was written.)
void TxnBatch::WriteStamps() {
  std::string stamp;
  if (flush_index_) {
    PutFixed64(&stamp, flush_index_);
    inner_->PutSub("", store::kWatchVersion, kFlushField, stamp);  // after DeleteAll's range delete
    flush_index_ = 0;
  }
  store::Value v;
  for (const auto& [key, c] : stamps_) {
    if (c.covered >= c.changed) continue;
    if (inner_->GetRaw(key, &v).ok()) {
      if (store::IsCollection(v.type)) {
        v.stamp = c.changed;
        inner_->Put(key, v);
        continue;
      }
      if (v.version >= c.changed) continue;  // a string written since
    }
    stamp.clear();
    PutFixed64(&stamp, c.changed);
    inner_->PutSub(key, store::kWatchVersion, "", stamp);
  }
  stamps_.clear();
}

// The largest of what the batch has not written yet, the record's stamp (a string's version, a
// collection's stamp) and the stamp record (a deleted key's; a collection's from before stamps
// moved into its record). Each is the index of some change of the key and the last change is
// among them (or older than kWatchHorizon), so the largest is the last change.
uint64_t TxnBatch::LastChange(std::string_view key) {
  uint64_t last = 0;
  if (auto it = stamps_.find(std::string(key)); it != stamps_.end()) last = it->second.changed;  // not written yet
  store::Value v;
  if (inner_->GetRaw(key, &v).ok()) last = std::max(last, v.type == store::ValueType::kString ? v.version : v.stamp);
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

ExecPlan BuildExec(const std::vector<Argv>& queued, const WatchState& watch, int64_t now_ms, int db,
                   const std::function<std::string(const CommandSpec&, const Argv&)>& run_local,
                   const std::function<std::string(const CommandSpec&, const Argv&)>& refuse) {
  ExecPlan plan;
  Argv& out = plan.argv;
  out = {std::string(kExecName), std::to_string(watch.active ? watch.index : 0),
         std::to_string(watch.active ? watch.time_ms : 0), std::to_string(watch.active ? watch.keys.size() : 0)};
  if (watch.active) out.insert(out.end(), watch.keys.begin(), watch.keys.end());
  for (const Argv& q : queued) {
    const CommandSpec* spec = Lookup(q[0]);
    REDRAFT_CHECK(spec != nullptr);
    if (refuse) {
      if (std::string no = refuse(*spec, q); !no.empty()) {
        out.push_back("L" + no);
        continue;
      }
    }
    if (spec->is_write() && spec->apply) {
      Argv a = q;
      if (spec->prepare) {
        std::string err;
        resp::ReplyBuilder rb(&err);
        PrepareContext pc{now_ms, rb, db};
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
    } else if (spec->name == "select") {
      // Run here (it changes the connection's database, as after Redis's EXEC); the items after
      // it run in the database it selected.
      std::string reply = run_local(*spec, q);
      int64_t n;
      if (!reply.empty() && reply[0] == '+' && ParseInt64(q[1], &n) && n >= 0 && n < store::kMaxDatabases) {
        db = static_cast<int>(n);
      }
      out.push_back(EncodeSelectItem(db, reply));
    } else {
      out.push_back("L" + run_local(*spec, q));
    }
  }
  return plan;
}

void RunReadOnlyExec(const Argv& exec_argv, store::Store& base, int db, ExecContext& ctx) {
  ExecEntry e;
  REDRAFT_CHECK(ParseExec(exec_argv, &e));
  ctx.reply.ArrayHeader(e.items.size());
  Argv argv;
  for (std::string_view item : e.items) {
    if (item[0] == 'L') {
      ctx.reply.Raw(item.substr(1));
      continue;
    }
    if (item[0] == 'S') {
      std::string_view reply;
      REDRAFT_CHECK(DecodeSelectItem(item, &db, &reply));
      ctx.reply.Raw(reply);
      continue;
    }
    REDRAFT_CHECK(DecodeCommandItem(item, &argv));
    const CommandSpec* spec = Lookup(argv[0]);
    REDRAFT_CHECK(spec && IsDataRead(*spec) && spec->execute);
    store::DbStore view(base, db);
    ExecContext ictx{view, ctx.now_ms, ctx.reply, ctx.session, ctx.server};
    spec->execute(ictx, argv);
  }
}

void ForEachExecCommand(const Argv& exec_argv, int db, const std::function<void(int, const Argv&)>& fn) {
  ExecEntry e;
  if (!ParseExec(exec_argv, &e)) return;
  Argv argv;
  for (std::string_view item : e.items) {
    std::string_view reply;
    if (item[0] == 'S' && DecodeSelectItem(item, &db, &reply)) continue;
    if (item[0] != 'C' || !DecodeCommandItem(item, &argv)) continue;
    fn(db, argv);
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
  const int entry_db = ctx.db;
  for (std::string_view item : e.items) {
    if (item[0] == 'L') continue;
    std::string_view reply;
    if (item[0] == 'S' && DecodeSelectItem(item, &ctx.db, &reply)) continue;
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
  ctx.db = entry_db;
  return true;
}

void ApplyExec(ApplyContext& ctx, const Argv& argv) {
  ExecEntry e;
  // The entry's database view (store::DbBatch) sits over the TxnBatch; without a database (unit
  // tests of commands on the store itself) keys are stored keys and 'S' items change nothing.
  auto* tb = dynamic_cast<TxnBatch*>(&ctx.batch.base());
  if (!ParseExec(argv, &e) || !tb) {
    ctx.reply.Error("ERR invalid log entry: malformed redraft.exec");
    return;
  }
  const bool qualified = ctx.batch.db() >= 0;
  int db = ctx.batch.db();
  tb->TrackWrites();  // the read view needs the keys the transaction writes
  if (!e.keys.empty() && WatchConflict(*tb, e, ctx, qualified)) {
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
    if (item[0] == 'S') {  // SELECT inside MULTI: the items after it run in that database
      std::string_view reply;
      int selected = 0;
      (void)DecodeSelectItem(item, &selected, &reply);  // ParseExec checked it
      if (qualified) db = selected;
      ctx.reply.Raw(reply);
      continue;
    }
    if (!DecodeCommandItem(item, &cargv)) {
      ctx.reply.Error("ERR invalid log entry: malformed redraft.exec item");
      continue;
    }
    auto spec = ItemSpec(cargv);
    session.db = std::max(db, 0);
    acl::CheckResult denied;
    if (spec.ok() && ctx.user) denied = AclCheckEntry(*ctx.user, **spec, cargv);  // as of this log position
    if (!spec.ok()) {
      ctx.reply.Error(spec.status().message());
    } else if (denied.denial != acl::Denial::kNone) {
      ctx.reply.Error(AclExecDenialError(denied));
    } else if ((*spec)->is_write()) {
      std::optional<store::DbBatch> view;
      if (qualified) view.emplace(*tb, db);
      store::Store::Batch& target = view ? static_cast<store::Store::Batch&>(*view) : *tb;
      ApplyContext ictx{target, ctx.now_ms, ctx.reply, ctx.index, ctx.versions_used};
      ictx.notify = ctx.notify;  // keyspace notifications of the transaction's commands
      ictx.published = ctx.published;  // PUBLISH from a script inside EXEC
      ictx.access_notes = ctx.access_notes;  // RESTORE IDLETIME/FREQ inside EXEC
      ictx.acl = ctx.acl;  // a script's commands are checked against its user
      ictx.acl_log = ctx.acl_log;
      (*spec)->apply(ictx, cargv);
      ctx.versions_used = ictx.versions_used;  // collection versions stay unique in the entry
    } else {
      // Reads see the transaction's earlier writes: they run against the batch.
      std::optional<store::DbStore> view;
      if (qualified) view.emplace(tb->ReadView(), db);
      store::Store& target = view ? static_cast<store::Store&>(*view) : tb->ReadView();
      ExecContext ec{target, ctx.now_ms, ctx.reply, session, nullptr};
      (*spec)->execute(ec, cargv);
    }
  }
}

void TransactionCommandStub(ExecContext& ctx, const Argv& argv) {
  ctx.reply.Error("ERR '" + std::string(EchoArg(argv[0], 64)) + "' is carried out by the server");
}

}  // namespace redraft::commands
