// Scripts through the state machine (docs/scripting.md): one redraft.eval entry applied at apply
// time, identical replies and state on two replicas (random, TIME, expiry inside scripts), the
// replicated script cache (EVALSHA, FLUSHALL in the same batch, SCRIPT FLUSH, snapshots).
#include <gtest/gtest.h>

#include "commands/acl_cmds.h"
#include "commands/scripting_cmds.h"
#include "commands/server_api.h"
#include "commands/transactions.h"
#include "commands/write_entry.h"
#include "raft/types.h"
#include "scripting/scripting.h"
#include "server/state_machine.h"
#include "store/db_view.h"
#include "test_util.h"  // tests/commands: TempDir, OpenTestStore, reply helpers

namespace redraft::server {
namespace {

using commands::Argv;
using commands::testing::Bulk;
using commands::testing::Int;
using commands::testing::kOk;
using commands::testing::OpenTestStore;
using commands::testing::TempDir;

constexpr int64_t kNow = 1700000000123;

// The entry a client's command becomes on a node whose store is `base` (ScriptForm, then the
// write gate), as the server builds it.
std::string ClientEntry(store::Store& base, Argv argv, int64_t now = kNow) {
  const commands::CommandSpec* spec = commands::Lookup(argv[0]);
  commands::AclWriteForm(&spec, &argv);
  commands::ScriptForm(&spec, &argv, base);
  EXPECT_TRUE(spec->is_write()) << argv[0];
  auto entry = commands::PrepareWrite(*spec, std::move(argv), now);
  EXPECT_TRUE(entry.ok()) << entry.status().ToString();
  return entry.ok() ? *entry : std::string();
}

std::string Apply(StateMachine& sm, const std::string& data) {
  std::string out;
  resp::ReplyBuilder rb(&out);
  sm.Apply(sm.applied_index() + 1, data, &rb);
  return out;
}

// Every record of a store (keys and values as a snapshot carries them), for comparing replicas.
std::string Dump(store::Store& s) {
  std::string out;
  auto view = s.NewSnapshotView();
  for (; view->Valid(); view->Next()) {
    out += view->key();
    out += '\0';
    store::Value v;
    EXPECT_TRUE(view->value(&v).ok());
    out += std::to_string(static_cast<int>(v.type)) + ":" + std::to_string(v.expire_ms) + ":" + std::to_string(v.version) + ":" + v.payload + "\n";
  }
  return out;
}

class ScriptingTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> Open(const std::string& name) {
    auto s = OpenTestStore(dir_.path() + "/" + name);
    EXPECT_NE(s, nullptr);
    return s;
  }
  TempDir dir_;
};

TEST_F(ScriptingTest, OneEntryReadsSeeTheScriptsWritesAndErrorsKeepEarlierWrites) {
  auto a = Open("a");
  StateMachine sm(a.get());
  std::string reply = Apply(sm, ClientEntry(*a, {"eval",
      "redis.call('set', KEYS[1], 'v') redis.call('rpush', 'l', 'x', 'y') "
      "return {redis.call('get', KEYS[1]), redis.call('llen', 'l'), redis.call('exists', KEYS[1], 'l')}",
      "1", "k"}));
  EXPECT_EQ(reply, "*3\r\n$1\r\nv\r\n:2\r\n:2\r\n");
  EXPECT_EQ(sm.applied_index(), 1u);
  // Not rolled back: the SET before the failing INCR stays, the one after never runs.
  reply = Apply(sm, ClientEntry(*a, {"eval", "redis.call('set', 'p', '1') redis.call('incr', 'l') redis.call('set', 'p', '2')", "0"}));
  EXPECT_EQ(reply.rfind("-WRONGTYPE Operation against a key holding the wrong kind of value script: ", 0), 0u) << reply;
  store::Value v;
  ASSERT_TRUE(store::DbStore(*a, 0).Get("p", kNow, &v).ok());
  EXPECT_EQ(v.payload, "1");
}

TEST_F(ScriptingTest, TwoReplicasAgreeOnRandomTimeAndExpiry) {
  auto a = Open("a");
  auto b = Open("b");
  StateMachine sa(a.get()), sb(b.get());
  std::vector<std::string> entries;
  const char* script =
      "local r = math.random(1000000) "
      "local t = redis.call('time') "
      "redis.call('set', KEYS[1], r .. ':' .. t[1] .. ':' .. t[2], 'px', 5000) "
      "redis.call('sadd', 'set', r, math.random(100)) "
      "redis.call('expire', 'set', 100) "
      "local m = redis.call('srandmember', 'set') "
      "return {r, t[1], t[2], redis.call('pttl', KEYS[1]), m}";
  for (int i = 0; i < 20; i++) entries.push_back(ClientEntry(*a, {"eval", script, "1", "k" + std::to_string(i % 5)}, kNow + i));
  entries.push_back(ClientEntry(*a, {"eval", "while true do redis.call('incr', 'spin') end", "0"}));
  for (const auto& e : entries) {
    std::string ra = Apply(sa, e), rb = Apply(sb, e);
    EXPECT_EQ(ra, rb);
  }
  EXPECT_EQ(Dump(*a), Dump(*b));
  // TIME inside the script is the entry's time.
  std::string r = Apply(sa, ClientEntry(*a, {"eval", "return redis.call('time')", "0"}, kNow));
  EXPECT_EQ(r, "*2\r\n$10\r\n1700000000\r\n$6\r\n123000\r\n");
  // The runaway script stopped at the same INCR on both.
  store::Value va, vb;
  ASSERT_TRUE(store::DbStore(*a, 0).Get("spin", kNow, &va).ok());
  ASSERT_TRUE(store::DbStore(*b, 0).Get("spin", kNow, &vb).ok());
  EXPECT_EQ(va.payload, vb.payload);
  EXPECT_GT(std::stoll(va.payload), 1000);
}

TEST_F(ScriptingTest, ScriptCacheIsReplicatedState) {
  auto a = Open("a");
  StateMachine sm(a.get());
  const std::string body = "return 'cached'";
  const std::string sha = scripting::Sha1Hex(body);
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"evalsha", sha, "0"})), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"script", "load", body})), Bulk(sha));
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"evalsha", sha, "0"})), Bulk("cached"));
  // An EVAL caches its script; a FLUSHALL applied in the same batch right after keeps it.
  const std::string body2 = "return 2";
  std::vector<raft::Entry> group(2);
  group[0].index = sm.applied_index() + 1;
  group[0].data = ClientEntry(*a, {"eval", body2, "0"});
  group[1].index = sm.applied_index() + 2;
  group[1].data = ClientEntry(*a, {"flushall"});
  std::vector<std::string> outs(2);
  std::vector<resp::ReplyBuilder> builders{resp::ReplyBuilder(&outs[0]), resp::ReplyBuilder(&outs[1])};
  sm.ApplyBatch(group, [&](size_t i) { return &builders[i]; });
  EXPECT_EQ(outs[0], Int(2));
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"evalsha", scripting::Sha1Hex(body2), "0"})), Int(2));
  // A snapshot carries the cache.
  auto b = Open("b");
  {
    auto view = a->NewSnapshotView();
    ASSERT_TRUE(b->StageBegin().ok());
    for (; view->Valid(); view->Next()) {
      store::Value v;
      ASSERT_TRUE(view->value(&v).ok());
      b->StagePut(view->key(), v);
    }
    ASSERT_TRUE(b->StageInstall(view->applied_index(), view->key_count(), view->log_time_ms()).ok());
  }
  StateMachine sb(b.get());
  EXPECT_EQ(Apply(sb, ClientEntry(*b, {"evalsha", sha, "0"})), Bulk("cached"));
  // SCRIPT FLUSH goes through the log.
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"script", "flush"})), kOk);
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"evalsha", sha, "0"})), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
}

