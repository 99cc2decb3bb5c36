// MIGRATE's conversation with the target server (commands/migrate_api.h), run on libuv's thread
// pool with blocking sockets and Redis's per-step timeouts, so neither the event loop nor the
// apply path waits for the target.
#pragma once

#include <uv.h>

#include <functional>
#include <string>
#include <vector>

#include "commands/migrate_api.h"

namespace redraft::server {

struct MigrateOutcome {
  // Empty, or Redis's IOERR reply text for the step that failed (connect, write, read).
  std::string io_error;
  std::vector<std::string> replies;  // one status/error line per command sent (without CRLF)
};

// Runs the conversation on a worker; done is called on the loop thread.
void RunMigrate(uv_loop_t* loop, const commands::MigrateRequest& req, std::function<void(MigrateOutcome)> done);

}  // namespace redraft::server
