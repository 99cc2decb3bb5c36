// Running one script: a fresh sandboxed Lua state with both budgets, then the reply (or Redis
// 7.0's error text). See scripting.h for why every script gets a fresh state.
#include <openssl/evp.h>

#include <cstdlib>
#include <algorithm>
#include <cstring>

#include "scripting/lua_internal.h"

extern "C" {
#include <lua-bitop.h>
#include <lua-cjson.h>
}

namespace redraft::scripting {

// The allocator: refuses to grow past the script's memory budget (Lua then raises "not enough
// memory"). Shrinking and freeing never fail, as Lua requires.
void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* vm = static_cast<VmState*>(ud);
  if (nsize == 0) {
    if (ptr) vm->arena.Free(ptr, osize);
    vm->mem_used -= ptr ? osize : 0;
    return nullptr;
  }
  if (!ptr) osize = 0;  // Lua 5.1 passes garbage-free 0 here, but be explicit
  if (nsize > osize && vm->mem_used - osize + nsize > vm->opts.limits.max_memory) {
    vm->out_of_memory = true;
    return nullptr;
  }
  void* p = vm->arena.Realloc(ptr, osize, nsize);
  if (!p) return nullptr;
  vm->mem_used = vm->mem_used - osize + nsize;
  return p;
}

// Compiles code as Lua source, never as a precompiled chunk: Lua 5.1 loads anything starting
// with ESC "Lua" as bytecode, which it does not verify (crafted bytecode can crash the process,
// and a committed entry is replayed on every restart). A body starting with ESC is parsed as
// text behind a space instead, and fails as Redis's does ("unexpected symbol near 'char(27)'").
int LoadText(lua_State* L, const std::string& code, const char* chunkname) {
  if (!code.empty() && code[0] == LUA_SIGNATURE[0]) {
    std::string spaced = " " + code;
    return luaL_loadbuffer(L, spaced.data(), spaced.size(), chunkname);
  }
  return luaL_loadbuffer(L, code.data(), code.size(), chunkname);
}

const char* const kBudgetError =
    "ERR Script killed: it ran past lua-instruction-limit (the deterministic budget every replica stops "
    "at; see docs/scripting.md)";

// Every kInstructionStep instructions. Once the budget is spent, it raises on every step (a
// pcall inside the script cannot swallow it for long: the first instruction outside the pcall
// raises again), so the script stops at the same instruction on every replica.
void Hook(lua_State* L, lua_Debug*);

void RaiseBudget(lua_State* L) {
  VmState* vm = StateOf(L);
  if (!vm->budget_hit) {
    vm->budget_hit = true;
    lua_sethook(L, Hook, LUA_MASKCOUNT, 1);
  }
  PushErrorTable(L, kBudgetError);
  lua_error(L);
}

bool OverBudget(const VmState& vm) {
  return vm.budget_hit || vm.steps * kInstructionStep + vm.charged > vm.opts.limits.max_instructions;
}

void Hook(lua_State* L, lua_Debug*) {
  VmState* vm = StateOf(L);
  vm->steps++;
  if (OverBudget(*vm)) RaiseBudget(L);
}

// "user_script:3: " for the Lua function `level` frames up, as luaL_where.
void PushWhere(lua_State* L, int level) {
  lua_Debug ar;
  if (lua_getstack(L, level, &ar)) {
    lua_getinfo(L, "Sl", &ar);
    if (ar.currentline > 0) {
      lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
      return;
    }
  }
  lua_pushliteral(L, "");
}

// _G's metatable (Redis 7.0 makes the globals table read-only).
// The libraries few scripts use are opened when a script first names them (opening them all for
// every script was a third of a small script's cost). Which ones a script opens depends only on
// the script, so the state stays the same on every replica.
int OpenMath(lua_State* L) {
  luaopen_math(L);
  OpenRandom(L);  // Redis's rand48 math.random
  return 1;
}

const luaL_Reg kLazyLibs[] = {{"cjson", luaopen_cjson}, {"bit", luaopen_bit},     {"struct", OpenStruct},
                              {"cmsgpack", OpenCmsgpack}, {LUA_MATHLIBNAME, OpenMath}, {LUA_TABLIBNAME, luaopen_table}};

int GlobalIndex(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  for (const auto& lib : kLazyLibs) {
    if (name && std::strcmp(name, lib.name) == 0) {
      if (std::strcmp(name, "cjson") == 0) StateOf(L)->needs_close = true;
      // Openers register their global with luaL_register, through _G's guard: lift it meanwhile.
      lua_getmetatable(L, LUA_GLOBALSINDEX);
      lua_pushnil(L);
      lua_setmetatable(L, LUA_GLOBALSINDEX);
      lua_pushcfunction(L, lib.func);
      lua_pushstring(L, lib.name);
      lua_call(L, 1, 1);
      lua_pushstring(L, lib.name);
      lua_pushvalue(L, -2);
      lua_rawset(L, LUA_GLOBALSINDEX);  // a global from now on
      lua_pushvalue(L, -2);
      lua_setmetatable(L, LUA_GLOBALSINDEX);
      return 1;
    }
  }
  PushWhere(L, 1);
  lua_pushfstring(L, "Script attempted to access nonexistent global variable '%s'", name ? name : "?");
  lua_concat(L, 2);
  return lua_error(L);
}

