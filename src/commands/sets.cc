// The set command family, with Redis 7.0 semantics (t_set.c) and replies.
// Storage: docs/data_model.md.
#include "commands/collection.h"
#include "commands/command.h"

namespace redraft::commands {

extern const CommandSpec kSetCommands[] = {
    {},
};

}  // namespace redraft::commands
