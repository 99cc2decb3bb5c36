// Logical databases (SELECT 0..databases-1; docs/data_model.md "Databases"): the configured
// count and Redis's parsing of a database index.
#pragma once

#include <string_view>

#include "common/status.h"

namespace redraft::commands {

// The `databases` directive (startup-only; default 16, at most store::kMaxDatabases). Set once
// by the server before it serves; read by SELECT and by prepare (MOVE, SWAPDB, COPY ... DB). Apply
// never reads it (it may differ between nodes): apply checks indexes against kMaxDatabases.
int DatabaseCount();
void SetDatabaseCount(int n);

// Redis's getIntFromObjectOrReply(.., msg) followed by selectDb: *db in [0, limit), else an error
// whose message is Redis's reply text: `msg` if given for a non-integer or an index outside int;
// else "value is not an integer or out of range" / "value is out of range, value must between
// -2147483648 and 2147483647"; and "DB index is out of range" for an integer outside [0, limit).
Status ParseDbIndex(std::string_view arg, int limit, int* db, std::string_view msg = {});
// Only the integer part (Redis's getIntFromObjectOrReply): any int.
Status ParseDbInt(std::string_view arg, int* v, std::string_view msg = {});

}  // namespace redraft::commands