// The apply-time mirror of scripts and functions (scripting_cache.h) never answers for a state
// that no longer holds them: SCRIPT FLUSH, FUNCTION DELETE and a snapshot install forget it.
TEST_F(ScriptingTest, MirroredScriptsAndFunctionsFollowTheState) {
  auto a = Open("a");
  auto empty = Open("empty");
  StateMachine sm(a.get());
  const std::string body = "return 'mirrored'";
  const std::string sha = scripting::Sha1Hex(body);
  const std::string lib = "#!lua name=m\nredis.register_function('mf', function() return 7 end)";
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"script", "load", body})), Bulk(sha));
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"evalsha", sha, "0"})), Bulk("mirrored"));  // now mirrored
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"function", "load", lib})), Bulk("m"));
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"fcall", "mf", "0"})), Int(7));
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"fcall", "mf", "0"})), Int(7));
  // A snapshot of a store without them replaces the state.
  {
    StateMachine se(empty.get());
    Apply(se, ClientEntry(*empty, {"set", "k", "v"}));
    auto view = empty->NewSnapshotView();
    ASSERT_TRUE(a->StageBegin().ok());
    for (; view->Valid(); view->Next()) {
      store::Value v;
      ASSERT_TRUE(view->value(&v).ok());
      a->StagePut(view->key(), v);
    }
    ASSERT_TRUE(a->StageInstall(view->applied_index() + 100, view->key_count(), view->log_time_ms()).ok());
  }
  sm.StateReplaced();
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"evalsha", sha, "0"})), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"fcall", "mf", "0"})), "-ERR Function not found\r\n");
  // Loaded again, mirrored again, then removed through the log.
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"eval", body, "0"})), Bulk("mirrored"));
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"evalsha", sha, "0"})), Bulk("mirrored"));
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"script", "flush"})), kOk);
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"evalsha", sha, "0"})), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"function", "load", lib})), Bulk("m"));
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"fcall", "mf", "0"})), Int(7));
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"function", "delete", "m"})), kOk);
  EXPECT_EQ(Apply(sm, ClientEntry(*a, {"fcall", "mf", "0"})), "-ERR Function not found\r\n");
}

