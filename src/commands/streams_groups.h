// Consumer groups (streams_groups*.cc): what the server needs from them. docs/streams.md.
#pragma once

#include "commands/command.h"

namespace redraft::commands {

extern const CommandSpec kStreamGroupCommands[];  // XGROUP, XREADGROUP, XACK, XCLAIM, XAUTOCLAIM, ...

// XGROUP CREATE/SETID/DESTROY/CREATECONSUMER/DELCONSUMER with their arity -> the log write
// redraft.xgroup, and XINFO STREAM/GROUPS/CONSUMERS -> the data read redraft.xinfo (containers
// are neither: the server routes only top-level write and read specs to the log and the read
// barrier). Anything else (HELP, unknown subcommands, wrong arity) is left alone: the container's
// execute answers it. Called where the server picks a command's form, and on commands queued
// inside MULTI.
void XgroupForm(const CommandSpec** spec, Argv* argv);
void XgroupFormInMulti(Argv* argv);

// redraft.xgroup / redraft.xinfo / redraft.xread back to the client's XGROUP / XINFO / XREAD form (for ACL checks at apply); null otherwise.
const CommandSpec* XgroupClientForm(const CommandSpec& spec, const Argv& argv, Argv* out);

}  // namespace redraft::commands
