// EVAL & co and SCRIPT: the log form, apply-time execution and the replicated script cache
// (scripting_cmds.h, docs/scripting.md).
#include "commands/scripting_cmds.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <optional>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "acl/registry.h"
#include "commands/acl_cmds.h"
#include "commands/args.h"
#include "commands/collection.h"
#include "commands/command_info.h"
#include "commands/databases.h"
#include "commands/denyoom.h"
#include "commands/functions_store.h"
#include "commands/scripting_cache.h"
#include "commands/scripting_log_form.h"
#include "commands/server_api.h"
#include "commands/streams_groups.h"
#include "commands/transactions.h"
#include "scripting/scripting.h"
#include "store/db_view.h"

namespace redraft::commands {
namespace {

constexpr std::string_view kScriptField = "script:";  // system namespace: "script:<sha1>" -> body
constexpr std::string_view kErrNoScript = "NOSCRIPT No matching script. Please use EVAL.";
constexpr std::string_view kErrWriteFlagRo = "ERR Can not execute a script with write flag using *_ro command.";
constexpr std::string_view kErrOom = "OOM command not allowed when used memory > 'maxmemory'.";
// Redis's scriptPrepareForRun text: a script refused whole inside EXEC (EXEC's gate judged the
// flags the script had when it was queued; these are the flags it has when it runs).
constexpr std::string_view kErrOomFlag =
    "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'";

std::atomic<uint64_t> g_max_instructions{scripting::kDefaultMaxInstructions};
std::atomic<uint64_t> g_max_memory{scripting::kDefaultMaxMemory};

std::string ErrorBytes(std::string_view msg) {
  std::string out;
  resp::ReplyBuilder(&out).Error(msg);
  return out;
}

bool IsLower(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;  // ASCII: no locale call
  return out;
}

bool ArityOk(const CommandSpec& spec, size_t argc) {
  int n = static_cast<int>(std::min<size_t>(argc, 1u << 30));
  return spec.arity > 0 ? n == spec.arity : n >= -spec.arity;
}

// The script cache (any Store or Batch: both have GetSub over stored keys).
template <typename S>
std::optional<std::string> CachedBody(S& stored, std::string_view sha) {
  std::string body;
  if (sha.size() != 40 || !stored.GetSub("", 0, std::string(kScriptField) + Lower(sha), &body).ok()) return std::nullopt;
  return body;
}

// numkeys as Redis's evalGenericCommand checks it: argv[2] of EVAL-like argv.
// Returns the error text, or empty.
std::string CheckNumkeys(const Argv& argv, size_t numkeys_pos, int64_t* numkeys) {
  if (!ParseInt64(argv[numkeys_pos], numkeys)) return "ERR value is not an integer or out of range";
  if (*numkeys > static_cast<int64_t>(argv.size() - numkeys_pos - 1)) {
    return "ERR Number of keys can't be greater than number of args";
  }
  if (*numkeys < 0) return "ERR Number of keys can't be negative";
  return "";
}

// What redis.call does for a script. Shared by the apply-time host (write scripts, over the
// entry's batch) and the read host (read-only scripts, over the node's store).
class HostBase : public scripting::Host {
 public:
  HostBase(int db, int64_t now_ms, bool read_only) : db_(db), now_ms_(now_ms), read_only_(read_only) {}

  // The calling user's permissions apply to every command the script calls (Redis's
  // scriptCall -> ACLCheckAllPerm). No user set: nothing is checked.
  void SetUser(std::shared_ptr<const acl::User> user, bool missing) {
    user_ = std::move(user);
    user_missing_ = missing;
  }

  int AclCheck(const std::vector<std::string>& argv) override {
    const CommandSpec* spec = Lookup(argv[0]);
    if (!spec || (spec->flags & kInternal)) return -1;
    return Denied(*spec, argv, /*record=*/false).empty() ? 1 : 0;  // a question, not a denial
  }

  // Denials of redis.call go to this ACL LOG (as Redis's, context "lua"), with client_info.
  // client_info is asked only when something is denied.
  void SetDenialLog(acl::DenialLog* log, std::function<std::string()> client_info) {
    denial_log_ = log;
    client_info_ = std::move(client_info);
  }

  // redis.log: to the server log (on every replica that runs the script), as Redis's levels map.
  void Log(int level, std::string_view msg) override {
    static constexpr spdlog::level::level_enum kLevels[] = {spdlog::level::debug, spdlog::level::debug,
                                                            spdlog::level::info, spdlog::level::warn};
    spdlog::log(kLevels[std::clamp(level, 0, 3)], "script: {}", msg);
  }

  // The script started over maxmemory (the entry's OOM mark) and has no allow-oom flag: its
  // first denyoom command is refused unless it already called a write (Redis's scriptVerifyOOM:
  // a script that changed something cannot be stopped half-way).
  void SetOomAtStart(bool oom) { oom_at_start_ = oom; }

  std::string Call(const std::vector<std::string>& argv, int proto) override {
    const CommandSpec* spec = Lookup(argv[0]);
    if (!spec || (spec->flags & kInternal)) return ErrorBytes("ERR Unknown Redis command called from script");
    if (!ArityOk(*spec, argv.size())) return ErrorBytes("ERR Wrong number of args calling Redis command from script");
    if (spec->flags & kNoScript) return ErrorBytes("ERR This Redis command is not allowed from script");
    if (std::string denied = Denied(*spec, argv); !denied.empty()) return ErrorBytes(denied);
    if (spec->is_write() && read_only_) return ErrorBytes("ERR Write commands are not allowed from read-only scripts.");
    if (oom_at_start_ && !wrote_) {  // only then does wrote_ matter
      const CommandSpec* named = LookupArgv(argv);  // "xgroup|create": flags are per subcommand
      if (!named) named = spec;
      if (IsDenyOom(*named)) return ErrorBytes(kErrOom);
      if (named->is_write() || spec->is_write()) wrote_ = true;  // before it runs, whatever it answers (as Redis)
    }
    // XGROUP's writes and XINFO's reads run as their internal forms (streams_groups.h).
    if (spec->name == "xgroup" || spec->name == "xinfo") {
      Argv formed = argv;
      XgroupFormInMulti(&formed);
      if (formed[0] != argv[0]) return CallForm(*Lookup(formed[0]), formed, proto);
    }
    return CallForm(*spec, argv, proto);
  }

