// Which commands Redis 7.0 refuses over maxmemory (its denyoom flag): used by the server's OOM gate
// (docs/memory.md) and by scripts' commands (scripting_cmds.cc: Redis's scriptVerifyOOM).
#pragma once

#include "commands/command.h"

namespace redraft::commands {

// spec: the command as named by the client, subcommand included ("xgroup|create": LookupArgv).
bool IsDenyOom(const CommandSpec& spec);

}  // namespace redraft::commands
