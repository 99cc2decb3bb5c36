// Redis 7.0 Functions on the script engine: a library's code runs in a fresh state whose
// `redis` table offers only register_function (and log and the constants); FCALL runs the code
// again the same way, then calls the registered callback with (keys, args). Running the code
// for every call keeps the fresh-state determinism of scripts (scripting.h).
#include <cctype>
#include <cstring>
#include <strings.h>

#include "scripting/lua_internal.h"

namespace redraft::scripting {
namespace {

constexpr std::string_view kNameError =
    "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

bool ValidName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

void RaiseMessage(lua_State* L, std::string_view msg) {
  PushErrorTable(L, msg);
  lua_error(L);
}

// redis.register_function(name, callback) or redis.register_function{function_name=...,
// callback=..., flags={...}, description=...}. Callbacks go to the registry table
// "redraft_functions"; what was registered to VmState::registering.
int RegisterFunction(lua_State* L) {
  VmState* vm = StateOf(L);
  if (!vm->registering) RaiseMessage(L, "ERR redis.register_function can only be called on FUNCTION LOAD command");
  FunctionInfo f;
  int callback;
  if (lua_gettop(L) == 2 && lua_type(L, 1) == LUA_TSTRING) {
    f.name = lua_tostring(L, 1);
    callback = 2;
  } else if (lua_gettop(L) == 1 && lua_istable(L, 1)) {
    lua_getfield(L, 1, "function_name");
    if (lua_type(L, -1) != LUA_TSTRING) RaiseMessage(L, "ERR function_name argument given to redis.register_function must be a string");
    f.name = lua_tostring(L, -1);
    lua_getfield(L, 1, "description");
    if (lua_type(L, -1) == LUA_TSTRING) f.description = lua_tostring(L, -1);
    else if (!lua_isnil(L, -1)) RaiseMessage(L, "ERR description argument given to redis.register_function must be a string");
    lua_getfield(L, 1, "flags");
    if (lua_istable(L, -1)) {
      for (int i = 1;; i++) {
        lua_rawgeti(L, -1, i);
        if (lua_isnil(L, -1)) {
          lua_pop(L, 1);
          break;
        }
        const char* flag = lua_tostring(L, -1);
        static const char* kFlags[] = {"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"};
        bool known = false;
        for (const char* k : kFlags) known |= flag && std::strcmp(flag, k) == 0;
        if (!known || lua_type(L, -1) != LUA_TSTRING) RaiseMessage(L, "ERR unknown flag given");
        f.flags.emplace_back(flag);
        lua_pop(L, 1);
      }
    } else if (!lua_isnil(L, -1)) {
      RaiseMessage(L, "ERR flags argument to redis.register_function must be a table representing function flags");
    }
    lua_getfield(L, 1, "callback");
    callback = lua_gettop(L);
  } else {
    RaiseMessage(L, "ERR wrong number of arguments to redis.register_function");
    return 0;
  }
  if (!lua_isfunction(L, callback)) {
    RaiseMessage(L, callback == 2 ? "ERR second argument to redis.register_function must be a function"
                                  : "ERR callback argument given to redis.register_function must be a function");
  }
  if (!ValidName(f.name)) RaiseMessage(L, kNameError);
  for (const auto& g : *vm->registering) {
    if (g.name == f.name) RaiseMessage(L, "ERR Function already exists in the library");
  }
  lua_getfield(L, LUA_REGISTRYINDEX, "redraft_functions");
  lua_pushstring(L, f.name.c_str());
  lua_pushvalue(L, callback);
  lua_rawset(L, -3);
  vm->registering->push_back(std::move(f));
  return 0;
}

// The environment of a library's code (and so of the callbacks it creates): while the code
// loads only `redis` (register_function, log, the constants) exists, as in Redis 7.0; once
// loaded, `redis` is the full table and every other name is the sandbox's global.
int LoadEnvIndex(lua_State* L) {
  if (!StateOf(L)->registering) {
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    lua_rawget(L, LUA_GLOBALSINDEX);
    if (!lua_isnil(L, -1)) return 1;
    lua_settop(L, 2);
  }
  return GlobalIndex(L);  // this frame is the one the Lua code called: errors say where
}

int EnterLoadMode(lua_State* L) {
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "redraft_functions");
  lua_getfield(L, LUA_GLOBALSINDEX, "redis");  // the full table
  lua_pushcfunction(L, RegisterFunction);
  lua_setfield(L, -2, "register_function");  // it raises once loading is over
  lua_setfield(L, LUA_REGISTRYINDEX, "redraft_redis");
  lua_getfield(L, LUA_REGISTRYINDEX, "redraft_redis");
  lua_newtable(L);  // the load-time redis
  for (const char* name : {"register_function", "log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING",
                           "REDIS_VERSION", "REDIS_VERSION_NUM", "setresp"}) {
    lua_getfield(L, -2, name);
    lua_setfield(L, -2, name);
  }
  lua_newtable(L);
  lua_pushcfunction(L, GlobalIndex);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_newtable(L);  // the environment
  lua_pushstring(L, "redis");
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_newtable(L);
  lua_pushcfunction(L, LoadEnvIndex);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, GlobalNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_pushliteral(L, "The metatable is protected");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, "redraft_env");
  lua_settop(L, 0);
  return 0;
}