int GlobalNewIndex(lua_State* L) {
  PushWhere(L, 1);
  lua_pushliteral(L, "Attempt to modify a readonly table");
  lua_concat(L, 2);
  return lua_error(L);
}

// The error handler (Redis's __redis__err__handler): a string error becomes {err = "ERR " ..
// msg}; the table gets the source and line where the error was raised.
int ErrorHandler(lua_State* L) {
  if (!lua_istable(L, 1)) {
    // {err = 'ERR ' .. tostring(err)}, as Redis's Lua error handler.
    lua_settop(L, 1);
    lua_getfield(L, LUA_GLOBALSINDEX, "tostring");
    lua_insert(L, 1);
    lua_call(L, 1, 1);
    const char* msg = lua_tostring(L, 1);
    std::string text = "ERR ";
    text += msg ? msg : "?";
    lua_settop(L, 0);
    PushErrorTable(L, text);
  } else {
    lua_settop(L, 1);
  }
  lua_Debug ar;
  int level = 1;
  if (lua_getstack(L, level, &ar)) {
    lua_getinfo(L, "Sl", &ar);
    if (std::strcmp(ar.what, "C") == 0 && lua_getstack(L, ++level, &ar)) lua_getinfo(L, "Sl", &ar);
    if (std::strcmp(ar.what, "C") != 0) {
      lua_pushstring(L, "source");
      lua_pushstring(L, ar.source);
      lua_rawset(L, 1);
      lua_pushstring(L, "line");
      lua_pushnumber(L, ar.currentline);
      lua_rawset(L, 1);
    }
  }
  return 1;
}

