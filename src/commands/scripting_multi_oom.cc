// Scripts queued in MULTI and maxmemory: which of them make EXEC denyoom (Redis 7.0's
// evalGetCommandFlags / fcallGetCommandFlags, decided when the command is queued). The marking of
// the items at EXEC is MarkExecScriptsOom (scripting_cmds.cc); docs/scripting.md.
#include <cstring>
#include <string>
#include <unordered_map>

#include "commands/functions_store.h"
#include "commands/scripting_cmds.h"
#include "scripting/scripting.h"

namespace redraft::commands {
namespace {

// A shebang that declares neither no-writes nor allow-oom: Redis's scriptFlagsToCmdFlags adds
// CMD_DENYOOM. Without a shebang (eval compat mode) the command keeps EVAL's flags: not denyoom.
bool ShebangDenyOom(std::string_view body) {
  if (!body.starts_with("#!")) return false;
  std::string code;
  auto flags = scripting::ParseShebang(body, &code);
  return flags.ok() && flags->shebang && !flags->no_writes && !flags->allow_oom;
}

// Whether a function (of a library with this code) lacks allow-oom. Loading a library to read its
// flags costs a Lua state, so answers are remembered per (name, code): a function's flags are a
// function of its library's code. Process-local, bounded, never replicated.
bool FunctionDeniesOom(std::string_view name, const std::string& code) {
  thread_local std::unordered_map<std::string, bool> by_function;
  std::string key(name);
  key.push_back('\0');
  key += code;
  if (auto it = by_function.find(key); it != by_function.end()) return it->second;
  bool deny = !FunctionAllowsOom(code, name);
  if (by_function.size() >= 256) by_function.clear();
  by_function.emplace(std::move(key), deny);
  return deny;
}

}  // namespace

bool QueuedScriptDenyOom(const Argv& argv, store::Store& base) {
  if (argv.size() < 2 || argv[0].empty() || !std::strchr("eEfF", argv[0][0])) return false;  // cheap: most commands
  const CommandSpec* spec = Lookup(argv[0]);
  if (!spec) return false;
  std::string_view name = spec->name;
  if (name.ends_with("_ro")) name.remove_suffix(3);
  if (name == "eval") return ShebangDenyOom(argv[1]);
  if (name == "evalsha") {
    // A sha names one body forever, so its verdict can be remembered; whether the script exists
    // now (an unknown sha is not denyoom) is read only when the verdict is "denyoom".
    thread_local std::unordered_map<std::string, bool> by_sha;
    if (argv[1].size() != 40) return false;
    std::string sha(argv[1]);
    for (char& c : sha) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
    if (auto it = by_sha.find(sha); it != by_sha.end()) return it->second && StoredScriptBody(base, sha).has_value();
    auto body = StoredScriptBody(base, sha);
    if (!body) return false;
    bool deny = ShebangDenyOom(*body);
    if (by_sha.size() >= 10000) by_sha.clear();
    by_sha[sha] = deny;
    return deny;
  }
  if (name == "fcall") {
    auto ref = FindFunction(base, argv[1]);
    if (!ref || ref->no_writes) return false;  // no-writes implies allow-oom
    auto code = LibraryCode(base, ref->library);
    return code && FunctionDeniesOom(argv[1], *code);
  }
  return false;
}

}  // namespace redraft::commands