int LeaveLoadMode(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "redraft_env");
  lua_pushstring(L, "redis");
  lua_getfield(L, LUA_REGISTRYINDEX, "redraft_redis");
  lua_rawset(L, -3);
  return 0;
}

// A fresh sandboxed state that has run the library's code. On error, the reply text in *error.
// The state is returned with the error handler at index 1.
lua_State* LoadInto(VmState* vm, std::string_view code, std::vector<FunctionInfo>* functions, std::string* error,
                    std::string* lib_name) {
  std::string body;
  auto meta = ParseLibraryShebang(code, &body);
  if (!meta.ok()) {
    *error = meta.status().message();
    return nullptr;
  }
  // Redis checks the name before looking the engine up.
  if (!ValidName(meta->name)) {
    *error = kNameError;
    return nullptr;
  }
  if (strcasecmp(meta->engine.c_str(), "lua") != 0) {
    *error = "ERR Engine '" + meta->engine + "' not found";
    return nullptr;
  }
  *lib_name = meta->name;
  lua_State* L = lua_newstate(Alloc, vm);
  if (!L) {
    *error = "ERR Error registering functions: cannot create a Lua state";
    return nullptr;
  }
  if (lua_cpcall(L, OpenSandbox, nullptr) != 0 || lua_cpcall(L, EnterLoadMode, nullptr) != 0) {
    *error = "ERR Error registering functions: cannot build the sandbox";
    return L;
  }
  lua_pushcfunction(L, ErrorHandler);
  if (LoadText(L, body, "@user_function") != 0) {
    const char* msg = lua_tostring(L, -1);
    *error = std::string("ERR Error compiling function: ") + (msg ? msg : "out of memory");
    return L;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, "redraft_env");  // made by EnterLoadMode (no allocation)
  lua_setfenv(L, -2);
  vm->registering = functions;
  lua_sethook(L, Hook, LUA_MASKCOUNT, static_cast<int>(kInstructionStep));
  int rc = lua_pcall(L, 0, 0, 1);
  lua_sethook(L, nullptr, 0, 0);
  vm->registering = nullptr;
  if (rc != 0 || vm->budget_hit) {
    std::string msg;
    if (vm->budget_hit) {
      msg = kBudgetError;
    } else if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "ERR unknown error";
    } else {
      msg = std::string("ERR ") + (lua_isstring(L, -1) ? lua_tostring(L, -1) : "unknown error");
    }
    *error = "ERR Error registering functions: " + msg;
    return L;
  }
  if (functions->empty()) {
    *error = "ERR No functions registered";
    return L;
  }
  if (lua_cpcall(L, LeaveLoadMode, nullptr) != 0) *error = "ERR Error registering functions: out of memory";
  lua_settop(L, 1);
  return L;
}

void Close(lua_State* L) {
  if (L) lua_close(L);
}

struct CallSetup {
  const std::string* name;
  Strings keys;
  Strings args;
};

