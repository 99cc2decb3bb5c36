// Internals shared by the scripting/ files (not for other layers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <lua.hpp>

#include "resp/reply_builder.h"
#include "scripting/scripting.h"

namespace redraft::scripting {

// The Lua state's memory: blocks of up to kMaxSmall bytes come from 64 KiB chunks with a free
// list per 16-byte size class (a fresh Lua state makes a few thousand small allocations; through
// malloc they were a third of a small script's cost); larger ones from malloc. Everything goes at
// once when the arena is destroyed (after lua_close). Not thread-safe: one per script.
class Arena {
 public:
  static constexpr size_t kMaxSmall = 512;
  ~Arena();
  void* Alloc(size_t n);
  void Free(void* p, size_t n);
  void* Realloc(void* p, size_t old_n, size_t n);

 private:
  static size_t Class(size_t n) { return (n + 15) / 16; }  // 1..32
  std::vector<void*> chunks_;
  char* cur_ = nullptr;
  size_t left_ = 0;
  void* free_[kMaxSmall / 16 + 1] = {};
};

// Per-script state, reachable from Lua through the allocator's ud (lua_getallocf).
struct VmState {
  Arena arena;
  Host* host = nullptr;
  RunOptions opts;
  std::string sha;
  int resp = 2;               // redis.setresp
  uint64_t mem_used = 0;      // bytes the Lua state holds now
  uint64_t steps = 0;         // kInstructionStep units executed
  uint64_t charged = 0;       // instructions charged for redis.call/pcall (kCallCost each)
  bool budget_hit = false;    // the instruction budget ran out: every later step raises again
  bool out_of_memory = false; // the allocator refused a block
  uint32_t rand_x[3] = {0, 0, 0};  // rand48 state (math.random)
  // FUNCTION LOAD: where redis.register_function records what it registered (null: not loading).
  std::vector<FunctionInfo>* registering = nullptr;
};

VmState* StateOf(lua_State* L);

// Charges n instructions; once past the budget, raises the budget error (and keeps raising at
// every step after it). Deterministic: depends only on what the script executed.
void Charge(lua_State* L, uint64_t n);

// --- lua_convert.cc ---
// Pushes the Lua value of one RESP reply (Redis 7.0 rules for the script's protocol: RESP2 null
// -> false, status -> {ok=}, error -> {err=}; RESP3 null -> nil, map -> {map=}, set -> {set=},
// double -> {double=}, big number -> {big_number=}, verbatim -> {verbatim_string=}). Advances
// *in past it. Returns false (nothing pushed) on malformed input.
bool PushReply(lua_State* L, std::string_view* in);
// Writes the Lua value at the top of the stack as a reply (Redis 7.0 rules), popping nothing.
// script_resp: the script's redis.setresp (booleans are RESP3 booleans only under setresp(3);
// otherwise true is :1 and false a null in the client's protocol).
void WriteLuaValue(lua_State* L, resp::ReplyBuilder& reply, int script_resp, int depth = 0);

// --- lua_redis_lib.cc ---
// Installs the `redis` table (call, pcall, error_reply, ...) and the constants.
void OpenRedisLib(lua_State* L);
// Replaces math.random / math.randomseed with Redis's rand48 ones (state in VmState).
void OpenRandom(lua_State* L);
void SeedRandom(VmState* vm, int32_t seed);

// --- lib_struct.cc / lib_cmsgpack.cc ---
int OpenStruct(lua_State* L);
int OpenCmsgpack(lua_State* L);

// --- script_run.cc: the pieces of a script run, shared with functions.cc ---
void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize);  // the budgeted lua_Alloc (ud: VmState)
int LoadText(lua_State* L, const std::string& code, const char* chunkname);  // never bytecode
void Hook(lua_State* L, lua_Debug* ar);  // the instruction budget (LUA_MASKCOUNT, kInstructionStep)
int GlobalIndex(lua_State* L);           // __index of read-only tables: the nonexistent-global error
int GlobalNewIndex(lua_State* L);        // __newindex of read-only tables
int ErrorHandler(lua_State* L);          // {err=..., source=..., line=...}
struct Setup {
  const std::vector<std::string>* keys;
  const std::vector<std::string>* args;
};
int OpenSandbox(lua_State* L);  // lua_cpcall with a Setup*: libraries, redis, KEYS/ARGV, read-only _G
std::string ErrorText(lua_State* L, const VmState& vm);  // a failed run's reply text
// Writes the value on top of the stack as the run's reply (budget lifted, protected).
void WriteResult(lua_State* L, VmState* vm, resp::ReplyBuilder& reply);
extern const char* const kBudgetError;

// A table {err = msg} on the stack (Redis's luaPushError).
void PushErrorTable(lua_State* L, std::string_view msg);

}  // namespace redraft::scripting
