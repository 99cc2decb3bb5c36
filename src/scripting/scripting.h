// scripting/: the Lua 5.1 engine behind EVAL and friends (docs/scripting.md).
//
// Owns: the sandboxed Lua state (Redis 7.0's globals and libraries: redis.*, cjson, bit, struct,
// cmsgpack; no os/io/loadstring/require), the RESP <-> Lua conversion rules, the error texts of
// script failures, and the two budgets that make a script stop at the same point on every
// replica (an instruction count, not wall-clock time, and a memory cap on the Lua allocator).
// Must not touch: the store, the command table, sockets or Raft. What redis.call does is the
// caller's business (Host), so this layer sits below commands/.
//
// Determinism: every script runs in a FRESH Lua state (created, run, closed). Lua's allocator
// pattern, garbage collector and string table then start from the same point for the same
// script on every replica, so the instruction and memory budgets trip at the same instruction
// everywhere, and nothing a previous script did (a rawset into a library table) can leak into
// the next one. math.random is Redis's rand48, seeded per script by the caller (RunOptions::seed).
// Thread-safety: Run is reentrant; states are never shared.
#pragma once

#include <cstdint>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "resp/reply_builder.h"

namespace redraft::scripting {

// What the script's host does for redis.call / redis.pcall / redis.log.
class Host {
 public:
  virtual ~Host() = default;
  // Runs argv (argv[0] the command name, as the script spelled it) and returns its reply as RESP
  // bytes in protocol `proto` (2 or 3: the script's redis.setresp). Errors the host decides
  // itself (unknown command, not allowed from scripts, write from a read-only script) are error
  // replies ("-ERR ...\r\n") too.
  virtual std::string Call(const std::vector<std::string>& argv, int proto) = 0;
  // redis.acl_check_cmd: whether the calling user may run argv. Unknown command: -1.
  virtual int AclCheck(const std::vector<std::string>&) { return 1; }
  // redis.log(level, msg): level is 0 debug, 1 verbose, 2 notice, 3 warning.
  virtual void Log(int, std::string_view) {}
};

struct Limits {
  // Lua VM instructions a script may execute (counted in steps of kInstructionStep), each
  // redis.call counting as kCallCost.
  uint64_t max_instructions = 0;
  // Bytes the script's Lua state may hold at once (its allocator refuses more).
  uint64_t max_memory = 0;
};
constexpr uint64_t kInstructionStep = 1000;
// Each redis.call/pcall is charged as this many instructions, so a script looping over commands
// is bounded too (at most max_instructions / kCallCost commands).
constexpr uint64_t kCallCost = 250;
// 50M instructions: ~0.1-0.3 s of plain Lua on one core, or 200,000 redis.call.
constexpr uint64_t kDefaultMaxInstructions = 50'000'000;
constexpr uint64_t kDefaultMaxMemory = 64ull << 20;
constexpr size_t kMaxScriptBytes = 4 << 20;  // bodies over 4 MiB are refused before the log

// The flags of a "#!lua flags=..." first line (Redis 7.0 eval shebang).
struct ScriptFlags {
  bool shebang = false;    // the body starts with "#!"
  bool no_writes = false;  // flags=no-writes: runs as a read (EVAL_RO semantics)
  bool allow_oom = false;  // flags=allow-oom: runs (and its commands) over maxmemory too
};
// Parses the shebang. Errors have Redis's texts ("ERR Unexpected engine in script shebang ...",
// "ERR Unexpected flag in script shebang: x"). *code: the body with the shebang line made a Lua
// comment (line numbers stay those of the body); null: the flags only (no copy of the body).
Result<ScriptFlags> ParseShebang(std::string_view body, std::string* code);

// Lower-case hex SHA1 (redis.sha1hex, SCRIPT LOAD's reply).
std::string Sha1Hex(std::string_view data);

// Whether body compiles (SCRIPT LOAD); *error: Redis's "ERR Error compiling script ..." text.
bool Compile(std::string_view body, std::string* error);

struct RunOptions {
  Limits limits;
  bool read_only = false;  // writes refused (EVAL_RO, no-writes): decided by the Host's Call
  // math.random's seed (Redis's rand48). Redis 7.0 does not reset it between scripts; here a
  // write script is seeded from its log index, so every replica draws the same numbers.
  int32_t seed = 0;
};

// Compiles and runs body (a script; sha its SHA1) with KEYS and ARGV, writing the script's reply
// (or its error, with Redis's texts) to reply, in reply.proto(). Never throws; never crashes on
// any body: errors are replies. Returns false iff the body did not compile (Redis then does not
// cache it).
// KEYS and ARGV as views of the caller's strings (e.g. a log entry's argv): no copies per run.
using Strings = std::span<const std::string>;
bool Run(std::string_view body, std::string_view sha, Strings keys, Strings args, Host& host, const RunOptions& opts,
         resp::ReplyBuilder& reply);

// --- Functions (FUNCTION LOAD, FCALL): functions.cc ---

struct FunctionInfo {
  std::string name;
  std::string description;            // empty: none
  std::vector<std::string> flags;     // as given: "no-writes", "allow-oom", ...
  bool no_writes() const;
  bool allow_oom() const;
};
struct LibraryInfo {
  std::string name;
  std::vector<FunctionInfo> functions;  // in registration order
};

// Runs a library's code ("#!lua name=<lib>" first line) in a fresh state where only
// redis.register_function, redis.log and the constants exist, and returns what it registered.
// Errors have Redis 7.0's texts ("ERR Missing library metadata", "ERR Error registering
// functions: ...", "ERR No functions registered", ...). Deterministic, under limits.
Result<LibraryInfo> LoadLibrary(std::string_view code, const Limits& limits);

// Loads the library's code as LoadLibrary does, then calls function `name` with the tables of
// keys and args (Redis's function(keys, args)), writing its reply or error to reply.
// REQUIRES: code loaded successfully before (it is replicated state).
void CallFunction(std::string_view code, std::string_view name, Strings keys, Strings args, Host& host,
                  const RunOptions& opts, resp::ReplyBuilder& reply);

}  // namespace redraft::scripting
