// The one gate between a write command and the Raft log.
//
// Invariant: only entries that passed PrepareWrite (on the node a client sent the write to) or
// ValidateWriteEntry (on the leader, for an entry a peer forwarded) are ever proposed. Apply
// still decodes defensively (DecodeWriteEntry): an entry that is nevertheless bad (an old log, a
// forged entry) must give the same error reply and no state change on every replica, never a
// crash, because committed entries are replayed on every restart.
//
// Errors are Status values whose message is the Redis error text (what follows '-'), ready for
// resp::ReplyBuilder::Error. Pure functions over the command table; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "commands/command.h"
#include "common/status.h"

namespace redraft::commands {

// A client's write: checks arity, runs the command's prepare (validation, relative expiry to
// absolute) at now_ms and returns the encoded log entry, applied to logical database db. A
// non-empty user is carried in the entry: apply checks the command against that user's
// permissions as of the entry's log position (docs/acl.md).
// REQUIRES: spec.is_write(), 0 <= db < store::kMaxDatabases.
Result<std::string> PrepareWrite(const CommandSpec& spec, Argv argv, int64_t now_ms, int db = 0,
                                 std::string_view user = {});

// An encoded entry received from elsewhere (a forwarded write): OK iff it decodes, names a write
// command, has that command's arity and the command's prepare accepts its arguments at the
// entry's own clock (log forms are fixed points of prepare). Checked by the leader before it
// proposes what a peer forwarded.
Status ValidateWriteEntry(std::string_view data);

// What apply needs: decodes `data` into *out and returns the write command it names, if it is a
// write command with an apply function and the right arity. Does not run prepare (apply re-parses
// options itself). The error message depends only on `data`: deterministic on every replica.
// Only internal commands may carry stored keys (LogCommand.db == kStoredKeys).
Result<const CommandSpec*> DecodeWriteEntry(std::string_view data, LogCommand* out);

}  // namespace redraft::commands
