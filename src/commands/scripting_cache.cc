// The apply-time mirror of scripts and functions (scripting_cache.h).
#include "commands/scripting_cache.h"

#include "commands/scripting_cmds.h"
#include "commands/transactions.h"

namespace redraft::commands {

const std::string* ScriptMirror::Body(std::string_view sha) const {
  auto it = bodies_.find(sha);
  return it == bodies_.end() ? nullptr : &it->second;
}

void ScriptMirror::NoteBody(std::string_view sha, std::string_view body) {
  if (body_bytes_ + body.size() > kMaxBytes) return;
  if (bodies_.emplace(std::string(sha), std::string(body)).second) body_bytes_ += body.size();
}

const ScriptMirror::Function* ScriptMirror::FindFunction(std::string_view name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

void ScriptMirror::NoteFunction(std::string_view name, Function fn) {
  if (!fn.code) return;
  // Functions of one library share its code: counted once.
  size_t add = fn.code->size();
  for (const auto& [_, other] : functions_) {
    if (other.library == fn.library && *other.code == *fn.code) {
      fn.code = other.code;
      add = 0;
      break;
    }
  }
  if (code_bytes_ + add > kMaxBytes) return;
  if (functions_.emplace(std::string(name), std::move(fn)).second) code_bytes_ += add;
}

void ScriptMirror::ForgetScripts() {
  bodies_.clear();
  body_bytes_ = 0;
}

void ScriptMirror::ForgetFunctions() {
  functions_.clear();
  code_bytes_ = 0;
}

void ScriptMirror::AfterApply(const CommandSpec& spec) {
  if (IsScriptFlush(spec)) {
    ForgetScripts();
  } else if (IsFunctionWrite(spec)) {
    ForgetFunctions();
  } else if (spec.apply == &ApplyExec) {
    Clear();
  }
}

}  // namespace redraft::commands
