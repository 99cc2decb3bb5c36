// ACL for the command layer: the acl::CommandSet built from the command table (categories derived
// as Redis derives them), the keys and permissions a command's arguments need, the check a
// dispatcher makes before running a command, and where users live in the replicated state.
//
// Users are replicated state (docs/acl.md): ACL SETUSER and DELUSER are log writes
// (redraft.aclsetuser / redraft.acldeluser) applied on every node; each user is one record in
// the store's reserved system namespace (sub-key of key "" with version 0, field "acl:user:" +
// name; never a key, so KEYS/SCAN/DBSIZE do not see it, and snapshots carry it with the
// sub-keys). The value is the user's modifiers (acl::User::Ops), each varint length-prefixed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "acl/registry.h"
#include "acl/user.h"
#include "commands/command.h"

namespace redraft::commands {

// Every command of the table (and the subcommands of containers) as ACL rules name them.
const acl::CommandSet& AclCommandSet();
// The ACL command id a command line runs: a container's subcommand when argv[1] names one.
int AclCommandId(const CommandSpec& spec, const Argv& argv);
// Key arguments and the permission each needs, from the table's key specs and their flags
// (Redis's ACLSelectorCheckKey: "access" needs %R; "insert", "delete", "update" need %W).
std::vector<acl::KeyArg> AclKeys(const CommandSpec& spec, const Argv& argv);
// The whole check (Redis's ACLCheckAllUserCommandPerm).
acl::CheckResult AclCheck(const acl::User& user, const CommandSpec& spec, const Argv& argv);
// Redis's -NOPERM text for a denial (without the leading '-').
std::string AclDenialError(const acl::CheckResult& r, const CommandSpec& spec, const Argv& argv);

// Redis's EXEC text for a queued command its user may no longer run (ACLs changed between the
// MULTI and the EXEC, or between the EXEC and its apply), without the leading '-'.
std::string AclExecDenialError(const acl::CheckResult& r);
// The check of a write's log form where it executes (at apply, against the entry's user as of
// that log position: docs/acl.md). An internal ACL write is judged as the ACL SETUSER/DELUSER
// it came from; redraft.exec is not judged here (its queued commands are, one by one).
acl::CheckResult AclCheckEntry(const acl::User& user, const CommandSpec& spec, const Argv& argv);
// The client command an internal log form stands for (redraft.eval -> EVAL/EVALSHA/FCALL,
// redraft.xgroup -> XGROUP, ACL and SCRIPT/FUNCTION writes, redraft.read <cmd> -> <cmd>,
// redraft.xread -> XREAD with its ids resolved): its spec, with *out filled; null if spec is not
// a log form (or argv is malformed). What ACL judges at apply and what SLOWLOG shows.
const CommandSpec* ClientForm(const CommandSpec& spec, const Argv& argv, Argv* out);
// The -NOPERM text for a denial of AclCheckEntry.
std::string AclEntryDenialError(const acl::CheckResult& r, const CommandSpec& spec, const Argv& argv);

// ACL SETUSER/DELUSER with enough arguments become their log form: *spec and argv[0] are
// replaced by the internal write command. Anything else is left as it is.
void AclWriteForm(const CommandSpec** spec, Argv* argv);

// The log form of ACL LOAD: the internal write redraft.aclload with the file's users (name ->
// User::Ops()); seed: applied only if the state holds no user yet (start-up seeding).
Argv AclLoadForm(const std::map<std::string, std::vector<std::string>>& users, bool seed);

// Whether the state holds a user record or ever applied an ACL change (then an aclfile's start-up
// seed does not apply: docs/acl.md).
bool AclStateManaged(store::Store& store);

// The ACL users stored in the state (name -> modifiers).
std::map<std::string, std::vector<std::string>> LoadAclUsers(store::Store& store);
// Whether the write command applies ACL changes (the state machine reloads users after it).
bool IsAclWrite(const CommandSpec& spec);
// Whether the entry is an ACL LOAD that replaces the users (not a start-up seed).
bool IsAclLoad(const CommandSpec& spec, const Argv& argv);

extern const CommandSpec kAclCommands[];

}  // namespace redraft::commands
