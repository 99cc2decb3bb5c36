// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (docs/scripting.md).
//
// A write script is ONE log entry, the internal write command redraft.eval, executed at apply
// time on every replica by a fresh Lua state (scripting/scripting.h). Its log form (argv):
//
//   redraft.eval <max instructions> <max memory bytes> <user> <script> <numkeys> <key>... <arg>...
//
// <user> is the calling ACL user when it was restricted at proposal (empty otherwise): the
// commands the script calls are checked against that user as of the entry's place in the log.
// <script> is 'F' + a function name (FCALL: its library as of the entry runs), or
// 'B' + the body (EVAL) or 'S' + the lower-case SHA1 (EVALSHA: resolved at apply
// time from the replicated script cache, so NOSCRIPT is decided identically on every replica,
// in log order). Lower-case 'b', 's', 'f': the same for EVAL_RO, EVALSHA_RO, FCALL_RO queued in
// MULTI (run read-only; see ScriptFormInMulti). A '!' before the kind: proposed over maxmemory
// (MarkScriptOom). The budgets are the proposer's configuration, carried so that every replica
// stops a runaway script at the same instruction. The script's redis.call runs each command
// against the entry's batch: writes through their prepare (at the entry's time) and apply,
// reads through their execute on the batch's read view (they see the script's earlier writes).
//
// The script cache is replicated state: one record per script in the store's system namespace
// (sub-key of key "" version 0, field "script:<sha1>" -> body), written by SCRIPT LOAD
// (redraft.scriptload <body>) and by every EVAL that compiled, deleted by SCRIPT FLUSH
// (redraft.scriptflush). It survives restarts and snapshots like ACL users do, and FLUSHALL
// does not touch it (as in Redis).
//
// Read-only scripts (EVAL_RO, EVALSHA_RO, and EVAL/EVALSHA of a "#!lua flags=no-writes" body)
// are reads: they run on the node the client is connected to, behind the linearizable read
// barrier of every read, without a log entry; a write from them is refused.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "commands/command.h"

namespace redraft::acl {
class User;
}  // namespace redraft::acl

