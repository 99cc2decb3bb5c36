// CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR, CLIENT TRACKINGINFO (Redis 7.0's texts and
// replies); the state is the server's (tracking_api.h). Rows in server_cmds.cc's CLIENT table.
#pragma once

#include "commands/command.h"

namespace redraft::commands {

void ClientTracking(ExecContext& ctx, const Argv& argv);
void ClientCaching(ExecContext& ctx, const Argv& argv);
void ClientGetredir(ExecContext& ctx, const Argv& argv);
void ClientTrackinginfo(ExecContext& ctx, const Argv& argv);

}  // namespace redraft::commands
