// The `redis` table of Redis 7.0 scripts (script_lua.c) and its rand48 math.random.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "scripting/lua_internal.h"

namespace redraft::scripting {
namespace {

// The arguments of redis.call/pcall as strings: Lua strings as they are, numbers as Redis 7.0
// formats them ("%.17g"), anything else is an error (nullopt).
bool CollectArgs(lua_State* L, std::vector<std::string>* argv) {
  int argc = lua_gettop(L);
  argv->reserve(static_cast<size_t>(argc));
  for (int i = 1; i <= argc; i++) {
    int t = lua_type(L, i);
    if (t == LUA_TSTRING) {
      size_t len;
      const char* s = lua_tolstring(L, i, &len);
      argv->emplace_back(s, len);
    } else if (t == LUA_TNUMBER) {
      char buf[64];
      int n = std::snprintf(buf, sizeof(buf), "%.17g", static_cast<double>(lua_tonumber(L, i)));
      argv->emplace_back(buf, static_cast<size_t>(n));
    } else {
      return false;
    }
  }
  return true;
}

// Raises the error table on top of the stack (through the error handler, which adds where).
int RaiseTable(lua_State* L) { return lua_error(L); }

int GenericCall(lua_State* L, bool raise) {
  Charge(L, kCallCost);
  VmState* vm = StateOf(L);
  std::string reply;
  const char* error = nullptr;
  {
    std::vector<std::string> argv;
    if (lua_gettop(L) == 0) {
      error = "ERR Please specify at least one argument for this redis lib call";
    } else if (!CollectArgs(L, &argv)) {
      error = "ERR Lua redis lib command arguments must be strings or integers";
    } else {
      reply = vm->host->Call(argv, vm->resp);
    }
  }
  if (error) {
    PushErrorTable(L, error);
    return raise ? RaiseTable(L) : 1;
  }
  std::string_view in(reply);
  if (!PushReply(L, &in)) {
    PushErrorTable(L, "ERR reply of the command could not be converted for the script");
    return raise ? RaiseTable(L) : 1;
  }
  if (raise && reply[0] == '-') return RaiseTable(L);  // redis.call raises a command's error
  return 1;
}

int Call(lua_State* L) { return GenericCall(L, true); }
int PCall(lua_State* L) { return GenericCall(L, false); }

int ErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    PushErrorTable(L, "ERR wrong number or type of arguments");
    return lua_error(L);
  }
  size_t len;
  const char* s = lua_tolstring(L, 1, &len);
  std::string msg(s, len);
  if (msg.empty() || msg[0] != '-') msg.insert(0, "-");  // Redis 7.0 stores it with its '-'
  PushErrorTable(L, msg);
  return 1;
}

int StatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    PushErrorTable(L, "ERR wrong number or type of arguments");
    return lua_error(L);
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, 1);
  lua_settable(L, -3);
  return 1;
}

int Sha1HexFn(lua_State* L) {
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "ERR wrong number of arguments");
    return lua_error(L);
  }
  size_t len;
  const char* s = lua_tolstring(L, 1, &len);
  std::string hex = Sha1Hex(s ? std::string_view(s, len) : std::string_view());
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

int Log(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) {
    PushErrorTable(L, "ERR redis.log() requires two arguments or more.");
    return lua_error(L);
  }
  if (!lua_isnumber(L, 1)) {
    PushErrorTable(L, "ERR First argument must be a number (log level).");
    return lua_error(L);
  }
  int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) {
    PushErrorTable(L, "ERR Invalid debug level.");
    return lua_error(L);
  }
  std::string msg;
  for (int i = 2; i <= argc; i++) {
    size_t len;
    const char* s = lua_tolstring(L, i, &len);
    if (!s) continue;
    if (i > 2) msg.push_back(' ');
    msg.append(s, len);
  }
  StateOf(L)->host->Log(level, msg);
  return 0;
}

int SetResp(lua_State* L) {
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "ERR redis.setresp() requires one argument.");
    return lua_error(L);
  }
  int v = static_cast<int>(lua_tonumber(L, 1));
  if (v != 2 && v != 3) {
    PushErrorTable(L, "ERR RESP version must be 2 or 3.");
    return lua_error(L);
  }
  StateOf(L)->resp = v;
  return 0;
}

int SetRepl(lua_State* L) {  // accepted, no effect: a script's effects are its log entry
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "ERR redis.set_repl() requires one argument.");
    return lua_error(L);
  }
  int flags = static_cast<int>(lua_tonumber(L, 1));
  if (flags < 0 || flags > 3) {
    PushErrorTable(L, "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    return lua_error(L);
  }
  return 0;
}

int ReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

int Breakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}

int Debug(lua_State*) { return 0; }

int AclCheckCmd(lua_State* L) {
  int verdict = 0;
  {
    std::vector<std::string> argv;
    if (lua_gettop(L) == 0) {
      verdict = -2;
    } else if (!CollectArgs(L, &argv)) {
      verdict = -3;
    } else {
      verdict = StateOf(L)->host->AclCheck(argv);
    }
  }
  if (verdict == -2) PushErrorTable(L, "ERR Please specify at least one argument for this redis lib call");
  if (verdict == -3) PushErrorTable(L, "ERR Lua redis lib command arguments must be strings or integers");
  if (verdict == -1) PushErrorTable(L, "ERR Invalid command passed to redis.acl_check_cmd()");
  if (verdict < 0) return lua_error(L);
  lua_pushboolean(L, verdict);
  return 1;
}

// Redis's rand48 (rand.c): 48-bit LCG, a = 0x5DEECE66D, c = 0xB.
int32_t NextRand(VmState* vm) {
  uint64_t x = (static_cast<uint64_t>(vm->rand_x[2]) << 32) | (static_cast<uint64_t>(vm->rand_x[1]) << 16) | vm->rand_x[0];
  x = (x * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
  vm->rand_x[0] = static_cast<uint32_t>(x & 0xFFFF);
  vm->rand_x[1] = static_cast<uint32_t>((x >> 16) & 0xFFFF);
  vm->rand_x[2] = static_cast<uint32_t>((x >> 32) & 0xFFFF);
  return static_cast<int32_t>(x >> 17);  // the top 31 bits
}

// math.random as Redis's (deps/lua/src/lmathlib.c with redisLrand48).
int MathRandom(lua_State* L) {
  constexpr int32_t kMax = 2147483647;
  lua_Number r = static_cast<lua_Number>(NextRand(StateOf(L)) % kMax) / static_cast<lua_Number>(kMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomSeed(lua_State* L) {
  SeedRandom(StateOf(L), static_cast<int32_t>(luaL_checkint(L, 1)));
  return 0;
}

void SetFn(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushstring(L, name);
  lua_pushcfunction(L, f);
  lua_settable(L, -3);
}

void SetNum(lua_State* L, const char* name, lua_Number v) {
  lua_pushstring(L, name);
  lua_pushnumber(L, v);
  lua_settable(L, -3);
}

}  // namespace

void SeedRandom(VmState* vm, int32_t seed) {
  auto s = static_cast<uint32_t>(seed);
  vm->rand_x[0] = 0x330E;
  vm->rand_x[1] = s & 0xFFFF;
  vm->rand_x[2] = (s >> 16) & 0xFFFF;
}

void OpenRedisLib(lua_State* L) {
  lua_newtable(L);
  SetFn(L, "call", Call);
  SetFn(L, "pcall", PCall);
  SetFn(L, "error_reply", ErrorReply);
  SetFn(L, "status_reply", StatusReply);
  SetFn(L, "sha1hex", Sha1HexFn);
  SetFn(L, "log", Log);
  SetFn(L, "setresp", SetResp);
  SetFn(L, "set_repl", SetRepl);
  SetFn(L, "replicate_commands", ReplicateCommands);
  SetFn(L, "breakpoint", Breakpoint);
  SetFn(L, "debug", Debug);
  SetFn(L, "acl_check_cmd", AclCheckCmd);
  SetNum(L, "LOG_DEBUG", 0);
  SetNum(L, "LOG_VERBOSE", 1);
  SetNum(L, "LOG_NOTICE", 2);
  SetNum(L, "LOG_WARNING", 3);
  SetNum(L, "REPL_NONE", 0);
  SetNum(L, "REPL_AOF", 1);
  SetNum(L, "REPL_SLAVE", 2);
  SetNum(L, "REPL_REPLICA", 2);
  SetNum(L, "REPL_ALL", 3);
  lua_pushstring(L, "REDIS_VERSION");
  lua_pushstring(L, "7.0.15");
  lua_settable(L, -3);
  SetNum(L, "REDIS_VERSION_NUM", 0x07000f);
  lua_setglobal(L, "redis");
}

void OpenRandom(lua_State* L) {
  lua_getglobal(L, "math");
  SetFn(L, "random", MathRandom);
  SetFn(L, "randomseed", MathRandomSeed);
  lua_pop(L, 1);
}

}  // namespace redraft::scripting
