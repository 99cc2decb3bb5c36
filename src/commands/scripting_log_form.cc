// redraft.eval's log form seen from outside its apply: the OOM marks a proposer adds, and the
// client form a log entry stands for (scripting_cmds.h, docs/scripting.md "The log form").
#include <optional>
#include <string>

#include "commands/scripting_cmds.h"
#include "commands/scripting_log_form.h"

namespace redraft::commands {

void MarkScriptOom(const CommandSpec& spec, Argv* argv) {
  if (spec.name == kEvalName && argv->size() > 4 && !(*argv)[4].starts_with(kOomMark)) (*argv)[4].insert(0, 1, kOomMark);
}

void MarkExecScriptsOom(std::vector<Argv>* queued, const std::function<bool()>& out_of_memory) {
  std::optional<bool> oom;  // asked once, and only if a script is queued
  for (Argv& q : *queued) {
    if (q.size() <= 4 || q[0] != kEvalName || q[4].starts_with(kOomMark) || q[4].starts_with(kOomMarkExec)) continue;
    if (!oom) oom = out_of_memory();
    if (!*oom) return;
    q[4].insert(0, 1, kOomMarkExec);
  }
}

const CommandSpec* ScriptClientForm(const CommandSpec& spec, const Argv& argv, Argv* out) {
  if (spec.name == kEvalName) {
    std::string_view script = argv.size() >= 6 ? EvalScriptArg(argv[4]) : std::string_view();
    if (script.empty()) return nullptr;
    const char kind = script[0];
    const char* name = kind == 'F' ? "fcall" : kind == 'S' ? "evalsha" : kind == 'B' ? "eval"
                     : kind == 'f' ? "fcall_ro" : kind == 's' ? "evalsha_ro" : kind == 'b' ? "eval_ro" : nullptr;
    if (!name) return nullptr;
    *out = {name, std::string(script.substr(1))};
    out->insert(out->end(), argv.begin() + 5, argv.end());  // numkeys, keys, args
    return Lookup(name);
  }
  std::string_view n = spec.name;
  if (!(spec.flags & kInternal) || !n.starts_with("redraft.")) return nullptr;
  n.remove_prefix(8);
  std::string_view container, sub;
  if (n.starts_with("script")) {
    container = "script", sub = n.substr(6);
  } else if (n.starts_with("function")) {
    container = "function", sub = n.substr(8);
  } else {
    return nullptr;
  }
  if (sub != "load" && sub != "flush" && sub != "delete" && sub != "restore") return nullptr;
  *out = {std::string(container), std::string(sub)};
  out->insert(out->end(), argv.begin() + 1, argv.end());
  return Lookup(container);
}

}  // namespace redraft::commands
