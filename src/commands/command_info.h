#pragma once

#include "commands/command.h"

namespace redraft::commands {

// COMMAND [COUNT | LIST | INFO name... | DOCS name... | GETKEYS cmd arg...], reported from the table.
void CommandCommand(ExecContext& ctx, const Argv& argv);

// Key positions of argv under spec's key spec (first/last/step); empty if none.
std::vector<size_t> KeyPositions(const CommandSpec& spec, size_t argc);

}  // namespace redraft::commands