  // Call's work once the command is known, allowed and in the form it runs as.
  std::string CallForm(const CommandSpec& spec_ref, const std::vector<std::string>& argv, int proto) {
    const CommandSpec* spec = &spec_ref;
    std::string out;
    resp::ReplyBuilder rb(&out, proto);
    if (spec->is_write()) {
      if (read_only_) return ErrorBytes("ERR Write commands are not allowed from read-only scripts.");
      if (!spec->apply) return ErrorBytes("ERR This Redis command is not allowed from script");
      if (!spec->prepare) {
        Write(*spec, argv, rb);
        return out;
      }
      Argv a = argv;  // prepare may rewrite it (e.g. relative times -> absolute)
      PrepareContext pc{now_ms_, rb, std::max(db_, 0)};
      if (!spec->prepare(pc, a)) {
        if (out.empty()) rb.Error(kErrSyntax);
        return out;
      }
      Write(*spec, a, rb);
      return out;
    }
    if (spec->name == "select") return Select(argv[1]);
    if (spec->name == "time") {  // the entry's time: the same on every replica
      rb.ArrayHeader(2);
      rb.Bulk(std::to_string(now_ms_ / 1000));
      rb.Bulk(std::to_string((now_ms_ % 1000) * 1000));
      return out;
    }
    if (spec->name == "publish" || spec->name == "spublish") {
      // As Redis, a read-only script may not publish (PUBLISH may replicate). A write script
      // publishes on every node as the entry applies there (ApplyHost::Publish); the reply is 0
      // on every replica: a receiver count would differ between nodes (docs/scripting.md).
      if (read_only_ || !deterministic_) return ErrorBytes("ERR Write commands are not allowed from read-only scripts.");
      Publish(spec->name == "spublish", argv[1], argv[2]);
      rb.Integer(0);
      return out;
    }
    if (spec->name == "randomkey" && deterministic_) {
      // Its randomness is process-local (keys.cc): replicas would answer differently.
      return ErrorBytes("ERR RANDOMKEY is not available to write scripts (it would differ between replicas)");
    }
    if (IsDataRead(*spec) || spec->name == "ping" || spec->name == "echo") {
      if (!spec->execute) return ErrorBytes("ERR This Redis command is not allowed from script");
      Read(*spec, argv, rb);
      return out;
    }
    // Server and connection commands (CONFIG, CLIENT, INFO, ...) would answer differently on
    // each replica: not available to scripts here (docs/scripting.md).
    return ErrorBytes("ERR This Redis command is not allowed from script");
  }

 protected:
  virtual void Write(const CommandSpec& spec, const Argv& argv, resp::ReplyBuilder& rb) = 0;
  virtual void Read(const CommandSpec& spec, const Argv& argv, resp::ReplyBuilder& rb) = 0;
  virtual void Publish(bool /*shard*/, const std::string& /*channel*/, const std::string& /*message*/) {}

  // SELECT inside a script changes the script's database only (Redis 7.0).
  std::string Select(const std::string& arg) {
    int64_t n;
    if (!ParseInt64(arg, &n)) return ErrorBytes("ERR value is not an integer or out of range");
    if (n < 0 || n >= DatabaseCount() || db_ < 0) return ErrorBytes("ERR DB index is out of range");
    db_ = static_cast<int>(n);
    return "+OK\r\n";
  }

  // Redis 7.0's texts for a denial inside a script, or empty if allowed. record: the denial
  // goes to the ACL LOG (Redis's scriptCall -> addACLLogEntry with ACL_LOG_CTX_LUA).
  std::string Denied(const CommandSpec& spec, const Argv& argv, bool record = true) const {
    if (user_missing_) return "ERR The user executing the script can't run this command or subcommand";
    if (!user_ || user_->unrestricted()) return "";
    acl::CheckResult r = commands::AclCheck(*user_, spec, argv);
    if (record && r.denial != acl::Denial::kNone && denial_log_) {
      acl::LogEntry e;
      e.reason = r.denial;
      e.context = "lua";
      e.object = r.denial == acl::Denial::kCommand ? AclCommandSet().at(AclCommandId(spec, argv)).fullname
                                                  : argv[r.argpos];
      e.username = user_->name();
      e.ctime_ms = now_ms_;
      e.client_info = client_info_ ? client_info_() : std::string();
      denial_log_->Add(std::move(e));
    }
    switch (r.denial) {
      case acl::Denial::kNone: return "";
      case acl::Denial::kKey:
        return "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments";
      case acl::Denial::kChannel:
        return "ERR The user executing the script can't publish to the channel mentioned in the command";
      default: return "ERR The user executing the script can't run this command or subcommand";
    }
  }

  std::shared_ptr<const acl::User> user_;
  bool user_missing_ = false;
  bool oom_at_start_ = false;
  bool wrote_ = false;  // a write command was called (Redis's SCRIPT_WRITE_DIRTY)
  acl::DenialLog* denial_log_ = nullptr;
  std::function<std::string()> client_info_;
  int db_;  // the script's database (-1: stored keys, unit tests without databases)
  bool deterministic_ = false;  // runs on every replica: every answer must be the same
  int64_t now_ms_;
  bool read_only_;
};

// At apply time: over the entry's TxnBatch, so reads see the script's own earlier writes.
class ApplyHost : public HostBase {
 public:
  ApplyHost(ApplyContext& ctx, TxnBatch* tb, bool read_only)
      : HostBase(ctx.batch.db(), ctx.now_ms, read_only), ctx_(ctx), tb_(tb) {
    deterministic_ = true;
    // Random reads (SRANDMEMBER, HRANDFIELD, ZRANDMEMBER) draw from ReadRng: seeded from the
    // entry's index for the script, they pick the same members on every replica. Seeded at its
    // first use only (most scripts draw nothing; seeding costs ~1 us).
    SeedReadRngLazily(ctx.index ^ 0x5c1a7e5eedULL);
  }
  ~ApplyHost() override { SeedReadRngLazily(std::nullopt); }  // unused: not left to a later read

