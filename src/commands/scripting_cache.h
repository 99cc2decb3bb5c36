// A process-local mirror of the replicated script cache ("script:<sha1>" -> body) and of the
// function table ("fn:<name>" + its library's code), so that EVALSHA and FCALL at apply time do
// not read RocksDB (one Get per EVALSHA, two per FCALL) for what is almost always the same answer.
//
// One mirror per state machine (per store: ApplyContext::scripts). A mirror never changes a
// result, on any replica: it only ever holds what the store held at the entry being applied:
//   - an item is added only right after it was read from (or written to) the entry's batch;
//   - every change that may remove or change an item forgets the mirror's items of that kind
//     AFTER the entry that made it (StateMachine -> AfterApply): SCRIPT FLUSH -> scripts;
//     FUNCTION LOAD/DELETE/FLUSH/RESTORE -> functions; EXEC (which may hold any of them) and a
//     snapshot install (StateReplaced) -> everything. Adding a script (SCRIPT LOAD, EVAL) never
//     makes a held item wrong: a sha names one body forever;
//   - commands inside EXEC get no mirror (transactions.cc copies ApplyContext fields one by one),
//     so a FUNCTION DELETE and an FCALL in one transaction read the batch as before.
// FLUSHALL/FLUSHDB do not touch scripts or functions (as in Redis; scripting_cmds.h).
// Bounded: at most kMaxBytes of bodies/code; past it, nothing more is added (reads fall back to
// the store). Apply thread only.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "commands/command.h"

namespace redraft::commands {

class ScriptMirror {
 public:
  static constexpr size_t kMaxBytes = 64u << 20;

  struct Function {
    std::string library;
    bool no_writes = false;
    std::shared_ptr<const std::string> code;  // the library's code, shared by its functions
  };

  // The body of the script with this lower-case sha, or null if not mirrored.
  const std::string* Body(std::string_view sha) const;
  void NoteBody(std::string_view sha, std::string_view body);

  const Function* FindFunction(std::string_view name) const;
  void NoteFunction(std::string_view name, Function fn);

  void ForgetScripts();
  void ForgetFunctions();
  void Clear() {
    ForgetScripts();
    ForgetFunctions();
  }
  // After the entry (spec, argv) was applied: forgets what it may have removed or changed.
  void AfterApply(const CommandSpec& spec);

  size_t script_count() const { return bodies_.size(); }
  size_t function_count() const { return functions_.size(); }

 private:
  // Looked up by string_view without making a std::string per lookup (C++20 heterogeneous lookup).
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> bodies_;
  std::unordered_map<std::string, Function, Hash, std::equal_to<>> functions_;
  size_t body_bytes_ = 0, code_bytes_ = 0;
};

}  // namespace redraft::commands
