// redraft.eval's log form, shared by the files that read or mark it (scripting_cmds.h has the
// whole form): the command name and the OOM marks before <script>'s kind.
#pragma once

#include <string_view>

namespace redraft::commands {

inline constexpr std::string_view kEvalName = "redraft.eval";
// <script> starts with this when the proposer was over maxmemory (with nothing to evict) as the
// script was sent: Redis's pre_command_oom_state, carried in the entry so that every replica
// refuses the same scripts and commands (MarkScriptOom).
inline constexpr char kOomMark = '!';
// The same for a script queued in MULTI when the node was over maxmemory at EXEC
// (MarkExecScriptsOom): only the text of a whole refusal differs (scriptPrepareForRun's).
inline constexpr char kOomMarkExec = '&';

// <script> without its OOM mark.
inline std::string_view EvalScriptArg(std::string_view arg) {
  return arg.starts_with(kOomMark) || arg.starts_with(kOomMarkExec) ? arg.substr(1) : arg;
}

}  // namespace redraft::commands
