// Log reads: a data read that arrives on a connection behind that connection's pending writes
// (a pipelined GET after a SET) goes through the Raft log as the internal write command
//
//   redraft.read <read command> <its arguments>...     (in the entry's database, LogCommand.db)
//
// and runs at apply time against the entry's batch (the committed store plus the writes applied
// before it in its group), so it sees exactly the writes logged before it: its own connection's
// earlier writes, and none of its later ones. The reply goes to the proposer; other replicas run
// the read and drop the reply. Why: the alternative is waiting, with the connection stopped, until
// the pending writes are applied before the read's barrier can be asked (writes are applied in
// groups, so a read run after the group could see the connection's later writes); a pipelined mix
// of reads and writes then costs one durable-write round trip per read/write transition
// (docs/pipelining.md). A log read is linearizable: its log position is after every write
// acknowledged before it arrived.
//
// Only reads whose keys are their arguments and that need nothing but the store qualify
// (LogReadable); others still wait for the pending writes. The user is not carried: reads are
// judged by ACL at the gate only, as barrier reads are.
#pragma once

#include "commands/command.h"

namespace redraft::commands {

// Whether spec (a data read the client sent) may run as a log read.
bool LogReadable(const CommandSpec& spec);

// Turns a log-readable read into redraft.read's argv and spec.
// REQUIRES: LogReadable(**spec).
void LogReadForm(const CommandSpec** spec, Argv* argv);

}  // namespace redraft::commands
