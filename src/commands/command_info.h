// Introspection from the declarative table: COMMAND (COUNT, LIST, INFO, DOCS, GETKEYS,
// GETKEYSANDFLAGS, HELP) as Redis 7.0 answers it, key finding from key specs, ACL categories and
// subcommand dispatch for container commands (CLIENT, CONFIG, COMMAND). Pure functions of the
// table; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "commands/command.h"

namespace redraft::commands {

// COMMAND's subcommands (command|info, ...), for the table entry of COMMAND.
extern const CommandSpec kCommandSubcommands[];

// COMMAND [COUNT | LIST ... | INFO name... | DOCS name... | GETKEYS ... | GETKEYSANDFLAGS ... | HELP].
void CommandCommand(ExecContext& ctx, const Argv& argv);

// A command's ACL categories (AclCategory bits), derived as Redis 7.0 derives them
// (setImplicitACLCategories: write, read, admin+dangerous, pubsub, fast, blocking, else slow),
// plus the data-type category of its group (not for containers), plus spec.acl.
uint32_t AclCategories(const CommandSpec& spec);
// "hash" -> kAclHash (case-insensitive, without '@'); 0 if unknown.
uint32_t AclCategoryByName(std::string_view name);

// The keys of argv (argv[0] the command name) found as Redis's getKeysFromCommandWithSpecs does:
// every key spec in order; an out-of-range or invalid spec makes the whole search fail, and a
// command with a numkeys spec then falls back to reading numkeys as atoi() would. A command with
// a variable_flags spec and a getkeys function answers with that function. Empty = none.
std::vector<KeyRef> GetKeys(const CommandSpec& spec, const Argv& argv);
// Positions only (GetKeys).
std::vector<size_t> KeyPositions(const CommandSpec& spec, const Argv& argv);
// Whether the command declares keys (COMMAND GETKEYS answers "has no key arguments" if not).
bool HasKeys(const CommandSpec& spec);
// Keys move with the arguments (a key spec other than index + range): COMMAND's movablekeys.
bool HasMovableKeys(const CommandSpec& spec);

// "client|list" or "get" (case-insensitive); nullptr if unknown or internal.
const CommandSpec* LookupFullName(std::string_view name);
// The command argv names, looking into a container's subcommands as Redis's lookupCommand does
// (a container named alone is itself); nullptr if unknown.
const CommandSpec* LookupArgv(const Argv& argv);
// The same, for argv whose command `spec` was already found (Lookup(argv[0])): no second lookup.
const CommandSpec* LookupSubcommand(const CommandSpec& spec, const Argv& argv);

// For a container's execute: the subcommand argv[1] names, after Redis's checks at dispatch
// ("unknown subcommand 'x'. Try CLIENT HELP.", then "wrong number of arguments for
// 'client|list' command"); nullptr after writing that error.
const CommandSpec* FindSubcommand(ExecContext& ctx, const Argv& argv);
// A container's execute: FindSubcommand, then the subcommand's execute.
void DispatchSubcommand(ExecContext& ctx, const Argv& argv);

}  // namespace redraft::commands