// EVALSHA shares its group's batch: its reads, KEYS and DBSIZE included, see the entries before
// it in the batch and its own writes.
TEST_F(ScriptingTest, ScriptsInAGroupSeeTheEarlierEntriesOfTheirBatch) {
  auto a = Open("a");
  StateMachine sm(a.get());
  Apply(sm, ClientEntry(*a, {"set", "committed", "1"}));
  const std::string body = "redis.call('set', 'mine', '1') return {redis.call('keys', '*'), redis.call('dbsize')}";
  Apply(sm, ClientEntry(*a, {"script", "load", body}));
  std::vector<raft::Entry> group(3);
  group[0].data = ClientEntry(*a, {"set", "earlier", "1"});
  group[1].data = ClientEntry(*a, {"del", "committed"});
  group[2].data = ClientEntry(*a, {"evalsha", scripting::Sha1Hex(body), "0"});
  for (size_t i = 0; i < group.size(); i++) group[i].index = sm.applied_index() + 1 + i;
  std::vector<std::string> outs(3);
  std::vector<resp::ReplyBuilder> builders{resp::ReplyBuilder(&outs[0]), resp::ReplyBuilder(&outs[1]),
                                           resp::ReplyBuilder(&outs[2])};
  sm.ApplyBatch(group, [&](size_t i) { return &builders[i]; });
  EXPECT_EQ(outs[2], "*2\r\n*2\r\n$7\r\nearlier\r\n$4\r\nmine\r\n:2\r\n");
}