 protected:
  void Write(const CommandSpec& spec, const Argv& argv, resp::ReplyBuilder& rb) override {
    std::optional<store::DbBatch> view;
    if (db_ >= 0) view.emplace(*tb_, db_);
    store::Store::Batch& target = view ? static_cast<store::Store::Batch&>(*view) : *tb_;
    ApplyContext ictx{target, ctx_.now_ms, rb, ctx_.index, ctx_.versions_used};
    ictx.notify = ctx_.notify;  // a script's writes emit keyspace notifications like any write
    ictx.published = ctx_.published;
    spec.apply(ictx, argv);
    ctx_.versions_used = ictx.versions_used;  // collection versions stay unique in the entry
  }
  void Publish(bool shard, const std::string& channel, const std::string& message) override {
    if (ctx_.published) ctx_.published->push_back(ScriptMessage{shard, channel, message});
  }
  void Read(const CommandSpec& spec, const Argv& argv, resp::ReplyBuilder& rb) override {
    std::optional<store::DbStore> view;
    if (db_ >= 0) view.emplace(tb_->ReadView(), db_);
    store::Store& target = view ? static_cast<store::Store&>(*view) : tb_->ReadView();
    Session session;
    session.proto = rb.proto();
    session.db = std::max(db_, 0);
    ExecContext ec{target, ctx_.now_ms, rb, session, nullptr};
    spec.execute(ec, argv);
  }

 private:
  ApplyContext& ctx_;
  TxnBatch* tb_;
};

// A read-only script on the node the client is connected to.
class ReadHost : public HostBase {
 public:
  ReadHost(store::Store& base, int db, int64_t now_ms) : HostBase(db, now_ms, true), base_(base) {}

 protected:
  void Write(const CommandSpec&, const Argv&, resp::ReplyBuilder&) override {}  // never: read_only
  void Read(const CommandSpec& spec, const Argv& argv, resp::ReplyBuilder& rb) override {
    store::DbStore view(base_, db_);
    Session session;
    session.proto = rb.proto();
    session.db = db_;
    ExecContext ec{view, now_ms_, rb, session, nullptr};
    spec.execute(ec, argv);
  }