namespace redraft::commands {

extern const CommandSpec kScriptingCommands[];
extern const CommandSpec kFunctionCommands[];  // functions_cmds.cc: FUNCTION and its log forms

// A script queued inside MULTI (EVAL, EVALSHA, FCALL and their _RO forms) -> its redraft.eval
// form, always (a no-writes script then runs read-only at apply time), so that EXEC carries it
// as an item run at its place in the transaction (it sees the transaction's earlier writes, as in
// Redis). The _RO forms use the lower-case kinds 'b', 's', 'f': run read-only, and a script or
// function without the no-writes flag answers Redis's "*_ro command" error. Anything else (bad
// numkeys included) is left alone.
void ScriptFormInMulti(Argv* argv, store::Store& base, const acl::User* user);

// FUNCTION LOAD/DELETE/FLUSH -> their log forms, FUNCTION LIST -> a read (functions_cmds.cc).
void FunctionForm(const CommandSpec** spec, Argv* argv);
bool IsFunctionWrite(const CommandSpec& spec);

// Routes a client's EVAL/EVALSHA/SCRIPT to the form the server runs (as AclWriteForm does for
// ACL SETUSER): EVAL/EVALSHA of a write script -> redraft.eval (a write); of a no-writes script
// -> eval_ro (a read); SCRIPT LOAD/FLUSH -> redraft.scriptload / redraft.scriptflush (writes);
// SCRIPT EXISTS -> redraft.scriptexists (a read, behind the barrier). Anything else (bad
// arguments included) is left alone: its execute answers the error.
// base: the store with stored keys (the script cache lives in its system namespace); user: the
// connection's ACL user (null: unrestricted).
void ScriptForm(const CommandSpec** spec, Argv* argv, store::Store& base, const acl::User* user = nullptr);

// Whether an entry must be applied in a store batch of its own (like ACL changes): it may write
// the script cache (SCRIPT LOAD/FLUSH, EVAL of a body), which a FLUSHALL later in the same batch
// would otherwise drop with the data (Store::Batch::DeleteAll clears the batch). EVALSHA shares
// the batch of its group.
bool NeedsOwnBatch(const CommandSpec& spec, const Argv& argv);
// The node was over maxmemory with nothing to evict when this script was sent (Redis's
// pre_command_oom_state): if spec is redraft.eval, marks argv so that every replica applies
// Redis 7.0's rules (a shebang script or function that may write and has no allow-oom flag is
// refused with -OOM; in a script without a shebang, the first denyoom command called before any
// write is refused with the OOM error). Log form: <script> prefixed with '!'.
void MarkScriptOom(const CommandSpec& spec, Argv* argv);
// Scripts queued in MULTI over maxmemory (docs/scripting.md "maxmemory inside scripts").
// Redis 7.0 judges EXEC against maxmemory with the flags its queued commands had when they were
// queued (mstate.cmd_flags), and runs the scripts inside EXEC with EXEC's pre_command_oom_state.
// QueuedScriptDenyOom: whether a command being queued (client form: EVAL, EVALSHA, FCALL and
// their _RO forms) is denyoom by its script's flags as of now (Redis's evalGetCommandFlags /
// fcallGetCommandFlags: a shebang script or function that may write and has no allow-oom flag;
// an EVALSHA or FCALL of something unknown is not). The server ORs it into the transaction, and
// EXEC is refused with EXECABORT over maxmemory when it is set.
bool QueuedScriptDenyOom(const Argv& argv, store::Store& base);
// MarkExecScriptsOom: after ScriptFormInMulti, marks every redraft.eval item (kind prefixed with
// '&') if out_of_memory() (asked once, only when a script is queued) says the node is over
// maxmemory with nothing to evict at EXEC: every replica then applies Redis's rules as for '!',
// except that a script refused whole answers scriptPrepareForRun's text ("OOM allow-oom flag is
// not set on the script, ...") after the *_ro check, as Redis does inside EXEC.
void MarkExecScriptsOom(std::vector<Argv>* queued, const std::function<bool()>& out_of_memory);
// The body of a script in the replicated script cache (nullopt: none).
std::optional<std::string> StoredScriptBody(store::Store& base, std::string_view sha);
// Whether spec is SCRIPT FLUSH's log form (the script mirror forgets its scripts after it).
bool IsScriptFlush(const CommandSpec& spec);
// Whether an encoded entry may be a redraft.eval (false positives allowed). redraft.eval
// REQUIRES that the TxnBatch it applies through tracks writes from the start of the batch
// (TxnBatch::TrackWrites), so that its reads, KEYS and SCAN included, see every earlier entry of
// the batch: the state machine turns tracking on for a group holding one.
bool MayBeScript(std::string_view entry);
// Whether the entry may change any key (redraft.eval): blocked clients re-check every key.
bool TouchesAnyKey(const CommandSpec& spec);

// The client command an internal scripting form stands for (redraft.eval -> EVAL/EVALSHA/FCALL
// with its keys and arguments, redraft.scriptload/flush -> SCRIPT LOAD/FLUSH, redraft.function*
// -> FUNCTION LOAD/DELETE/FLUSH/RESTORE), so ACL judges what the client asked for, wherever it is
// checked (the gate, EXEC's re-check, apply). Returns its spec and fills *out, or null if spec is
// not one of them (or argv is malformed: apply answers that).
const CommandSpec* ScriptClientForm(const CommandSpec& spec, const Argv& argv, Argv* out);

// The keys a script command declares (EVAL/EVALSHA/FCALL and their _RO forms, in the client's
// form or in redraft.eval's log form): what client tracking remembers for it. Empty if malformed.
std::vector<std::string> ScriptDeclaredKeys(const Argv& argv);

// Budgets for new scripts (CONFIG SET lua-instruction-limit / lua-memory-limit); process-wide,
// read by the proposer only (they travel in the entry).
void SetScriptLimits(uint64_t max_instructions, uint64_t max_memory);

}  // namespace redraft::commands