void PushArray(lua_State* L, Strings v) {
  lua_createtable(L, static_cast<int>(v.size()), 0);
  for (size_t i = 0; i < v.size(); i++) {
    lua_pushlstring(L, v[i].data(), v[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

// Builds the sandbox (inside lua_cpcall: out-of-memory here is an error, not a panic).
int OpenSandbox(lua_State* L) {
  lua_settop(L, 0);
  // math and table are opened eagerly (most scripts use them; a cached state pays once).
  static const luaL_Reg kLibs[] = {{"", luaopen_base}, {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, OpenMath},
                                   {LUA_TABLIBNAME, luaopen_table}};
  for (const auto& lib : kLibs) {
    lua_pushcfunction(L, lib.func);
    lua_pushstring(L, lib.name);
    lua_call(L, 1, 1);
    // cjson returns its table without making it a global; the others register themselves.
    if (lib.name[0] != '\0' && lua_istable(L, -1)) lua_setglobal(L, lib.name);
    lua_settop(L, 0);
  }
  lua_settop(L, 0);
  // Redis 7.0's globals minus what can reach outside the script (loadstring/load compile new
  // code; print writes to stdout; the rest are not in Redis either).
  for (const char* name : {"dofile", "loadfile", "print", "require", "module", "setfenv", "getfenv", "newproxy",
                           "loadstring", "load"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  OpenRedisLib(L);
  // _G read-only: absent names raise on read and on write.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_newtable(L);
  lua_pushcfunction(L, GlobalIndex);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, GlobalNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_pushliteral(L, "The metatable is protected");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_pop(L, 1);
  return 0;
}

// The error of a failed script as Redis 7.0 words it (luaCallFunction).
std::string ErrorText(lua_State* L, const VmState& vm) {
  if (vm.budget_hit) return kBudgetError;
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "err");
    std::string msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "ERR unknown error";
    lua_pop(L, 1);
    lua_getfield(L, -1, "source");
    std::string source = lua_isstring(L, -1) ? lua_tostring(L, -1) : "?";
    lua_pop(L, 1);
    lua_getfield(L, -1, "line");
    std::string line = lua_isstring(L, -1) ? lua_tostring(L, -1) : "?";
    lua_pop(L, 1);
    if (!msg.empty() && msg[0] == '-') msg.erase(0, 1);
    return msg + " script: " + std::string(vm.sha) + ", on " + source + ":" + line + ".";
  }
  const char* msg = lua_tostring(L, -1);
  if (vm.out_of_memory) {
    return "ERR Error running script (call to f_" + vm.sha + "): @user_script: " + (msg ? msg : "not enough memory") +
           " (lua-memory-limit)";
  }
  return "ERR Error running script (call to f_" + vm.sha + "): @user_script: " + (msg ? msg : "unknown error");
}

int ConvertResult(lua_State* L) {
  auto* rb = static_cast<resp::ReplyBuilder*>(lua_touserdata(L, 1));
  lua_getfield(L, LUA_REGISTRYINDEX, "redraft_result");
  WriteLuaValue(L, *rb, StateOf(L)->resp);
  return 0;
}

void Charge(lua_State* L, uint64_t n) {
  VmState* vm = StateOf(L);
  vm->charged += n;
  if (OverBudget(*vm)) RaiseBudget(L);
}

VmState* StateOf(lua_State* L) {
  void* ud;
  lua_getallocf(L, &ud);
  return static_cast<VmState*>(ud);
}

std::string Sha1Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; i++) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

bool Compile(std::string_view body, std::string* error) {
  std::string code;
  auto flags = ParseShebang(body, &code);
  if (!flags.ok()) {
    *error = flags.status().message();
    return false;
  }
  VmState vm;
  vm.opts.limits.max_memory = kDefaultMaxMemory;
  lua_State* L = lua_newstate(Alloc, &vm);
  if (!L) {
    *error = "ERR Error compiling script: cannot create a Lua state";
    return false;
  }
  int rc = LoadText(L, code, "@user_script");
  if (rc != 0) {
    const char* msg = lua_tostring(L, -1);
    *error = std::string("ERR Error compiling script (new function): ") + (msg ? msg : "out of memory");
  }
  lua_close(L);
  return rc == 0;
}

namespace {

// KEYS and ARGV of this run (inside lua_cpcall; rawset: _G is read-only to scripts).
int SetArgs(lua_State* L) {
  auto* setup = static_cast<Setup*>(lua_touserdata(L, 1));
  lua_pushliteral(L, "KEYS");
  PushArray(L, setup->keys);
  lua_rawset(L, LUA_GLOBALSINDEX);
  lua_pushliteral(L, "ARGV");
  PushArray(L, setup->args);
  lua_rawset(L, LUA_GLOBALSINDEX);
  return 0;
}

struct ScriptBuild {
  std::string_view body;
  bool compile_error = false;  // the body did not parse or compile: nothing to cache
};

// A script's state: the sandbox, the error handler at 1, the compiled body at 2.
bool BuildScript(Slot& s, const void* arg, std::string* error) {
  auto* b = static_cast<ScriptBuild*>(const_cast<void*>(arg));
  std::string code;
  auto flags = ParseShebang(b->body, &code);
  if (!flags.ok()) {
    *error = flags.status().message();
    b->compile_error = true;
    return false;
  }
  s.L = lua_newstate(Alloc, &s.vm);
  if (!s.L) {
    *error = "ERR Error running script: cannot create a Lua state";
    return false;
  }
  if (lua_cpcall(s.L, OpenSandbox, nullptr) != 0) {
    *error = "ERR Error running script: cannot build the sandbox (lua-memory-limit too small?)";
    return false;
  }
  lua_pushcfunction(s.L, ErrorHandler);
  if (LoadText(s.L, code, "@user_script") != 0) {
    const char* msg = lua_tostring(s.L, -1);
    *error = std::string("ERR Error compiling script (new function): ") + (msg ? msg : "out of memory");
    b->compile_error = true;
    return false;
  }
  return true;
}

}  // namespace

bool Run(std::string_view body, std::string_view sha, Strings keys, Strings args, Host& host, const RunOptions& opts,
         resp::ReplyBuilder& reply) {
  // A cached state was built from this very body, so its shebang parsed: only a build parses it
  // (and answers its error). The key is kept in a per-thread buffer: no allocation per run (a
  // build only compiles, so no nested Run reuses the buffer before the lease is made).
  ScriptBuild build{body};
  thread_local std::string key;
  key.assign("E");
  key.append(body);
  SlotLease lease(key, BuildScript, &build);
  Slot* s = lease.get();
  if (!s) {
    reply.Error(lease.error());
    return !build.compile_error;
  }
  VmState& vm = s->vm;
  lua_State* L = s->L;
  vm.host = &host;
  vm.opts = opts;
  vm.sha.assign(sha);
  SeedRandom(&vm, opts.seed);
  // The state as built counts against the run's memory budget (the same figure on every node).
  Setup setup{keys, args};
  if (vm.mem_used > opts.limits.max_memory || lua_cpcall(L, SetArgs, &setup) != 0) {
    reply.Error("ERR Error running script: cannot build the sandbox (lua-memory-limit too small?)");
    return true;
  }
  lua_sethook(L, Hook, LUA_MASKCOUNT, static_cast<int>(kInstructionStep));
  int rc = lua_pcall(L, 0, 1, 1);
  lua_sethook(L, nullptr, 0, 0);
  if (rc != 0 || vm.budget_hit) {
    reply.Error(ErrorText(L, vm));
    return true;
  }
  WriteResult(L, &vm, reply);
  return true;
}

void WriteResult(lua_State* L, VmState* vm, resp::ReplyBuilder& reply) {
  // The reply is converted with the memory budget lifted and inside a protected call: a Lua
  // error here must never reach lua_atpanic (which would abort the process).
  vm->opts.limits.max_memory = UINT64_MAX;
  lua_setfield(L, LUA_REGISTRYINDEX, "redraft_result");
  std::string out;
  resp::ReplyBuilder rb(&out, reply.proto());
  if (lua_cpcall(L, ConvertResult, &rb) != 0) {
    reply.Error("ERR Error running script: the reply could not be converted");
    return;
  }
  reply.Raw(out);
}

}  // namespace redraft::scripting