// Over maxmemory (the proposer's decision, carried by the entry's '!' mark: MarkScriptOom), every
// replica applies Redis 7.0's rules from the entry alone: no replica consults its own maxmemory.
TEST_F(ScriptingTest, OomMarkedScriptsFollowRedisRulesOnEveryReplica) {
  auto a = Open("a");
  auto b = Open("b");
  StateMachine sa(a.get()), sb(b.get());
  const std::string kOom = "-OOM command not allowed when used memory > 'maxmemory'.";
  auto eval = [&](std::string script, bool oom) {
    Argv argv{"eval", std::move(script), "0"};
    const commands::CommandSpec* spec = commands::Lookup("eval");
    commands::ScriptForm(&spec, &argv, *a);
    if (oom) commands::MarkScriptOom(*spec, &argv);
    auto entry = commands::PrepareWrite(*spec, std::move(argv), kNow);
    EXPECT_TRUE(entry.ok()) << script << ": " << entry.status().ToString();
    return entry.ok() ? *entry : std::string();
  };
  struct Case {
    std::string script;
    bool oom;
    std::string want_prefix;
  };
  const std::vector<Case> cases = {
      {"return redis.call('set', 'k', '1')", false, "+OK"},
      {"return redis.call('set', 'k', '2')", true, kOom + " script: "},
      {"return redis.call('get', 'k')", true, "$1\r\n1"},
      {"redis.call('del', 'none') return redis.call('set', 'k', '3')", true, "+OK"},  // wrote first
      {"local r = redis.pcall('incr', 'n') return r['err']", true, "$55\r\nOOM command not allowed"},
      {"#!lua\nreturn 1", true, kOom + "\r\n"},
      {"#!lua flags=allow-oom\nreturn redis.call('set', 'k', '4')", true, "+OK"},
      {"return redis.call('get', 'k')", false, "$1\r\n4"},
  };
  for (const auto& c : cases) {
    std::string e = eval(c.script, c.oom);
    std::string ra = Apply(sa, e), rb = Apply(sb, e);
    EXPECT_EQ(ra, rb) << c.script;
    EXPECT_EQ(ra.rfind(c.want_prefix, 0), 0u) << c.script << " -> " << ra;
  }
  EXPECT_EQ(Dump(*a), Dump(*b));
}

// Scripts queued in MULTI, over maxmemory at EXEC ('&' marks, MarkExecScriptsOom): each script
// runs under Redis's rules on its own (a write earlier in the transaction is not the script's),
// a shebang script refused whole answers scriptPrepareForRun's text after the *_ro check, and
// both replicas answer and store the same.
TEST_F(ScriptingTest, ExecOomMarkedScriptsFollowRedisRulesOnEveryReplica) {
  auto a = Open("a");
  auto b = Open("b");
  StateMachine sa(a.get()), sb(b.get());
  std::string load = ClientEntry(*a, {"script", "load", "#!lua\nreturn redis.call('get','a')"});
  Apply(sa, load);
  Apply(sb, load);
  const std::string sha = scripting::Sha1Hex("#!lua\nreturn redis.call('get','a')");
  std::vector<Argv> queued = {{"set", "a", "1"},  // a write before the scripts: not theirs
                              {"eval", "return redis.call('set','a','2')", "0"},
                              {"eval", "redis.call('del','zz') return redis.call('set','a','3')", "0"},
                              {"eval", "return redis.call('get','a')", "0"},
                              {"evalsha_ro", sha, "0"},
                              {"evalsha", sha, "0"},
                              {"eval", "#!lua flags=allow-oom\nreturn redis.call('incr','n')", "0"}};
  for (Argv& q : queued) commands::ScriptFormInMulti(&q, *a, nullptr);
  int asked = 0;
  commands::MarkExecScriptsOom(&queued, [&] { return ++asked > 0; });
  EXPECT_EQ(asked, 1);
  commands::WatchState watch;
  auto plan = commands::BuildExec(queued, watch, kNow, 0, [](const commands::CommandSpec&, const Argv&) { return std::string("+LOCAL\r\n"); });
  auto entry = commands::PrepareWrite(*commands::Lookup("redraft.exec"), plan.argv, kNow);
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  std::string ra = Apply(sa, *entry), rb = Apply(sb, *entry);
  EXPECT_EQ(ra, rb);
  const std::string kOom = "OOM command not allowed when used memory > 'maxmemory'.";
  EXPECT_EQ(ra, "*7\r\n+OK\r\n-" + kOom + " script: " + scripting::Sha1Hex("return redis.call('set','a','2')") +
                    ", on @user_script:1.\r\n+OK\r\n$1\r\n3\r\n"
                    "-ERR Can not execute a script with write flag using *_ro command.\r\n"
                    "-OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'\r\n"
                    ":1\r\n");
  EXPECT_EQ(Dump(*a), Dump(*b));
  // Not over maxmemory at EXEC: nothing is marked.
  std::vector<Argv> again = {{"eval", "return 1", "0"}};
  for (Argv& q : again) commands::ScriptFormInMulti(&q, *a, nullptr);
  commands::MarkExecScriptsOom(&again, [] { return false; });
  EXPECT_EQ(again[0][4], "Breturn 1");
  // Which queued scripts make EXEC denyoom (their flags when queued).
  EXPECT_TRUE(commands::QueuedScriptDenyOom({"eval", "#!lua\nreturn 1", "0"}, *a));
  EXPECT_TRUE(commands::QueuedScriptDenyOom({"EVALSHA", sha, "0"}, *a));
  EXPECT_TRUE(commands::QueuedScriptDenyOom({"evalsha_ro", sha, "0"}, *a));
  EXPECT_FALSE(commands::QueuedScriptDenyOom({"eval", "return 1", "0"}, *a));
  EXPECT_FALSE(commands::QueuedScriptDenyOom({"eval", "#!lua flags=allow-oom\nreturn 1", "0"}, *a));
  EXPECT_FALSE(commands::QueuedScriptDenyOom({"eval", "#!lua flags=no-writes\nreturn 1", "0"}, *a));
  EXPECT_FALSE(commands::QueuedScriptDenyOom({"evalsha", std::string(40, 'a'), "0"}, *a));
  EXPECT_FALSE(commands::QueuedScriptDenyOom({"fcall", "nosuch", "0"}, *a));
  EXPECT_FALSE(commands::QueuedScriptDenyOom({"set", "k", "v"}, *a));
  std::string flush = ClientEntry(*a, {"script", "flush"});
  Apply(sa, flush);
  EXPECT_FALSE(commands::QueuedScriptDenyOom({"evalsha", sha, "0"}, *a));  // remembered verdict, script gone
}

