// Internals shared by the scripting/ files (not for other layers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <lua.hpp>

#include "resp/reply_builder.h"
#include "scripting/scripting.h"

namespace redraft::scripting {

// The Lua state's memory: blocks of up to kMaxSmall bytes come from 64 KiB chunks with a free
// list per 16-byte size class (a fresh Lua state makes a few thousand small allocations; through
// malloc they were a third of a small script's cost); larger ones from malloc. Everything goes at
// once when the arena is destroyed (after lua_close). Not thread-safe: one per Lua state.
//
// Snapshot/Restore (arena.cc) make a Lua state reusable without rebuilding it: Snapshot copies
// every byte the state holds aside; Restore writes them back AT THE SAME ADDRESSES, so the Lua
// state (whose pointers all point into this arena) is byte for byte what it was at the snapshot:
// same globals, same GC debt, same string table, no leftover of the run in between. Blocks live at
// the snapshot are therefore never handed back to malloc before Restore (a free is deferred).
class Arena {
 public:
  static constexpr size_t kMaxSmall = 512;
  static constexpr size_t kChunk = 64 << 10;
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();
  void* Alloc(size_t n);
  void Free(void* p, size_t n);
  void* Realloc(void* p, size_t old_n, size_t n);
  // REQUIRES: no snapshot yet.
  void Snapshot();
  // REQUIRES: Snapshot() was called. Frees what was allocated since, rewrites the image.
  void Restore();
  size_t image_bytes() const { return image_.size(); }

 private:
  static size_t Class(size_t n) { return (n + 15) / 16; }  // 1..32
  bool InImage(void* p) const;
  std::vector<char*> chunks_;
  std::vector<char*> spare_;  // chunks freed by Restore, reused before malloc
  char* cur_ = nullptr;
  size_t left_ = 0;
  void* free_[kMaxSmall / 16 + 1] = {};
  std::unordered_map<void*, size_t> large_;  // malloc'd blocks not in the image
  // The snapshot: chunk bytes then large blocks' bytes, and the allocator's own state.
  struct Block {
    char* p;
    size_t n;
  };
  bool has_image_ = false;
  std::string image_;
  std::vector<Block> image_large_;  // sorted by p
  size_t image_chunks_ = 0;
  char* image_cur_ = nullptr;
  size_t image_left_ = 0;
  void* image_free_[kMaxSmall / 16 + 1] = {};
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
  // The run opened a library holding memory outside the arena (cjson's buffers, freed by its
  // __gc): the state must be lua_close'd before its arena is restored or dropped.
  bool needs_close = false;
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
  Strings keys;
  Strings args;
};
int OpenSandbox(lua_State* L);  // lua_cpcall: libraries, redis, read-only _G (KEYS/ARGV: per run)
std::string ErrorText(lua_State* L, const VmState& vm);  // a failed run's reply text
// Writes the value on top of the stack as the run's reply (budget lifted, protected).
void WriteResult(lua_State* L, VmState* vm, resp::ReplyBuilder& reply);
extern const char* const kBudgetError;

// --- shebang.cc ---
// Splits a "#!" line into words as Redis's sdssplitargs (quotes, escapes). False: unbalanced quotes.
bool SplitShebangArgs(std::string_view line, std::vector<std::string>* out);
struct LibraryShebang {
  std::string engine;  // the first word without "#!" (matched case-insensitively, as Redis)
  std::string name;    // name=... (not yet validated)
};
// "#!<engine> name=<lib>" of FUNCTION LOAD's code; *body: the code with that line a comment.
// Errors: Redis 7.0's ("ERR Missing library metadata", "ERR Library name was not given", ...).
Result<LibraryShebang> ParseLibraryShebang(std::string_view code, std::string* body);

// A table {err = msg} on the stack (Redis's luaPushError).
void PushErrorTable(lua_State* L, std::string_view msg);

// --- state_cache.cc: Lua states reused through Arena snapshots ---
// A Lua state built once (sandbox + a compiled script, or sandbox + a loaded library) and put
// back to that point after every run. A run on a cached state starts from exactly the state a
// freshly built one would have (same bytes, same GC debt, same memory count), so the budgets
// still trip at the same instruction on every replica whether or not a node had it cached, and
// nothing a run did (globals, rawset into library tables, garbage) survives into the next one.
struct Slot {
  VmState vm;
  lua_State* L = nullptr;
  uint64_t mem_used = 0;  // vm.mem_used at the snapshot
  int resp = 2;           // vm.resp at the snapshot
  bool cached = false;    // owned by the cache (snapshot taken); else dropped after the run
  bool in_use = false;
  uint64_t last_use = 0;
  ~Slot();
};
// Builds the state of a new slot (s.L); false with *error on failure (the slot is dropped).
using SlotBuilder = bool (*)(Slot& s, const void* arg, std::string* error);
class SlotLease {
 public:
  // The cached slot for key on this thread, or a new one built by build(arg). Keys must name
  // everything the build depends on (body, limits). Never blocks; a key in use (a nested run)
  // gets a private slot.
  SlotLease(const std::string& key, SlotBuilder build, const void* arg);
  ~SlotLease();  // puts the slot back to its snapshot (or drops it)
  SlotLease(const SlotLease&) = delete;
  SlotLease& operator=(const SlotLease&) = delete;
  Slot* get() const { return slot_; }  // null: the build failed (error())
  const std::string& error() const { return error_; }

 private:
  Slot* slot_ = nullptr;
  Slot* owned_ = nullptr;
  std::string error_;
};
// Memory a build may use before the run's lua-memory-limit applies (compiling a 4 MiB body).
constexpr uint64_t kBuildMaxMemory = 1ull << 30;

}  // namespace redraft::scripting
