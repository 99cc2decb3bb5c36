// The Lua engine alone (scripting/scripting.h) with a fake host: RESP <-> Lua conversions in
// both protocols, the sandbox, error texts, and that both budgets stop a script at the same
// point every time (what makes every replica agree).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "scripting/scripting.h"

namespace redraft::scripting {
namespace {

// Answers every call with a canned reply (or the reply for argv[0]) and records the calls.
class FakeHost : public Host {
 public:
  std::string Call(const std::vector<std::string>& argv, int proto) override {
    calls.push_back(argv);
    protos.push_back(proto);
    auto it = replies.find(argv[0]);
    return it == replies.end() ? "+OK\r\n" : it->second;
  }
  void Log(int level, std::string_view msg) override { logs.emplace_back(std::to_string(level) + " " + std::string(msg)); }

  std::map<std::string, std::string> replies;
  std::vector<std::vector<std::string>> calls;
  std::vector<int> protos;
  std::vector<std::string> logs;
};

std::string RunIn(int proto, const std::string& body, FakeHost* host = nullptr, RunOptions opts = {},
                  std::vector<std::string> keys = {}, std::vector<std::string> args = {}) {
  FakeHost local;
  if (!host) host = &local;
  if (!opts.limits.max_instructions) opts.limits.max_instructions = kDefaultMaxInstructions;
  if (!opts.limits.max_memory) opts.limits.max_memory = kDefaultMaxMemory;
  std::string out;
  resp::ReplyBuilder rb(&out, proto);
  Run(body, Sha1Hex(body), keys, args, *host, opts, rb);
  return out;
}

std::string Run2(const std::string& body, FakeHost* host = nullptr) { return RunIn(2, body, host); }
std::string Run3(const std::string& body, FakeHost* host = nullptr) { return RunIn(3, body, host); }

TEST(LuaTest, LuaToResp2) {
  EXPECT_EQ(Run2("return 1"), ":1\r\n");
  EXPECT_EQ(Run2("return 3.99"), ":3\r\n");
  EXPECT_EQ(Run2("return -3.99"), ":-3\r\n");
  EXPECT_EQ(Run2("return 'hi'"), "$2\r\nhi\r\n");
  EXPECT_EQ(Run2("return true"), ":1\r\n");
  EXPECT_EQ(Run2("return false"), "$-1\r\n");
  EXPECT_EQ(Run2("return nil"), "$-1\r\n");
  EXPECT_EQ(Run2("return {1,'a',nil,3}"), "*2\r\n:1\r\n$1\r\na\r\n");
  EXPECT_EQ(Run2("return {ok='FINE'}"), "+FINE\r\n");
  EXPECT_EQ(Run2("return {err='BAD x'}"), "-BAD x\r\n");
  EXPECT_EQ(Run2("return redis.error_reply('E1')"), "-E1\r\n");
  EXPECT_EQ(Run2("return {double=1.5}"), "$3\r\n1.5\r\n");
  EXPECT_EQ(Run2("return {map={a=1}}"), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Run2("return {set={a=true}}"), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(Run2("return {big_number='123'}"), "$3\r\n123\r\n");
  EXPECT_EQ(Run2("return {verbatim_string={format='txt', string='v'}}"), "$1\r\nv\r\n");
  EXPECT_EQ(Run2("return 0/0"), ":0\r\n");  // NaN never reaches a cast
  EXPECT_EQ(Run2("return 1e300"), ":9223372036854775807\r\n");
}

TEST(LuaTest, LuaToResp3) {
  EXPECT_EQ(Run3("return {map={a=1}}"), "%1\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Run3("return {set={a=true}}"), "~1\r\n$1\r\na\r\n");
  EXPECT_EQ(Run3("return {double=1.5}"), ",1.5\r\n");
  EXPECT_EQ(Run3("return {big_number='123'}"), "(123\r\n");
  EXPECT_EQ(Run3("return {verbatim_string={format='txt', string='v'}}"), "=5\r\ntxt:v\r\n");
  // Booleans follow the script's protocol (redis.setresp), nulls the client's.
  EXPECT_EQ(Run3("return true"), ":1\r\n");
  EXPECT_EQ(Run3("return false"), "_\r\n");
  EXPECT_EQ(Run3("redis.setresp(3) return false"), "#f\r\n");
  EXPECT_EQ(Run3("return nil"), "_\r\n");
}

TEST(LuaTest, Resp2ToLua) {
  FakeHost h;
  h.replies = {{"int", ":42\r\n"}, {"bulk", "$3\r\nabc\r\n"}, {"nil", "$-1\r\n"}, {"status", "+OK\r\n"},
               {"arr", "*3\r\n:1\r\n$1\r\nx\r\n*-1\r\n"}, {"err", "-ERR nope\r\n"}};
  EXPECT_EQ(Run2("return redis.call('int') + 1", &h), ":43\r\n");
  EXPECT_EQ(Run2("return redis.call('bulk')", &h), "$3\r\nabc\r\n");
  EXPECT_EQ(Run2("return type(redis.call('nil'))", &h), "$7\r\nboolean\r\n");
  EXPECT_EQ(Run2("return redis.call('status').ok", &h), "$2\r\nOK\r\n");
  EXPECT_EQ(Run2("local t = redis.call('arr') return {#t, t[2], type(t[3])}", &h),
            "*3\r\n:3\r\n$1\r\nx\r\n$7\r\nboolean\r\n");
  EXPECT_EQ(Run2("return redis.pcall('err').err", &h), "$8\r\nERR nope\r\n");
  EXPECT_EQ(Run2("return redis.pcall('err')", &h), "-ERR nope\r\n");
  std::string raised = Run2("return redis.call('err')", &h);
  EXPECT_EQ(raised.substr(0, 18), "-ERR nope script: ") << raised;
  EXPECT_NE(raised.find(", on @user_script:1.\r\n"), std::string::npos) << raised;
  // Arguments: strings as they are, numbers as %.17g.
  Run2("redis.call('set', 'k', 3, 0.1, -2)", &h);
  ASSERT_FALSE(h.calls.empty());
  EXPECT_EQ(h.calls.back(), (std::vector<std::string>{"set", "k", "3", "0.10000000000000001", "-2"}));
}

TEST(LuaTest, Resp3ToLua) {
  FakeHost h;
  h.replies = {{"map", "%1\r\n$1\r\nf\r\n$1\r\nv\r\n"}, {"set", "~1\r\n$1\r\nm\r\n"}, {"null", "_\r\n"},
               {"dbl", ",2.5\r\n"}, {"bool", "#t\r\n"}, {"big", "(12345678901234567890\r\n"},
               {"verb", "=7\r\ntxt:abc\r\n"}};
  EXPECT_EQ(Run2("redis.setresp(3) return redis.call('map').map.f", &h), "$1\r\nv\r\n");
  EXPECT_EQ(Run2("redis.setresp(3) return tostring(redis.call('set').set.m)", &h), "$4\r\ntrue\r\n");
  EXPECT_EQ(Run2("redis.setresp(3) return type(redis.call('null'))", &h), "$3\r\nnil\r\n");
  EXPECT_EQ(Run2("redis.setresp(3) return redis.call('dbl').double * 2", &h), ":5\r\n");
  EXPECT_EQ(Run2("redis.setresp(3) return tostring(redis.call('bool'))", &h), "$4\r\ntrue\r\n");
  EXPECT_EQ(Run2("redis.setresp(3) return redis.call('big').big_number", &h), "$20\r\n12345678901234567890\r\n");
  EXPECT_EQ(Run2("redis.setresp(3) local v = redis.call('verb').verbatim_string return v.format .. v.string", &h),
            "$6\r\ntxtabc\r\n");
  EXPECT_EQ(h.protos.back(), 3);
}

TEST(LuaTest, Sandbox) {
  EXPECT_NE(Run2("return os.time()").find("Script attempted to access nonexistent global variable 'os'"), std::string::npos);
  EXPECT_NE(Run2("return io").find("nonexistent global variable 'io'"), std::string::npos);
  EXPECT_NE(Run2("return loadstring('return 1')").find("nonexistent global variable 'loadstring'"), std::string::npos);
  EXPECT_NE(Run2("return require").find("nonexistent global variable 'require'"), std::string::npos);
  EXPECT_NE(Run2("x = 1").find("user_script:1: Attempt to modify a readonly table"), std::string::npos);
  EXPECT_NE(Run2("setmetatable(_G, nil)").find("cannot change a protected metatable"), std::string::npos);
  EXPECT_EQ(Run2("local x = 1 return x"), ":1\r\n");
  EXPECT_EQ(Run2("return type(cjson) .. type(bit) .. type(struct) .. type(cmsgpack)"), "$20\r\ntabletabletabletable\r\n");
}

TEST(LuaTest, ErrorTexts) {
  std::string body = "error('hi')";
  EXPECT_EQ(Run2(body), "-ERR user_script:1: hi script: " + Sha1Hex(body) + ", on @user_script:1.\r\n");
  body = "\n\nerror({err='MY x'})";
  EXPECT_EQ(Run2(body), "-MY x script: " + Sha1Hex(body) + ", on @user_script:3.\r\n");
  EXPECT_EQ(Run2("return ("), "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'\r\n");
  EXPECT_EQ(Run2("#!lua flags=bogus\nreturn 1"), "-ERR Unexpected flag in script shebang: bogus\r\n");
  EXPECT_EQ(Run2("#!lua flags=no-writes\nreturn 1"), ":1\r\n");
  EXPECT_NE(Run2("#!lua\nerror('x')").find("-ERR user_script:2: x script: "), std::string::npos);
}

// Lua 5.1 would load a body starting with ESC "Lua" as unverified bytecode: always source here.
TEST(LuaTest, BinaryChunksAreNeverLoaded) {
  std::string chunk("\033LuaQ\0\1\4\10\4\10\0", 12);
  EXPECT_EQ(Run2(chunk), "-ERR Error compiling script (new function): user_script:1: unexpected symbol near 'char(27)'\r\n");
  std::string err;
  EXPECT_FALSE(Compile(chunk, &err));
}

TEST(LuaTest, InstructionBudgetStopsAtTheSamePointEveryTime) {
  RunOptions opts;
  opts.limits.max_instructions = 2'000'000;
  std::vector<size_t> counts;
  for (int i = 0; i < 3; i++) {
    FakeHost h;
    std::string out = RunIn(2, "local i = 0 while true do i = i + 1 if i % 100 == 0 then redis.call('incr', 'k') end end",
                            &h, opts);
    EXPECT_NE(out.find("lua-instruction-limit"), std::string::npos) << out;
    counts.push_back(h.calls.size());
  }
  EXPECT_GT(counts[0], 0u);
  EXPECT_EQ(counts[0], counts[1]);
  EXPECT_EQ(counts[1], counts[2]);
  // A pcall inside the script cannot swallow the budget error.
  std::string out = RunIn(2, "while true do pcall(function() while true do end end) end", nullptr, opts);
  EXPECT_NE(out.find("lua-instruction-limit"), std::string::npos) << out;
  // redis.call is charged: a loop of calls is bounded even with few instructions per call.
  FakeHost h;
  out = RunIn(2, "while true do redis.call('ping') end", &h, opts);
  EXPECT_NE(out.find("lua-instruction-limit"), std::string::npos);
  EXPECT_LE(h.calls.size(), opts.limits.max_instructions / kCallCost);
}

TEST(LuaTest, MemoryBudgetIsDeterministic) {
  RunOptions opts;
  opts.limits.max_memory = 8 << 20;
  std::string first;
  for (int i = 0; i < 3; i++) {
    FakeHost h;
    std::string out = RunIn(2, "local t = {} local i = 0 while true do i = i + 1 t[i] = 'x' .. i "
                               "if i % 1000 == 0 then redis.call('n', i) end end", &h, opts);
    EXPECT_NE(out.find("not enough memory"), std::string::npos) << out;
    std::string last = h.calls.empty() ? "" : h.calls.back()[1];
    if (i == 0) first = last;
    EXPECT_EQ(last, first);
  }
  EXPECT_NE(RunIn(2, "return string.rep('x', 1e9)", nullptr, opts).find("not enough memory"), std::string::npos);
}

TEST(LuaTest, DeepStructuresAndRecursion) {
  EXPECT_NE(Run2("local function f(n) return f(n + 1) + 1 end return f(1)").find("stack overflow"), std::string::npos);
  std::string out = Run2("local t = {} t[1] = t return t");
  EXPECT_NE(out.find("-ERR reached lua stack limit"), std::string::npos);
  FakeHost h;
  std::string nested;
  for (int i = 0; i < 5000; i++) nested += "*1\r\n";
  nested += ":1\r\n";
  h.replies = {{"deep", nested}};
  EXPECT_NE(Run2("return redis.call('deep')", &h).find("could not be converted"), std::string::npos);
}

TEST(LuaTest, RandomIsSeededByTheCaller) {
  RunOptions a;
  a.seed = 7;
  std::string one = RunIn(2, "return {math.random(1000), math.random(1000), math.random(1000)}", nullptr, a);
  EXPECT_EQ(one, RunIn(2, "return {math.random(1000), math.random(1000), math.random(1000)}", nullptr, a));
  RunOptions b;
  b.seed = 8;
  EXPECT_NE(one, RunIn(2, "return {math.random(1000), math.random(1000), math.random(1000)}", nullptr, b));
}

TEST(LuaTest, RedisLib) {
  FakeHost h;
  EXPECT_EQ(Run2("redis.log(redis.LOG_WARNING, 'a', 'b') return 1", &h), ":1\r\n");
  EXPECT_EQ(h.logs, (std::vector<std::string>{"3 a b"}));
  EXPECT_EQ(Run2("return redis.sha1hex('')"), "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n");
  EXPECT_EQ(Run2("return redis.replicate_commands()"), ":1\r\n");
  EXPECT_EQ(Run2("redis.set_repl(redis.REPL_NONE) return 2"), ":2\r\n");
  EXPECT_NE(Run2("redis.setresp(4)").find("RESP version must be 2 or 3."), std::string::npos);
  EXPECT_NE(Run2("return redis.call()").find("Please specify at least one argument"), std::string::npos);
  EXPECT_NE(Run2("return redis.call('x', {})").find("must be strings or integers"), std::string::npos);
}

TEST(LuaTest, Libraries) {
  EXPECT_EQ(Run2("return cjson.encode({1,2})"), "$5\r\n[1,2]\r\n");
  EXPECT_EQ(Run2("return bit.bxor(5, 3)"), ":6\r\n");
  EXPECT_EQ(Run2("return struct.pack('>I2', 258)"), "$2\r\n\x01\x02\r\n");
  EXPECT_EQ(Run2("return {struct.unpack('<i4', struct.pack('<i4', -2))}"), "*2\r\n:-2\r\n:5\r\n");
  EXPECT_EQ(Run2("return cmsgpack.pack({1,2,3})"), "$4\r\n\x93\x01\x02\x03\r\n");
  EXPECT_EQ(Run2("return cmsgpack.unpack(cmsgpack.pack({a={1,'x'}})).a[2]"), "$1\r\nx\r\n");
  EXPECT_NE(Run2("return cmsgpack.unpack('\\220\\255')").find("Missing bytes"), std::string::npos);
  EXPECT_NE(Run2("return struct.unpack('>I4', 'ab')").find("data string too short"), std::string::npos);
}

TEST(LuaTest, FunctionsLoadAndCall) {
  Limits limits{kDefaultMaxInstructions, kDefaultMaxMemory};
  const std::string lib =
      "#!lua name=mylib\n"
      "local function helper(x) return x * 2 end\n"
      "redis.register_function('double', function(keys, args) return helper(tonumber(args[1])) end)\n"
      "redis.register_function{function_name='ro', callback=function(keys) return redis.call('get', keys[1]) end,\n"
      "  flags={'no-writes'}, description='reads'}\n";
  auto info = LoadLibrary(lib, limits);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->name, "mylib");
  ASSERT_EQ(info->functions.size(), 2u);
  EXPECT_EQ(info->functions[0].name, "double");
  EXPECT_FALSE(info->functions[0].no_writes());
  EXPECT_TRUE(info->functions[1].no_writes());
  EXPECT_EQ(info->functions[1].description, "reads");
  FakeHost h;
  h.replies = {{"get", "$2\r\nok\r\n"}};
  RunOptions opts;
  opts.limits = limits;
  std::string out;
  resp::ReplyBuilder rb(&out);
  CallFunction(lib, "double", {}, std::vector<std::string>{"21"}, h, opts, rb);
  EXPECT_EQ(out, ":42\r\n");
  out.clear();
  CallFunction(lib, "ro", std::vector<std::string>{"k"}, {}, h, opts, rb);
  EXPECT_EQ(out, "$2\r\nok\r\n");
  // Only `redis` exists while the code loads; register_function only then.
  EXPECT_EQ(LoadLibrary("#!lua name=x\nlocal t = type(1)", limits).status().message(),
            "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'type'");
  EXPECT_EQ(LoadLibrary("#!lua name=x\nlocal y = 1", limits).status().message(), "ERR No functions registered");
  EXPECT_EQ(LoadLibrary("return 1", limits).status().message(), "ERR Missing library metadata");
  out.clear();
  CallFunction("#!lua name=y\nredis.register_function('f', function() redis.register_function('g', function() end) end)", "f",
               {}, {}, h, opts, rb);
  EXPECT_NE(out.find("can only be called on FUNCTION LOAD command"), std::string::npos) << out;
  out.clear();
  CallFunction("#!lua name=y\nredis.register_function('f', function()\n return nosuch end)", "f", {}, {}, h, opts, rb);
  EXPECT_EQ(out, "-ERR user_function:3: Script attempted to access nonexistent global variable 'nosuch' script: f, on "
                 "@user_function:3.\r\n");
  // A runaway library or function stops at the budget.
  Limits small{1'000'000, kDefaultMaxMemory};
  EXPECT_NE(LoadLibrary("#!lua name=z\nwhile true do end", small).status().message().find("lua-instruction-limit"),
            std::string::npos);
}

// Scripts and libraries run on cached states put back to their snapshot after every run
// (state_cache.cc): no run sees what an earlier one left, and a run on a cached state is the run
// on a freshly built one (same memory count, so the budgets trip at the same point).
TEST(LuaTest, CachedStatesAreResetBetweenRuns) {
  const std::string leak =
      "local seen = rawget(_G, 'leaked') rawset(_G, 'leaked', 1) string.extra = (string.extra or 0) + 1 "
      "local t = {} for i = 1, 1000 do t[i] = tostring(i) end "
      "return {seen == nil and 0 or 1, string.extra, math.random(1000)}";
  std::string first = Run2(leak);
  EXPECT_EQ(first.substr(0, 12), "*3\r\n:0\r\n:1\r\n") << first;
  for (int i = 0; i < 3; i++) EXPECT_EQ(Run2(leak), first);
  // The state's memory figure is the same on the first (built) and later (restored) runs.
  const std::string count = "return tostring(collectgarbage('count'))";
  std::string c1 = Run2(count);
  EXPECT_EQ(Run2(count), c1);
  EXPECT_EQ(Run2(count), c1);
  // cjson (malloc'd buffers, closed after each run) keeps working.
  for (int i = 0; i < 3; i++) EXPECT_EQ(Run2("return cjson.encode({a=1})"), "$7\r\n{\"a\":1}\r\n");
  // Library state: an upvalue the callback changes starts over at every call.
  const std::string lib =
      "#!lua name=counter\nlocal n = 0\n"
      "redis.register_function('next', function() n = n + 1 rawset(_G, 'g', n) return n end)\n";
  FakeHost h;
  RunOptions opts;
  opts.limits = {kDefaultMaxInstructions, kDefaultMaxMemory};
  for (int i = 0; i < 3; i++) {
    std::string out;
    resp::ReplyBuilder rb(&out);
    CallFunction(lib, "next", {}, {}, h, opts, rb);
    EXPECT_EQ(out, ":1\r\n");
  }
  // Arguments too big for the memory budget are an error, not a crash.
  RunOptions tiny = opts;
  tiny.limits.max_memory = 200 << 10;
  std::string out;
  resp::ReplyBuilder rb(&out);
  CallFunction(lib, "next", {}, std::vector<std::string>{std::string(300 << 10, 'x')}, h, tiny, rb);
  EXPECT_EQ(out.substr(0, 5), "-ERR ") << out;
  EXPECT_NE(RunIn(2, "return 1", nullptr, tiny, {}, {std::string(300 << 10, 'x')}).find("lua-memory-limit"),
            std::string::npos);
  // A run that opened cjson and then ran out of memory is closed (its __gc) and restored.
  tiny.limits.max_memory = 4 << 20;
  for (int i = 0; i < 2; i++) {
    EXPECT_NE(RunIn(2, "local j = cjson.encode({1}) local t = {} for i = 1, 1e7 do t[i] = i end", nullptr, tiny)
                  .find("not enough memory"),
              std::string::npos);
  }
  EXPECT_EQ(Run2("return cjson.encode({1})"), "$3\r\n[1]\r\n");
}

// Not a check: how long a small script takes on a cached state (printed for the notes).
TEST(LuaTest, CachedRunCost) {
  FakeHost h;
  h.replies = {{"incr", ":5\r\n"}};
  const std::string body = "return redis.call('expire', KEYS[1], redis.call('incr', KEYS[1]) + 100)";
  RunOptions opts;
  opts.limits = {kDefaultMaxInstructions, kDefaultMaxMemory};
  std::string sha = Sha1Hex(body);
  std::vector<std::string> keys{"k"}, args;
  constexpr int kRuns = 20000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; i++) {
    std::string out;
    resp::ReplyBuilder rb(&out);
    scripting::Run(body, sha, keys, args, h, opts, rb);
    h.calls.clear();
  }
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / kRuns;
  std::printf("EVAL of INCR+EXPIRE on a cached state: %.2f us/run\n", us);
}

}  // namespace
}  // namespace redraft::scripting