// A script's commands are checked against its user as of the entry's place in the log: an ACL
// change earlier in the same group counts, whatever the grouping.
TEST_F(ScriptingTest, ScriptAclIsCheckedAsOfTheEntry) {
  auto a = Open("a");
  StateMachine sm(a.get());
  Apply(sm, ClientEntry(*a, {"acl", "setuser", "u", "on", "nopass", "+@all", "~*"}));
  const Argv eval{"redraft.eval", "50000000", "67108864", "u", "Breturn redis.call('set', 'k', 'v')", "0"};
  auto entry = commands::PrepareWrite(*commands::Lookup("redraft.eval"), eval, kNow);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(Apply(sm, *entry), kOk);
  std::vector<raft::Entry> group(2);
  group[0].data = ClientEntry(*a, {"acl", "setuser", "u", "-set"});
  group[1].data = *entry;
  for (size_t i = 0; i < group.size(); i++) group[i].index = sm.applied_index() + 1 + i;
  std::vector<std::string> outs(2);
  std::vector<resp::ReplyBuilder> builders{resp::ReplyBuilder(&outs[0]), resp::ReplyBuilder(&outs[1])};
  sm.ApplyBatch(group, [&](size_t i) { return &builders[i]; });
  EXPECT_EQ(outs[0], kOk);
  EXPECT_EQ(outs[1].rfind("-ERR The user executing the script can't run this command or subcommand script: ", 0), 0u)
      << outs[1];
}

