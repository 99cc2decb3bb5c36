// FUNCTION (LOAD, DELETE, FLUSH, LIST, STATS, KILL, HELP, DUMP/RESTORE in redraft's own payload) and the
// log forms of its writes. Libraries are replicated state (functions_store.h); FCALL/FCALL_RO
// are in scripting_cmds.cc (FCALL is a redraft.eval entry naming the function).
#include <algorithm>
#include <set>

#include "commands/args.h"
#include "commands/command_info.h"
#include "commands/functions_store.h"
#include "commands/glob.h"
#include "commands/scripting_cmds.h"
#include "commands/server_api.h"
#include "commands/transactions.h"
#include "common/coding.h"
#include "common/crc32c.h"
#include "rdb/value.h"  // FUNCTION DUMP / RESTORE payloads
#include "scripting/scripting.h"

namespace redraft::commands {
namespace {

scripting::Limits LoadLimits() {
  // The library's top-level code runs under the default budgets (the same on every replica).
  return scripting::Limits{scripting::kDefaultMaxInstructions, scripting::kDefaultMaxMemory};
}

// The batch holding stored keys (the system namespace is not per database).
store::Store::Batch& Stored(ApplyContext& ctx) {
  auto* tb = dynamic_cast<TxnBatch*>(&ctx.batch.base());
  return tb ? static_cast<store::Store::Batch&>(*tb) : ctx.batch;
}

std::vector<std::string> FunctionNames(store::Store::Batch& b, std::string_view lib) {
  std::string v;
  std::vector<std::string> names;
  if (!b.GetSub("", 0, std::string(kFunctionListField) + std::string(lib), &v).ok()) return names;
  size_t pos = 0;
  while (pos < v.size()) {
    size_t end = v.find('\0', pos);
    if (end == std::string::npos) break;
    names.push_back(v.substr(pos, end - pos));
    pos = end + 1;
  }
  return names;
}

void DeleteLibrary(store::Store::Batch& b, std::string_view lib) {
  for (const auto& f : FunctionNames(b, lib)) b.DeleteSub("", 0, std::string(kFunctionField) + f);
  b.DeleteSub("", 0, std::string(kFunctionListField) + std::string(lib));
  b.DeleteSub("", 0, std::string(kFunctionLibField) + std::string(lib));
}

// redraft.functionload <replace: 0|1> <code>
bool PrepareFunctionLoad(PrepareContext& ctx, Argv& argv) {
  if ((argv[1] != "0" && argv[1] != "1") || argv[2].size() > scripting::kMaxScriptBytes) {
    ctx.reply.Error("ERR invalid log entry: malformed redraft.functionload");
    return false;
  }
  return true;
}

void WriteLibrary(store::Store::Batch& b, const scripting::LibraryInfo& lib, std::string_view code);

void ApplyFunctionLoad(ApplyContext& ctx, const Argv& argv) {
  store::Store::Batch& b = Stored(ctx);
  auto lib = scripting::LoadLibrary(argv[2], LoadLimits());
  if (!lib.ok()) return ctx.reply.Error(lib.status().message());
  bool replace = argv[1] == "1";
  bool exists = LibraryCode(b, lib->name).has_value();
  if (exists && !replace) return ctx.reply.Error("ERR Library '" + lib->name + "' already exists");
  for (const auto& f : lib->functions) {
    auto other = FindFunction(b, f.name);
    if (other && other->library != lib->name) return ctx.reply.Error("ERR Function " + f.name + " already exists");
  }
  if (exists) DeleteLibrary(b, lib->name);
  WriteLibrary(b, *lib, argv[2]);
  ctx.reply.Bulk(lib->name);
}

void WriteLibrary(store::Store::Batch& b, const scripting::LibraryInfo& lib, std::string_view code) {
  std::string list;
  for (const auto& f : lib.functions) {
    b.PutSub("", 0, std::string(kFunctionField) + f.name, (f.no_writes() ? "1" : "0") + lib.name);
    list += f.name;
    list.push_back('\0');
  }
  b.PutSub("", 0, std::string(kFunctionListField) + lib.name, list);
  b.PutSub("", 0, std::string(kFunctionLibField) + lib.name, code);
}

void ApplyFunctionDelete(ApplyContext& ctx, const Argv& argv) {
  store::Store::Batch& b = Stored(ctx);
  if (!LibraryCode(b, argv[1])) return ctx.reply.Error("ERR Library not found");
  DeleteLibrary(b, argv[1]);
  ctx.reply.Ok();
}

bool PrepareFunctionFlush(PrepareContext& ctx, Argv& argv) {
  if (argv.size() > 2 || (argv.size() == 2 && !EqualsIgnoreCase(argv[1], "sync") && !EqualsIgnoreCase(argv[1], "async"))) {
    ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return false;
  }
  return true;
}

void ApplyFunctionFlush(ApplyContext& ctx, const Argv&) {
  store::Store::Batch& b = Stored(ctx);
  std::vector<std::string> fields;
  for (std::string_view prefix : {kFunctionLibField, kFunctionField, kFunctionListField}) {
    (void)b.ScanSub("", 0, prefix, [&](std::string_view field, std::string_view) {
      if (!field.starts_with(prefix)) return false;
      fields.emplace_back(field);
      return true;
    });
  }
  for (const auto& f : fields) b.DeleteSub("", 0, f);
  ctx.reply.Ok();
}

store::Store* StoredKeys(ExecContext& ctx) { return ctx.server ? ctx.server->stored_keys() : nullptr; }

// FUNCTION DUMP's payload is Redis 7.0's (rdb/value.h: one RDB_OPCODE_FUNCTION2 record per library,
// RDB version, CRC-64), so libraries move between redis-server and redraft. Until 2026-12-07 it was
// redraft's own form, which RESTORE still accepts (log entries of that time replay as they did):
//   "RDRFN" 0x01, then each library's code length-prefixed, then crc32c of all before, fixed32 LE.
constexpr std::string_view kDumpMagic = "RDRFN\x01";

bool DecodeOldDump(std::string_view payload, std::vector<std::string>* codes) {
  if (payload.size() < kDumpMagic.size() + 4 || !payload.starts_with(kDumpMagic)) return false;
  std::string_view body = payload.substr(0, payload.size() - 4);
  if (crc32c::Value(body.data(), body.size()) != DecodeFixed32(payload.data() + body.size())) return false;
  body.remove_prefix(kDumpMagic.size());
  while (!body.empty()) {
    std::string_view code;
    if (!GetLengthPrefixed(&body, &code)) return false;
    codes->emplace_back(code);
  }
  return true;
}

// The libraries of a FUNCTION RESTORE payload, or Redis's error reply for it (empty: decoded).
std::string DecodeDump(std::string_view payload, std::vector<std::string>* codes) {
  if (payload.starts_with(kDumpMagic) && DecodeOldDump(payload, codes)) return "";
  codes->clear();
  std::string err;
  if (rdb::VerifyPayload(payload) != rdb::DumpStatus::kOk) return "ERR DUMP payload version or checksum are wrong";
  if (!rdb::DecodeFunctionDump(payload, codes, &err)) return "ERR " + err;
  return "";
}

void FunctionDump(ExecContext& ctx, const Argv&) {
  std::vector<std::string> codes;
  if (store::Store* base = StoredKeys(ctx)) {
    (void)base->ScanSub("", 0, kFunctionLibField, [&](std::string_view field, std::string_view code) {
      if (!field.starts_with(kFunctionLibField)) return false;
      codes.emplace_back(code);
      return true;
    });
  }
  ctx.reply.Bulk(rdb::EncodeFunctionDump(codes));
}

// redraft.functionrestore <FLUSH|APPEND|REPLACE> <payload>
bool PrepareFunctionRestore(PrepareContext& ctx, Argv& argv) {
  if (!EqualsIgnoreCase(argv[1], "flush") && !EqualsIgnoreCase(argv[1], "append") && !EqualsIgnoreCase(argv[1], "replace")) {
    ctx.reply.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    return false;
  }
  std::vector<std::string> codes;
  if (std::string err = DecodeDump(argv[2], &codes); !err.empty()) {
    ctx.reply.Error(err);
    return false;
  }
  return true;
}

void ApplyFunctionFlush(ApplyContext& ctx, const Argv&);
void WriteLibrary(store::Store::Batch& b, const scripting::LibraryInfo& lib, std::string_view code);

// All or nothing: every library loads and no name collides (as the policy allows) before any
// change is made.
void ApplyFunctionRestore(ApplyContext& ctx, const Argv& argv) {
  store::Store::Batch& b = Stored(ctx);
  std::vector<std::string> codes;
  if (std::string err = DecodeDump(argv[2], &codes); !err.empty()) return ctx.reply.Error(err);
  const bool flush = EqualsIgnoreCase(argv[1], "flush"), replace = EqualsIgnoreCase(argv[1], "replace");
  std::vector<scripting::LibraryInfo> libs;
  std::set<std::string> lib_names, fn_names;
  for (const auto& code : codes) {
    auto lib = scripting::LoadLibrary(code, LoadLimits());
    if (!lib.ok()) return ctx.reply.Error(lib.status().message());
    if (!lib_names.insert(lib->name).second) return ctx.reply.Error("ERR Library '" + lib->name + "' already exists");
    for (const auto& f : lib->functions) {
      if (!fn_names.insert(f.name).second) return ctx.reply.Error("ERR Function " + f.name + " already exists");
    }
    libs.push_back(std::move(*lib));
  }
  if (!flush) {
    for (const auto& lib : libs) {
      if (!replace && LibraryCode(b, lib.name)) return ctx.reply.Error("ERR Library " + lib.name + " already exists");
      for (const auto& f : lib.functions) {
        auto other = FindFunction(b, f.name);
        if (other && !(replace && lib_names.count(other->library))) {
          return ctx.reply.Error("ERR Function " + f.name + " already exists");
        }
      }
    }
  }
  std::string ignored;
  resp::ReplyBuilder quiet(&ignored);
  if (flush) {
    ApplyContext fctx{ctx.batch, ctx.now_ms, quiet, ctx.index, ctx.versions_used};
    ApplyFunctionFlush(fctx, argv);
  }
  for (size_t i = 0; i < libs.size(); i++) {
    if (LibraryCode(b, libs[i].name)) DeleteLibrary(b, libs[i].name);
    WriteLibrary(b, libs[i], codes[i]);
  }
  ctx.reply.Ok();
}

// FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern] (run as redraft.functionlist, behind the read
// barrier). Libraries in name order; functions in registration order.
void FunctionList(ExecContext& ctx, const Argv& argv) {
  bool with_code = false;
  std::optional<std::string> pattern;
  for (size_t i = 1; i < argv.size(); i++) {
    if (EqualsIgnoreCase(argv[i], "withcode")) {
      if (with_code) return ctx.reply.Error("ERR Unknown argument withcode");
      with_code = true;
    } else if (EqualsIgnoreCase(argv[i], "libraryname") && i + 1 < argv.size()) {
      if (pattern) return ctx.reply.Error("ERR Unknown argument libraryname");
      pattern = argv[++i];
    } else if (EqualsIgnoreCase(argv[i], "libraryname")) {
      return ctx.reply.Error("ERR library name argument was not given");
    } else {
      return ctx.reply.Error("ERR Unknown argument " + std::string(EchoArg(argv[i])));
    }
  }
  std::vector<std::pair<std::string, std::string>> libs;
  if (store::Store* base = StoredKeys(ctx)) {
    (void)base->ScanSub("", 0, kFunctionLibField, [&](std::string_view field, std::string_view code) {
      if (!field.starts_with(kFunctionLibField)) return false;
      std::string name(field.substr(kFunctionLibField.size()));
      if (!pattern || GlobMatch(*pattern, name)) libs.emplace_back(name, code);
      return true;
    });
  }
  resp::ReplyBuilder& r = ctx.reply;
  r.ArrayHeader(libs.size());
  for (const auto& [name, code] : libs) {
    auto lib = scripting::LoadLibrary(code, LoadLimits());  // stored code always loads
    r.MapHeader(with_code ? 4 : 3);
    r.Bulk("library_name");
    r.Bulk(name);
    r.Bulk("engine");
    r.Bulk("LUA");
    r.Bulk("functions");
    size_t n = lib.ok() ? lib->functions.size() : 0;
    r.ArrayHeader(n);
    for (size_t i = 0; i < n; i++) {
      const auto& f = lib->functions[i];
      r.MapHeader(3);
      r.Bulk("name");
      r.Bulk(f.name);
      r.Bulk("description");
      if (f.description.empty()) r.Null();
      else r.Bulk(f.description);
      r.Bulk("flags");
      r.SetHeader(f.flags.size());
      for (const auto& fl : f.flags) r.Bulk(fl);
    }
    if (with_code) {
      r.Bulk("library_code");
      r.Bulk(code);
    }
  }
}

void FunctionStats(ExecContext& ctx, const Argv&) {
  size_t libs = 0, functions = 0;
  if (store::Store* base = StoredKeys(ctx)) {
    (void)base->ScanSub("", 0, kFunctionField, [&](std::string_view field, std::string_view) {
      if (!field.starts_with(kFunctionField)) return false;
      functions++;
      return true;
    });
    (void)base->ScanSub("", 0, kFunctionLibField, [&](std::string_view field, std::string_view) {
      if (!field.starts_with(kFunctionLibField)) return false;
      libs++;
      return true;
    });
  }
  resp::ReplyBuilder& r = ctx.reply;
  r.MapHeader(2);
  r.Bulk("running_script");
  r.Null();  // scripts never run between two commands here (docs/scripting.md)
  r.Bulk("engines");
  r.MapHeader(1);
  r.Bulk("LUA");
  r.MapHeader(2);
  r.Bulk("libraries_count");
  r.Integer(static_cast<int64_t>(libs));
  r.Bulk("functions_count");
  r.Integer(static_cast<int64_t>(functions));
}

void FunctionKill(ExecContext& ctx, const Argv&) { ctx.reply.Error("NOTBUSY No scripts in execution right now."); }

// LOAD, DELETE and FLUSH reach their execute only with bad arguments or inside MULTI.
void FunctionWriteStub(ExecContext& ctx, const Argv& argv) {
  if (EqualsIgnoreCase(argv[1], "flush")) {
    std::string out;
    resp::ReplyBuilder rb(&out);
    PrepareContext pc{ctx.now_ms, rb, 0};
    Argv a(argv.begin() + 1, argv.end());
    if (!PrepareFunctionFlush(pc, a)) return ctx.reply.Raw(out);
  }
  if (EqualsIgnoreCase(argv[1], "restore")) {
    std::string out;
    resp::ReplyBuilder rb(&out);
    PrepareContext pc{ctx.now_ms, rb, 0};
    Argv a{"redraft.functionrestore", argv.size() > 3 ? argv[3] : "append", argv[2]};
    if (argv.size() > 4) {
      return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(EchoArg(argv[1], 128)) +
                             "'. Try FUNCTION HELP.");
    }
    if (!PrepareFunctionRestore(pc, a)) return ctx.reply.Raw(out);
  }
  if (EqualsIgnoreCase(argv[1], "load") && argv.size() > 3 && !EqualsIgnoreCase(argv[2], "replace")) {
    return ctx.reply.Error("ERR Unknown option given: " + std::string(EchoArg(argv[2])));
  }
  ctx.reply.Error("ERR FUNCTION " + std::string(EchoArg(argv[1], 32)) + " is not supported inside MULTI by redraft");
}

void FunctionHelp(ExecContext& ctx, const Argv&) {
  static constexpr std::string_view kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
      "      libraries with the new libraries (notice that even on this option there is a chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (auto line : kLines) ctx.reply.SimpleString(line);
}

const CommandSpec kFunctionSubcommands[] = {
    {.name = "function|delete", .arity = 3, .flags = kNoScript | kWrite, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "7.0.0", .summary = "Delete a function by name", .complexity = "O(1)",
     .execute = &FunctionWriteStub, .tips = "request_policy:all_shards response_policy:all_succeeded",
     .args = "library-name:string"},
    {.name = "function|dump", .arity = 2, .flags = kNoScript, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "7.0.0", .summary = "Dump all functions into a serialized binary payload",
     .complexity = "O(N) where N is the number of functions", .execute = &FunctionDump},
    {.name = "function|flush", .arity = -2, .flags = kNoScript | kWrite, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "7.0.0", .summary = "Deleting all functions",
     .complexity = "O(N) where N is the number of functions deleted", .execute = &FunctionWriteStub,
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .args = "async:oneof?(async:pure-token=ASYNC sync:pure-token=SYNC)"},
    {.name = "function|help", .arity = 2, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "7.0.0", .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)", .execute = &FunctionHelp},
    {.name = "function|kill", .arity = 2, .flags = kNoScript | kAllowBusy, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "7.0.0", .summary = "Kill the function currently in execution.",
     .complexity = "O(1)", .execute = &FunctionKill, .tips = "request_policy:all_shards response_policy:one_succeeded"},
    {.name = "function|list", .arity = -2, .flags = kNoScript, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "7.0.0", .summary = "List information about all the functions",
     .complexity = "O(N) where N is the number of functions", .execute = &FunctionList,
     .tips = "nondeterministic_output_order",
     .args = "library-name-pattern:string=LIBRARYNAME? withcode:pure-token=WITHCODE?"},
    {.name = "function|load", .arity = -3, .flags = kNoScript | kWrite | kDenyOom, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "scripting", .since = "7.0.0", .summary = "Create a function with the given arguments (name, code, description)",
     .complexity = "O(1) (considering compilation time is redundant)", .execute = &FunctionWriteStub,
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .args = "replace:pure-token=REPLACE? function-code:string"},
    {.name = "function|restore", .arity = -3, .flags = kNoScript | kWrite | kDenyOom, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "scripting", .since = "7.0.0", .summary = "Restore all the functions on the given payload",
     .complexity = "O(N) where N is the number of functions on the payload", .execute = &FunctionWriteStub,
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .args = "serialized-value:string policy:oneof?(flush:pure-token=FLUSH append:pure-token=APPEND replace:pure-token=REPLACE)"},
    {.name = "function|stats", .arity = 2, .flags = kNoScript | kAllowBusy, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "scripting", .since = "7.0.0", .summary = "Return information about the function currently running (name, description, duration)",
     .complexity = "O(1)", .execute = &FunctionStats,
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special"},
    {},
};

}  // namespace

const CommandSpec kFunctionCommands[] = {
    {.name = "function", .arity = -2, .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0, .group = "scripting",
     .since = "7.0.0", .summary = "A container for function commands", .complexity = "Depends on subcommand.",
     .execute = &DispatchSubcommand, .subcommands = kFunctionSubcommands},
    {.name = "redraft.functionload", .arity = 3, .flags = kWrite | kInternal, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "scripting", .since = "0.1.0", .summary = "Internal: FUNCTION LOAD",
     .complexity = "O(N)", .prepare = &PrepareFunctionLoad, .apply = &ApplyFunctionLoad},
    {.name = "redraft.functiondelete", .arity = 2, .flags = kWrite | kInternal, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "scripting", .since = "0.1.0", .summary = "Internal: FUNCTION DELETE",
     .complexity = "O(1)", .apply = &ApplyFunctionDelete},
    {.name = "redraft.functionflush", .arity = -1, .flags = kWrite | kInternal, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "scripting", .since = "0.1.0", .summary = "Internal: FUNCTION FLUSH",
     .complexity = "O(N)", .prepare = &PrepareFunctionFlush, .apply = &ApplyFunctionFlush},
    {.name = "redraft.functionrestore", .arity = 3, .flags = kWrite | kInternal, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "scripting", .since = "0.1.0", .summary = "Internal: FUNCTION RESTORE",
     .complexity = "O(N)", .prepare = &PrepareFunctionRestore, .apply = &ApplyFunctionRestore},
    {.name = "redraft.functiondump", .arity = 1, .flags = kReadonly | kInternal, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "scripting", .since = "0.1.0", .summary = "Internal: FUNCTION DUMP (a read)",
     .complexity = "O(N)", .execute = &FunctionDump},
    {.name = "redraft.functionlist", .arity = -1, .flags = kReadonly | kInternal, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "scripting", .since = "0.1.0", .summary = "Internal: FUNCTION LIST (a read)",
     .complexity = "O(N)", .execute = &FunctionList},
    {},
};

void FunctionForm(const CommandSpec** spec, Argv* argv) {
  if (argv->size() < 2) return;
  const std::string& sub = (*argv)[1];
  Argv a;
  if (EqualsIgnoreCase(sub, "load") && (argv->size() == 3 || (argv->size() == 4 && EqualsIgnoreCase((*argv)[2], "replace")))) {
    a = {"redraft.functionload", argv->size() == 4 ? "1" : "0", argv->back()};
  } else if (EqualsIgnoreCase(sub, "delete") && argv->size() == 3) {
    a = {"redraft.functiondelete", (*argv)[2]};
  } else if (EqualsIgnoreCase(sub, "flush") && argv->size() <= 3) {
    a.assign(argv->begin() + 1, argv->end());
    a[0] = "redraft.functionflush";
    std::string err;
    resp::ReplyBuilder rb(&err);
    PrepareContext pc{0, rb, 0};
    if (!PrepareFunctionFlush(pc, a)) return;
  } else if (EqualsIgnoreCase(sub, "restore") && (argv->size() == 3 || argv->size() == 4)) {
    a = {"redraft.functionrestore", argv->size() == 4 ? (*argv)[3] : "APPEND", (*argv)[2]};
    std::string err;
    resp::ReplyBuilder rb(&err);
    PrepareContext pc{0, rb, 0};
    if (!PrepareFunctionRestore(pc, a)) return;  // its execute answers the error
  } else if (EqualsIgnoreCase(sub, "dump") && argv->size() == 2) {
    a = {"redraft.functiondump"};
  } else if (EqualsIgnoreCase(sub, "list")) {
    a.assign(argv->begin() + 1, argv->end());
    a[0] = "redraft.functionlist";
  } else {
    return;
  }
  *spec = Lookup(a[0]);
  *argv = std::move(a);
}

bool FunctionAllowsOom(std::string_view code, std::string_view name) {
  auto lib = scripting::LoadLibrary(code, LoadLimits());  // stored code always loads
  if (!lib.ok()) return false;
  for (const auto& f : lib->functions) {
    if (f.name == name) return f.allow_oom();
  }
  return false;
}

bool IsFunctionWrite(const CommandSpec& spec) {
  return spec.apply == &ApplyFunctionRestore || spec.apply == &ApplyFunctionLoad || spec.apply == &ApplyFunctionDelete || spec.apply == &ApplyFunctionFlush;
}

}  // namespace redraft::commands
