// The sorted set command family, with Redis 7.0 semantics (t_zset.c) and replies.
// Storage: docs/data_model.md.
#include "commands/collection.h"
#include "commands/command.h"

namespace redraft::commands {

extern const CommandSpec kZsetCommands[] = {
    {},
};

}  // namespace redraft::commands