// Functions are replicated state like the script cache; FCALL is one entry whose result is the
// same on two replicas.
TEST_F(ScriptingTest, FunctionsThroughTheLog) {
  auto a = Open("a");
  auto b = Open("b");
  StateMachine sa(a.get()), sb(b.get());
  const std::string lib =
      "#!lua name=counter\n"
      "redis.register_function('bump', function(keys, args)\n"
      "  local n = redis.call('incrby', keys[1], math.random(100))\n"
      "  redis.call('pexpire', keys[1], 60000)\n"
      "  return {n, redis.call('pttl', keys[1]), redis.call('time')[1]}\n"
      "end)\n";
  std::vector<std::string> entries = {ClientEntry(*a, {"function", "load", lib}),
                                      ClientEntry(*a, {"fcall", "bump", "1", "c"}),
                                      ClientEntry(*a, {"fcall", "bump", "1", "c"}, kNow + 5),
                                      ClientEntry(*a, {"flushall"}),
                                      ClientEntry(*a, {"fcall", "bump", "1", "c"}, kNow + 9)};
  for (const auto& e : entries) EXPECT_EQ(Apply(sa, e), Apply(sb, e));
  EXPECT_EQ(Dump(*a), Dump(*b));
  EXPECT_EQ(Apply(sa, ClientEntry(*a, {"function", "load", lib})), "-ERR Library 'counter' already exists\r\n");
  EXPECT_EQ(Apply(sa, ClientEntry(*a, {"function", "delete", "counter"})), kOk);
  EXPECT_EQ(Apply(sa, ClientEntry(*a, {"fcall", "bump", "1", "c"})), "-ERR Function not found\r\n");
  EXPECT_EQ(Apply(sb, ClientEntry(*b, {"function", "flush"})), kOk);
  EXPECT_EQ(Apply(sb, ClientEntry(*b, {"fcall", "bump", "1", "c"})), "-ERR Function not found\r\n");
  // DUMP on one replica, RESTORE through the log: all or nothing.
  EXPECT_EQ(Apply(sb, ClientEntry(*b, {"function", "load", lib})), Bulk("counter"));
  std::string dump;
  {
    resp::ReplyBuilder rb(&dump);
    commands::Session session;
    struct Api : commands::ServerApi {
      explicit Api(store::Store* s) : s_(s) {}
      commands::ClusterApi* cluster() override { return nullptr; }
      bool debug_enabled() const override { return false; }
      std::string requirepass() const override { return ""; }
      std::vector<std::pair<std::string, std::string>> ConfigGet(const std::string&) override { return {}; }
      Status ConfigSet(const std::vector<std::pair<std::string, std::string>>&, std::string*) override { return Status::OK(); }
      std::string InfoText(const std::vector<std::string>&) override { return ""; }
      std::string ClientList(const std::vector<uint64_t>&) override { return ""; }
      int KillClients(uint64_t, const commands::ClientKillFilter&) override { return 0; }
      int UnblockClient(uint64_t, bool) override { return 0; }
      DeferredReply DeferReply(uint64_t) override { return nullptr; }
      void CloseAfterReply(uint64_t) override {}
      void Shutdown(uint64_t) override {}
      store::Store* stored_keys() override { return s_; }
      store::Store* s_;
    } api(b.get());
    commands::ExecContext ec{*b, kNow, rb, session, &api};
    commands::Lookup("redraft.functiondump")->execute(ec, {"redraft.functiondump"});
  }
  ASSERT_EQ(dump[0], '$');
  std::string payload = dump.substr(dump.find("\r\n") + 2);
  payload.resize(payload.size() - 2);
  EXPECT_EQ(Apply(sa, ClientEntry(*a, {"function", "restore", payload})), kOk);
  EXPECT_EQ(Apply(sa, ClientEntry(*a, {"function", "restore", payload})), "-ERR Library counter already exists\r\n");
  EXPECT_EQ(Apply(sa, ClientEntry(*a, {"function", "restore", payload, "replace"})), kOk);
  EXPECT_EQ(Apply(sa, ClientEntry(*a, {"fcall", "bump", "1", "c"})).substr(0, 4), "*3\r\n");
}

TEST_F(ScriptingTest, NoWritesScriptsAreReadsAndBadEntriesAreErrors) {
  auto a = Open("a");
  const commands::CommandSpec* spec = commands::Lookup("eval");
  Argv argv{"eval", "#!lua flags=no-writes\nreturn 1", "0"};
  commands::ScriptForm(&spec, &argv, *a);
  EXPECT_EQ(spec->name, "eval_ro");
  EXPECT_FALSE(spec->is_write());
  // A malformed redraft.eval never reaches apply through the gate.
  auto bad = commands::PrepareWrite(*commands::Lookup("redraft.eval"), {"redraft.eval", "x", "1", "", "Breturn 1", "0"}, kNow);
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace redraft::server