// Inside lua_cpcall (allocations may fail under lua-memory-limit): registry[1..3] = the callback,
// the keys table, the args table.
int PrepareCall(lua_State* L) {
  auto* c = static_cast<CallSetup*>(lua_touserdata(L, 1));
  lua_getfield(L, LUA_REGISTRYINDEX, "redraft_functions");
  lua_getfield(L, -1, c->name->c_str());
  lua_rawseti(L, LUA_REGISTRYINDEX, 1);
  for (int t = 0; t < 2; t++) {
    Strings v = t == 0 ? c->keys : c->args;
    lua_createtable(L, static_cast<int>(v.size()), 0);
    for (size_t i = 0; i < v.size(); i++) {
      lua_pushlstring(L, v[i].data(), v[i].size());
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
    lua_rawseti(L, LUA_REGISTRYINDEX, 2 + t);
  }
  return 0;
}

struct LibraryBuild {
  std::string_view code;
  Limits limits;
};

// FCALL's state: the library loaded (under the call's limits), the error handler at 1, the
// callbacks in the registry. Loading is not charged to the call's instruction budget.
bool BuildLibrary(Slot& s, const void* arg, std::string* error) {
  auto* b = static_cast<const LibraryBuild*>(arg);
  s.vm.opts.limits = b->limits;
  std::vector<FunctionInfo> functions;
  std::string lib;
  s.L = LoadInto(&s.vm, b->code, &functions, error, &lib);
  if (!error->empty()) return false;
  s.vm.steps = 0;
  s.vm.charged = 0;
  return true;
}

}  // namespace

bool FunctionInfo::no_writes() const {
  for (const auto& f : flags) {
    if (f == "no-writes") return true;
  }
  return false;
}

bool FunctionInfo::allow_oom() const {
  for (const auto& f : flags) {
    if (f == "allow-oom") return true;
  }
  return false;
}

Result<LibraryInfo> LoadLibrary(std::string_view code, const Limits& limits) {
  VmState vm;
  vm.opts.limits = limits;
  LibraryInfo info;
  std::string error;
  lua_State* L = LoadInto(&vm, code, &info.functions, &error, &info.name);
  Close(L);
  if (!error.empty()) return Status::InvalidArgument(error);
  return info;
}

void CallFunction(std::string_view code, std::string_view name, Strings keys, Strings args, Host& host,
                  const RunOptions& opts, resp::ReplyBuilder& reply) {
  // The library is loaded once per (code, limits) and thread; every call starts from that
  // loaded state (state_cache.cc), so top-level code is not re-run and nothing leaks between calls.
  LibraryBuild build{code, opts.limits};
  // The key (the whole library's code) is assembled in a per-thread buffer: no allocation per
  // call once it has grown to the library's size. Safe: a build only loads the library (no
  // redis.call, no nested script), so nothing reuses the buffer before the lease is made.
  thread_local std::string key;
  key.assign("F");
  key.append(std::to_string(opts.limits.max_instructions)).append(":");
  key.append(std::to_string(opts.limits.max_memory)).append(":");
  key.append(code);
  SlotLease lease(key, BuildLibrary, &build);
  Slot* s = lease.get();
  if (!s) return reply.Error(lease.error());
  VmState& vm = s->vm;
  lua_State* L = s->L;
  vm.host = &host;
  vm.opts = opts;
  vm.sha.assign(name);  // errors say "script: <function name>", as Redis's
  SeedRandom(&vm, opts.seed);
  std::string fname(name);
  CallSetup setup{&fname, keys, args};
  if (lua_cpcall(L, PrepareCall, &setup) != 0) {
    return reply.Error("ERR Error running script: cannot build the sandbox (lua-memory-limit too small?)");
  }
  for (int i = 1; i <= 3; i++) lua_rawgeti(L, LUA_REGISTRYINDEX, i);  // reads only: cannot fail
  if (!lua_isfunction(L, -3)) return reply.Error("ERR Function not found");
  lua_sethook(L, Hook, LUA_MASKCOUNT, static_cast<int>(kInstructionStep));
  int rc = lua_pcall(L, 2, 1, 1);
  lua_sethook(L, nullptr, 0, 0);
  if (rc != 0 || vm.budget_hit) return reply.Error(ErrorText(L, vm));
  WriteResult(L, &vm, reply);
}

}  // namespace redraft::scripting