 private:
  store::Store& base_;
};

// ACL LOG's client-info for a denial inside a write script: it is recorded at apply time by every
// node, where the calling connection is unknown (it may be on another node): the entry instead.
std::string AppliedClientInfo(const ApplyContext& ctx, std::string_view user) {
  return "log-index=" + std::to_string(ctx.index) + " user=" + std::string(user) + " (write script, applied on every node)";
}

// ... and inside a read-only script, on the client's node: its CLIENT LIST line, as Redis's.
std::string LocalClientInfo(ExecContext& ctx) {
  std::string info = ctx.server ? ctx.server->ClientList({ctx.session.id}) : std::string();
  while (!info.empty() && info.back() == '\n') info.pop_back();
  return info;
}

scripting::RunOptions Options(uint64_t instructions, uint64_t memory, bool read_only, uint64_t seed) {
  scripting::RunOptions o;
  o.seed = static_cast<int32_t>(seed);
  o.limits.max_instructions = instructions;
  o.limits.max_memory = memory;
  o.read_only = read_only;
  return o;
}

// --- redraft.eval ---

struct EvalEntry {
  uint64_t max_instructions = 0, max_memory = 0;
  std::string_view user;    // the calling user (empty: not checked: unrestricted when sent)
  bool by_sha = false;
  bool function = false;    // FCALL: script is the function's name
  bool read_only = false;   // EVAL_RO / EVALSHA_RO / FCALL_RO queued in MULTI (lower-case kind)
  bool oom = false;         // proposed over maxmemory (kOomMark or kOomMarkExec)
  bool oom_in_exec = false; // kOomMarkExec: queued in MULTI, over maxmemory at EXEC
  std::string_view script;  // body, sha or function name
  scripting::Strings keys, args;  // views into the entry's argv
};

bool ParseEval(const Argv& argv, EvalEntry* e) {
  int64_t ins, mem, numkeys;
  if (argv.size() < 5) return false;
  std::string_view script = EvalScriptArg(argv[4]);
  if (argv.size() < 6 || !ParseInt64(argv[1], &ins) || ins <= 0 || !ParseInt64(argv[2], &mem) || mem <= 0 ||
      script.empty() || !std::strchr("BSFbsf", script[0]) || !CheckNumkeys(argv, 5, &numkeys).empty()) {
    return false;
  }
  e->oom = script.size() < argv[4].size();
  e->oom_in_exec = argv[4].starts_with(kOomMarkExec);
  e->read_only = script[0] >= 'a';
  e->max_instructions = static_cast<uint64_t>(ins);
  e->max_memory = static_cast<uint64_t>(mem);
  e->user = argv[3];
  e->by_sha = script[0] == 'S' || script[0] == 's';
  e->function = script[0] == 'F' || script[0] == 'f';
  e->script = script.substr(1);
  e->keys = scripting::Strings(argv.begin() + 6, static_cast<size_t>(numkeys));
  e->args = scripting::Strings(argv.begin() + 6 + numkeys, argv.end());
  return true;
}

bool PrepareEval(PrepareContext& ctx, Argv& argv) {
  EvalEntry e;
  if (!ParseEval(argv, &e)) {
    ctx.reply.Error("ERR invalid log entry: malformed redraft.eval");
    return false;
  }
  return true;
}

// FCALL: the function's library, as of this entry, runs in a fresh state (functions.cc).
// The function (and its library's code) as of this entry: from the mirror, else the batch.
const ScriptMirror::Function* AppliedFunction(ApplyContext& ctx, TxnBatch* tb, std::string_view name,
                                              ScriptMirror::Function* scratch) {
  if (ctx.scripts) {
    if (const auto* fn = ctx.scripts->FindFunction(name)) return fn;
  }
  auto ref = FindFunction(*tb, name);
  std::optional<std::string> code;
  if (ref) code = LibraryCode(*tb, ref->library);
  if (!code) return nullptr;
  scratch->library = std::move(ref->library);
  scratch->no_writes = ref->no_writes;
  scratch->code = std::make_shared<const std::string>(std::move(*code));
  if (ctx.scripts) ctx.scripts->NoteFunction(name, *scratch);
  return scratch;
}

void ApplyFcall(ApplyContext& ctx, TxnBatch* tb, const EvalEntry& e) {
  ScriptMirror::Function scratch;
  const ScriptMirror::Function* fn = AppliedFunction(ctx, tb, e.script, &scratch);
  if (!fn) return ctx.reply.Error("ERR Function not found");
  std::shared_ptr<const std::string> code = fn->code;  // fn may go when the mirror is forgotten
  if (e.read_only && !fn->no_writes) return ctx.reply.Error(kErrWriteFlagRo);
  // Redis's scriptPrepareForRun: a function that may write, without allow-oom, is refused whole.
  bool allow_oom = e.oom && FunctionAllowsOom(*code, e.script);
  if (e.oom && !fn->no_writes && !allow_oom) return ctx.reply.Error(e.oom_in_exec ? kErrOomFlag : kErrOom);
  ApplyHost host(ctx, tb, fn->no_writes);
  host.SetOomAtStart(e.oom && !allow_oom);
  if (!e.user.empty() && ctx.acl) {
    auto user = ctx.acl->Find(std::string(e.user));
    host.SetUser(user, user == nullptr);
    host.SetDenialLog(ctx.acl_log, [&] { return AppliedClientInfo(ctx, e.user); });
  }
  scripting::CallFunction(*code, e.script, e.keys, e.args, host,
                          Options(e.max_instructions, e.max_memory, fn->no_writes, ctx.index), ctx.reply);
}

void ApplyEval(ApplyContext& ctx, const Argv& argv) {
  EvalEntry e;
  auto* tb = dynamic_cast<TxnBatch*>(&ctx.batch.base());
  if (!ParseEval(argv, &e) || !tb) return ctx.reply.Error("ERR invalid log entry: malformed redraft.eval");
  // The batch tracks its writes from its start (MayBeScript): the read view needs them.
  if (e.function) return ApplyFcall(ctx, tb, e);
  // body views the mirror's copy (nothing changes the mirror while the script runs: a script
  // cannot call SCRIPT or FUNCTION), the stored record (read into stored) or the entry.
  std::string sha, stored;
  std::string_view body;
  if (e.by_sha) {
    sha = IsLower(e.script) ? std::string(e.script) : Lower(e.script);  // lower-case when proposed by redraft
    if (const std::string* mirrored = ctx.scripts ? ctx.scripts->Body(sha) : nullptr) {
      body = *mirrored;
    } else {
      auto cached = CachedBody(*tb, sha);
      if (!cached) return ctx.reply.Error(kErrNoScript);
      stored = std::move(*cached);
      body = stored;
      if (ctx.scripts) ctx.scripts->NoteBody(sha, stored);
    }
  } else {
    body = e.script;
    sha = scripting::Sha1Hex(body);
  }
  auto flags = scripting::ParseShebang(body, nullptr);
  if (e.read_only && flags.ok() && flags->shebang && !flags->no_writes) return ctx.reply.Error(kErrWriteFlagRo);
  bool read_only = e.read_only || (flags.ok() && flags->no_writes);
  bool allow_oom = flags.ok() && flags->allow_oom;
  // Redis's scriptPrepareForRun: a shebang script that may write, without allow-oom, is refused
  // whole; one without a shebang runs, and its first denyoom command before any write is refused.
  if (e.oom && flags.ok() && flags->shebang && !read_only && !allow_oom) {
    return ctx.reply.Error(e.oom_in_exec ? kErrOomFlag : kErrOom);
  }
  ApplyHost host(ctx, tb, read_only);
  host.SetOomAtStart(e.oom && !allow_oom);
  if (!e.user.empty() && ctx.acl) {
    auto user = ctx.acl->Find(std::string(e.user));  // the users as of this entry
    host.SetUser(user, user == nullptr);
    host.SetDenialLog(ctx.acl_log, [&] { return AppliedClientInfo(ctx, e.user); });
  }
  bool compiled = scripting::Run(body, sha, e.keys, e.args, host, Options(e.max_instructions, e.max_memory, read_only, ctx.index),
                                 ctx.reply);
  // EVAL caches what compiled (as Redis does), whatever the script then did.
  if (compiled && !e.by_sha) {
    bool mirrored = ctx.scripts && ctx.scripts->Body(sha);  // mirrored: stored (scripting_cache.h)
    if (!mirrored && !CachedBody(*tb, sha)) tb->PutSub("", 0, std::string(kScriptField) + sha, body);
    if (ctx.scripts) ctx.scripts->NoteBody(sha, std::string(body));
  }
}

// --- the cache ---

bool PrepareScriptLoad(PrepareContext& ctx, Argv& argv) {
  if (argv[1].size() > scripting::kMaxScriptBytes) {
    ctx.reply.Error("ERR script is larger than the 4 MiB redraft accepts (docs/scripting.md)");
    return false;
  }
  return true;
}

void ApplyScriptLoad(ApplyContext& ctx, const Argv& argv) {
  auto* tb = dynamic_cast<TxnBatch*>(&ctx.batch.base());
  store::Store::Batch& stored = tb ? static_cast<store::Store::Batch&>(*tb) : ctx.batch;
  std::string sha = scripting::Sha1Hex(argv[1]);
  std::string err;
  if (!scripting::Compile(argv[1], &err)) return ctx.reply.Error(err);
  if (!CachedBody(stored, sha)) stored.PutSub("", 0, std::string(kScriptField) + sha, argv[1]);
  ctx.reply.Bulk(sha);
}

bool PrepareScriptFlush(PrepareContext& ctx, Argv& argv) {
  if (argv.size() > 2 || (argv.size() == 2 && !EqualsIgnoreCase(argv[1], "sync") && !EqualsIgnoreCase(argv[1], "async"))) {
    ctx.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return false;
  }
  return true;
}

void ApplyScriptFlush(ApplyContext& ctx, const Argv&) {
  auto* tb = dynamic_cast<TxnBatch*>(&ctx.batch.base());
  store::Store::Batch& stored = tb ? static_cast<store::Store::Batch&>(*tb) : ctx.batch;
  std::vector<std::string> fields;
  (void)stored.ScanSub("", 0, kScriptField, [&](std::string_view field, std::string_view) {
    if (!field.starts_with(kScriptField)) return false;
    fields.emplace_back(field);
    return true;
  });
  for (const auto& f : fields) stored.DeleteSub("", 0, f);
  ctx.reply.Ok();
}

// --- the client commands ---

store::Store* StoredKeys(ExecContext& ctx) { return ctx.server ? ctx.server->stored_keys() : nullptr; }

// EVAL_RO / EVALSHA_RO (and no-writes scripts routed here by ScriptForm): run now, on this node.
void EvalRo(ExecContext& ctx, const Argv& argv) {
  int64_t numkeys;
  if (std::string err = CheckNumkeys(argv, 2, &numkeys); !err.empty()) return ctx.reply.Error(err);
  store::Store* base = StoredKeys(ctx);
  if (!base) return ctx.reply.Error("ERR read-only scripts cannot run inside MULTI here (docs/scripting.md)");
  bool by_sha = EqualsIgnoreCase(argv[0], "evalsha") || EqualsIgnoreCase(argv[0], "evalsha_ro");
  std::string body, sha;
  if (by_sha) {
    auto cached = CachedBody(*base, argv[1]);
    if (!cached) return ctx.reply.Error(kErrNoScript);
    body = std::move(*cached);
    sha = Lower(argv[1]);
  } else {
    body = argv[1];
    sha = scripting::Sha1Hex(body);
  }
  if (body.starts_with("#!")) {
    auto flags = scripting::ParseShebang(body, nullptr);
    if (flags.ok() && !flags->no_writes) {
      // Redis's scriptPrepareForRun checks OOM before the *_ro command.
      if (!flags->allow_oom && ctx.server && ctx.server->ScriptOutOfMemory()) return ctx.reply.Error(kErrOom);
      return ctx.reply.Error(kErrWriteFlagRo);
    }
  }
  scripting::Strings keys(argv.begin() + 3, static_cast<size_t>(numkeys));
  scripting::Strings args(argv.begin() + 3 + numkeys, argv.end());
  ReadHost host(*base, ctx.session.db, ctx.now_ms);
  if (acl::Registry* reg = ctx.server->acl()) {
    auto user = reg->Find(ctx.session.user);
    host.SetUser(user, user == nullptr);
    host.SetDenialLog(&reg->log(), [&] { return LocalClientInfo(ctx); });
  }
  scripting::Run(body, sha, keys, args, host,
                 Options(g_max_instructions.load(), g_max_memory.load(), /*read_only=*/true, static_cast<uint64_t>(ctx.now_ms)), ctx.reply);
}

// FCALL_RO: a read on this node; the function must be flagged no-writes.
void FcallRo(ExecContext& ctx, const Argv& argv) {
  int64_t numkeys;
  if (std::string err = CheckNumkeys(argv, 2, &numkeys); !err.empty()) return ctx.reply.Error(err);
  store::Store* base = StoredKeys(ctx);
  if (!base) return ctx.reply.Error("ERR read-only functions cannot run inside MULTI here (docs/scripting.md)");
  auto fn = FindFunction(*base, argv[1]);
  std::optional<std::string> code;
  if (fn) code = LibraryCode(*base, fn->library);
  if (!code) return ctx.reply.Error("ERR Function not found");
  if (!fn->no_writes) {
    // Redis's scriptPrepareForRun checks OOM before the *_ro command.
    if (ctx.server && ctx.server->ScriptOutOfMemory() && !FunctionAllowsOom(*code, argv[1])) return ctx.reply.Error(kErrOom);
    return ctx.reply.Error(kErrWriteFlagRo);
  }
  scripting::Strings keys(argv.begin() + 3, static_cast<size_t>(numkeys));
  scripting::Strings args(argv.begin() + 3 + numkeys, argv.end());
  ReadHost host(*base, ctx.session.db, ctx.now_ms);
  if (acl::Registry* reg = ctx.server->acl()) {
    auto user = reg->Find(ctx.session.user);
    host.SetUser(user, user == nullptr);
    host.SetDenialLog(&reg->log(), [&] { return LocalClientInfo(ctx); });
  }
  scripting::CallFunction(*code, argv[1], keys, args, host,
                          Options(g_max_instructions.load(), g_max_memory.load(), true, static_cast<uint64_t>(ctx.now_ms)),
                          ctx.reply);
}

// EVAL/EVALSHA reach their execute only when ScriptForm left them alone: a bad numkeys (answered
// here, before the log) or inside MULTI.
void EvalStub(ExecContext& ctx, const Argv& argv) {
  int64_t numkeys;
  if (std::string err = CheckNumkeys(argv, 2, &numkeys); !err.empty()) return ctx.reply.Error(err);
  if (argv[1].size() > scripting::kMaxScriptBytes) {
    return ctx.reply.Error("ERR script is larger than the 4 MiB redraft accepts (docs/scripting.md)");
  }
  ctx.reply.Error("ERR EVAL and EVALSHA are not supported inside MULTI by redraft (docs/scripting.md)");
}

void ScriptExists(ExecContext& ctx, const Argv& argv) {
  store::Store* base = StoredKeys(ctx);
  ctx.reply.ArrayHeader(argv.size() - 1);
  for (size_t i = 1; i < argv.size(); i++) ctx.reply.Integer(base && CachedBody(*base, argv[i]) ? 1 : 0);
}

void ScriptKill(ExecContext& ctx, const Argv&) {
  // Scripts stop by themselves at their instruction budget (the same point on every replica);
  // none is ever running between two commands of the event loop.
  ctx.reply.Error("NOTBUSY No scripts in execution right now.");
}

void ScriptHelp(ExecContext& ctx, const Argv&) {
  static constexpr std::string_view kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (auto line : kLines) ctx.reply.SimpleString(line);
}

// SCRIPT LOAD / FLUSH reach execute only with bad arguments (ScriptForm routes the others).
void ScriptLoadStub(ExecContext& ctx, const Argv& argv) {
  std::string out;
  resp::ReplyBuilder rb(&out);
  PrepareContext pc{ctx.now_ms, rb, ctx.session.db};
  Argv a(argv.begin() + 1, argv.end());
  if (!PrepareScriptLoad(pc, a)) return ctx.reply.Raw(out);
  ctx.reply.Error("ERR SCRIPT LOAD is carried out through the log");
}

void ScriptFlushStub(ExecContext& ctx, const Argv& argv) {
  std::string out;
  resp::ReplyBuilder rb(&out);
  PrepareContext pc{ctx.now_ms, rb, ctx.session.db};
  Argv a(argv.begin() + 1, argv.end());
  if (!PrepareScriptFlush(pc, a)) return ctx.reply.Raw(out);
  ctx.reply.Error("ERR SCRIPT FLUSH is carried out through the log");
}

void ScriptContainer(ExecContext& ctx, const Argv& argv);

// SCRIPT DEBUG: Redis's Lua debugger (LDB) is not implemented; NO is accepted.
void ScriptDebug(ExecContext& ctx, const Argv& argv) {
  if (EqualsIgnoreCase(argv[2], "no")) return ctx.reply.Ok();
  if (EqualsIgnoreCase(argv[2], "yes") || EqualsIgnoreCase(argv[2], "sync")) {
    return ctx.reply.Error("ERR SCRIPT DEBUG (the Lua debugger) is not supported by redraft");
  }
  ctx.reply.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

constexpr KeySpec kEvalKeys[] = {{.flags = "RW access update", .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1,
                                  .notes = "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"}};
constexpr KeySpec kEvalshaKeys[] = {{.flags = "RW access update", .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}};
constexpr KeySpec kEvalRoKeys[] = {{.flags = "RO access", .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1,
                                    .notes = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"}};
constexpr KeySpec kEvalKeysFcall[] = {{.flags = "RW access update", .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1,
                                       .notes = "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"}};
constexpr KeySpec kEvalRoKeysFcall[] = {{.flags = "RO access", .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1,
                                         .notes = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"}};
constexpr KeySpec kEvalshaRoKeys[] = {{.flags = "RO access", .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}};

// In Redis 7.0's COMMAND INFO order.
const CommandSpec kScriptSubcommands[] = {
    {.name = "script|debug", .arity = 3, .flags = kNoScript, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "3.2.0", .summary = "Set the debug mode for executed scripts.",
     .complexity = "O(1)", .execute = &ScriptDebug,
     .args = "mode:oneof(yes:pure-token=YES sync:pure-token=SYNC no:pure-token=NO)"},
    {.name = "script|exists", .arity = -3, .flags = kNoScript, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "2.6.0", .summary = "Check existence of scripts in the script cache.",
     .complexity = "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
     .execute = &ScriptExists, .tips = "request_policy:all_shards response_policy:agg_logical_and",
     .args = "sha1:string*"},
    {.name = "script|flush", .arity = -2, .flags = kNoScript, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "2.6.0", .summary = "Remove all the scripts from the script cache.",
     .complexity = "O(N) with N being the number of scripts in cache", .execute = &ScriptFlushStub,
     .tips = "request_policy:all_nodes response_policy:all_succeeded",
     .args = "async:oneof/6.2.0?(async:pure-token=ASYNC sync:pure-token=SYNC)",
     .history = "6.2.0 Added the `ASYNC` and `SYNC` flushing mode modifiers."},
    {.name = "script|kill", .arity = 2, .flags = kNoScript | kAllowBusy, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "2.6.0", .summary = "Kill the script currently in execution.",
     .complexity = "O(1)", .execute = &ScriptKill, .tips = "request_policy:all_shards response_policy:one_succeeded"},
    {.name = "script|help", .arity = 2, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "5.0.0", .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)", .execute = &ScriptHelp},
    {.name = "script|load", .arity = 3, .flags = kNoScript | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "2.6.0", .summary = "Load the specified Lua script into the script cache.",
     .complexity = "O(N) with N being the length in bytes of the script body.", .execute = &ScriptLoadStub,
     .tips = "request_policy:all_nodes response_policy:all_succeeded", .args = "script:string"},
    {},
};

void ScriptContainer(ExecContext& ctx, const Argv& argv) {
  for (const CommandSpec* c = kScriptSubcommands; !c->name.empty(); ++c) {
    if (EqualsIgnoreCase(c->name.substr(7), argv[1])) {
      if (!ArityOk(*c, argv.size())) return ctx.reply.Error(WrongArity(c->name));
      return c->execute(ctx, argv);
    }
  }
  ctx.reply.Error(UnknownSubcommand(argv));
}

}  // namespace

// Rewrites EVAL/EVALSHA/FCALL argv into redraft.eval's (defined below ScriptForm).
const CommandSpec* EvalWriteForm(Argv* argv, bool function, bool by_sha, const acl::User* user,
                                 bool read_only = false);

const CommandSpec kScriptingCommands[] = {
    {.name = "eval", .arity = -3, .flags = kNoScript | kSkipMonitor | kStale | kNoMandatoryKeys, .first_key = 0,
     .last_key = 0, .key_step = 0, .group = "scripting", .since = "2.6.0", .summary = "Execute a Lua script server side",
     .complexity = "Depends on the script that is executed.", .execute = &EvalStub, .key_specs = kEvalKeys,
     .args = "script:string numkeys:integer key:key@0?* arg:string?*"},
    {.name = "evalsha", .arity = -3, .flags = kNoScript | kSkipMonitor | kStale | kNoMandatoryKeys, .first_key = 0,
     .last_key = 0, .key_step = 0, .group = "scripting", .since = "2.6.0", .summary = "Execute a Lua script server side",
     .complexity = "Depends on the script that is executed.", .execute = &EvalStub, .key_specs = kEvalshaKeys,
     .args = "sha1:string numkeys:integer key:key@0?* arg:string?*"},
    {.name = "eval_ro", .arity = -3, .flags = kNoScript | kSkipMonitor | kNoMandatoryKeys | kStale | kReadonly,
     .first_key = 0, .last_key = 0, .key_step = 0, .group = "scripting", .since = "7.0.0",
     .summary = "Execute a read-only Lua script server side", .complexity = "Depends on the script that is executed.",
     .execute = &EvalRo, .key_specs = kEvalRoKeys, .args = "script:string numkeys:integer key:key@0?* arg:string?*"},
    {.name = "evalsha_ro", .arity = -3, .flags = kNoScript | kSkipMonitor | kNoMandatoryKeys | kStale | kReadonly,
     .first_key = 0, .last_key = 0, .key_step = 0, .group = "scripting", .since = "7.0.0",
     .summary = "Execute a read-only Lua script server side", .complexity = "Depends on the script that is executed.",
     .execute = &EvalRo, .key_specs = kEvalshaRoKeys, .args = "sha1:string numkeys:integer key:key@0?* arg:string?*"},
    {.name = "fcall", .arity = -3, .flags = kNoScript | kSkipMonitor | kNoMandatoryKeys | kStale, .first_key = 0,
     .last_key = 0, .key_step = 0, .group = "scripting", .since = "7.0.0", .summary = "Invoke a function",
     .complexity = "Depends on the function that is executed.", .execute = &EvalStub, .key_specs = kEvalKeysFcall,
     .args = "function:string numkeys:integer key:key@0?* arg:string?*"},
    {.name = "fcall_ro", .arity = -3, .flags = kNoScript | kSkipMonitor | kNoMandatoryKeys | kStale | kReadonly,
     .first_key = 0, .last_key = 0, .key_step = 0, .group = "scripting", .since = "7.0.0",
     .summary = "Invoke a read-only function", .complexity = "Depends on the function that is executed.",
     .execute = &FcallRo, .key_specs = kEvalRoKeysFcall, .args = "function:string numkeys:integer key:key@0?* arg:string?*"},
    {.name = "script", .arity = -2, .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0, .group = "scripting",
     .since = "2.6.0", .summary = "A container for Lua scripts management commands",
     .complexity = "Depends on subcommand.", .execute = &ScriptContainer, .subcommands = kScriptSubcommands},
    // Internal forms (ScriptForm).
    {.name = "redraft.eval", .arity = -6, .flags = kWrite | kInternal, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "0.1.0", .summary = "Internal: one write script (docs/scripting.md)",
     .complexity = "Depends on the script", .prepare = &PrepareEval, .apply = &ApplyEval},
    {.name = "redraft.scriptload", .arity = 2, .flags = kWrite | kInternal, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "scripting", .since = "0.1.0", .summary = "Internal: SCRIPT LOAD",
     .complexity = "O(N)", .prepare = &PrepareScriptLoad, .apply = &ApplyScriptLoad},
    {.name = "redraft.scriptflush", .arity = -1, .flags = kWrite | kInternal, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "scripting", .since = "0.1.0", .summary = "Internal: SCRIPT FLUSH",
     .complexity = "O(N)", .prepare = &PrepareScriptFlush, .apply = &ApplyScriptFlush},
    {.name = "redraft.scriptexists", .arity = -2, .flags = kReadonly | kInternal, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "scripting", .since = "0.1.0", .summary = "Internal: SCRIPT EXISTS (a read)",
     .complexity = "O(N)", .execute = &ScriptExists},
    {},
};

void ScriptForm(const CommandSpec** spec, Argv* argv, store::Store& base, const acl::User* user) {
  std::string_view name = (*spec)->name;
  if (name == "script" && argv->size() >= 2) {
    const std::string& sub = (*argv)[1];
    Argv a(argv->begin() + 1, argv->end());
    if (EqualsIgnoreCase(sub, "load") && argv->size() == 3) {
      a[0] = "redraft.scriptload";
    } else if (EqualsIgnoreCase(sub, "flush") && argv->size() <= 3) {
      a[0] = "redraft.scriptflush";
      std::string err;
      resp::ReplyBuilder rb(&err);
      PrepareContext pc{0, rb, 0};
      if (!PrepareScriptFlush(pc, a)) return;  // its execute answers the error
    } else if (EqualsIgnoreCase(sub, "exists") && argv->size() >= 3) {
      a[0] = "redraft.scriptexists";
    } else {
      return;
    }
    *spec = Lookup(a[0]);
    *argv = std::move(a);
    return;
  }
  if (name == "function") return FunctionForm(spec, argv);
  if (name != "eval" && name != "evalsha" && name != "fcall") return;
  int64_t numkeys;
  if (!CheckNumkeys(*argv, 2, &numkeys).empty() || (*argv)[1].size() > scripting::kMaxScriptBytes) return;
  bool by_sha = name == "evalsha";
  bool function = name == "fcall";
  // A no-writes script is a read (EVAL_RO semantics), decided from the body this node has; an
  // EVALSHA of a script this node does not know yet goes through the log (apply decides).
  // A sha names one body forever, so what its shebang says can be remembered (process-local,
  // bounded); whether the script still exists is decided where it runs.
  thread_local std::unordered_map<std::string, bool> no_writes_by_sha;
  std::optional<bool> no_writes;
  if (function) {
    // FCALL always goes through the log (a no-writes function then runs read-only there).
  } else if (by_sha) {
    // Lower-cased in place, once: the log form carries the lower-case sha (EvalWriteForm).
    std::string& sha = (*argv)[1];
    if (!IsLower(sha)) sha = Lower(sha);
    if (auto it = no_writes_by_sha.find(sha); it != no_writes_by_sha.end()) {
      no_writes = it->second;
    } else if (auto body = CachedBody(base, sha)) {
      std::string code;
      auto flags = scripting::ParseShebang(*body, &code);
      no_writes = flags.ok() && flags->no_writes;
      if (no_writes_by_sha.size() >= 10000) no_writes_by_sha.clear();
      no_writes_by_sha.emplace(sha, *no_writes);
    }
  } else if ((*argv)[1].starts_with("#!")) {
    std::string code;
    auto flags = scripting::ParseShebang((*argv)[1], &code);
    no_writes = flags.ok() && flags->no_writes;
  }
  if (no_writes) {
    if (*no_writes) {
      (*argv)[0] = by_sha ? "evalsha_ro" : "eval_ro";  // the read path looks it up again
      *spec = Lookup((*argv)[0]);
      return;
    }
  }
  *spec = EvalWriteForm(argv, function, by_sha, user);
}

void ScriptFormInMulti(Argv* argv, store::Store& base, const acl::User* user) {
  const CommandSpec* spec = Lookup((*argv)[0]);
  if (!spec) return;
  std::string_view name = spec->name;
  bool ro = name.ends_with("_ro");
  if (ro) name.remove_suffix(3);
  if (name != "eval" && name != "evalsha" && name != "fcall") return;
  int64_t numkeys;
  if (!CheckNumkeys(*argv, 2, &numkeys).empty() || (*argv)[1].size() > scripting::kMaxScriptBytes) return;
  (void)base;
  EvalWriteForm(argv, name == "fcall", name == "evalsha", user, ro);
}

// Rewrites EVAL/EVALSHA/FCALL argv into redraft.eval's (scripting_cmds.h), returning its spec.
const CommandSpec* EvalWriteForm(Argv* argv, bool function, bool by_sha, const acl::User* user, bool read_only) {
  // The budgets' decimal forms, remade only when the configuration changed (per thread).
  thread_local uint64_t ins_value = 0, mem_value = 0;
  thread_local std::string ins_text, mem_text;
  if (uint64_t v = g_max_instructions.load(std::memory_order_relaxed); v != ins_value) ins_value = v, ins_text = std::to_string(v);
  if (uint64_t v = g_max_memory.load(std::memory_order_relaxed); v != mem_value) mem_value = v, mem_text = std::to_string(v);
  Argv a;
  a.reserve(argv->size() + 3);
  a.emplace_back(kEvalName);
  a.push_back(ins_text);
  a.push_back(mem_text);
  a.push_back(user && !user->unrestricted() ? user->name() : std::string());
  char kind = function ? 'F' : by_sha ? 'S' : 'B';
  if (read_only) kind = static_cast<char>(kind - 'A' + 'a');  // the *_RO commands: lower case
  std::string& script = (*argv)[1];
  if (by_sha && !IsLower(script)) script = Lower(script);
  script.insert(script.begin(), kind);
  a.push_back(std::move(script));
  for (size_t i = 2; i < argv->size(); i++) a.push_back(std::move((*argv)[i]));
  *argv = std::move(a);
  static const CommandSpec* const kEvalSpec = Lookup(kEvalName);
  return kEvalSpec;
}

std::optional<std::string> StoredScriptBody(store::Store& base, std::string_view sha) { return CachedBody(base, sha); }

bool IsScriptFlush(const CommandSpec& spec) { return spec.apply == &ApplyScriptFlush; }

bool NeedsOwnBatch(const CommandSpec& spec, const Argv& argv) {
  if (IsFunctionWrite(spec)) return true;  // libraries live in the system namespace too
  if (spec.apply == &ApplyEval) {
    std::string_view script = argv.size() > 4 ? EvalScriptArg(argv[4]) : std::string_view();
    return !script.empty() && (script[0] == 'B' || script[0] == 'b');
  }
  return spec.apply == &ApplyScriptLoad || spec.apply == &ApplyScriptFlush;
}

std::vector<std::string> ScriptDeclaredKeys(const Argv& argv) {
  if (argv.empty()) return {};
  size_t numkeys_pos = EqualsIgnoreCase(argv[0], kEvalName) ? 5 : 2;
  int64_t numkeys;
  if (argv.size() <= numkeys_pos || !CheckNumkeys(argv, numkeys_pos, &numkeys).empty()) return {};
  return std::vector<std::string>(argv.begin() + numkeys_pos + 1, argv.begin() + numkeys_pos + 1 + numkeys);
}

bool MayBeScript(std::string_view entry) { return entry.find(kEvalName) != std::string_view::npos; }

bool TouchesAnyKey(const CommandSpec& spec) { return spec.apply == &ApplyEval; }

void SetScriptLimits(uint64_t max_instructions, uint64_t max_memory) {
  if (max_instructions) g_max_instructions = max_instructions;
  if (max_memory) g_max_memory = max_memory;
}

}  // namespace redraft::commands
