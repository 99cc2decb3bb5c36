// The consumer-group writes (streams_groups.cc), for the command table in
// streams_groups_info.cc.
#pragma once

#include "commands/command.h"

namespace redraft::commands::streams {

void ApplyXgroup(ApplyContext& ctx, const Argv& argv);  // redraft.xgroup <sub> <key> <group> ...
void ApplyXreadgroup(ApplyContext& ctx, const Argv& argv);
void ApplyXack(ApplyContext& ctx, const Argv& argv);
void ApplyXclaim(ApplyContext& ctx, const Argv& argv);
void ApplyXautoclaim(ApplyContext& ctx, const Argv& argv);
void ApplyXreadInternal(ApplyContext& ctx, const Argv& argv);  // redraft.xread (streams_blocking.cc)

// Redis addReplySubcommandSyntaxError: "unknown subcommand or wrong number of arguments for
// '<sub>'. Try <CONTAINER> HELP."
void SubcommandSyntaxError(resp::ReplyBuilder& r, std::string_view container, const std::string& sub);

}  // namespace redraft::commands::streams
