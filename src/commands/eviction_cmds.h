// redraft.evict, the log form of the leader's evictions (docs/memory.md), and what it counts.
#pragma once

#include <cstdint>

namespace redraft::commands {

// Keys deleted by redraft.evict entries this process applied (INFO stats evicted_keys). Every
// node counts the entries it applies; Redis counts evictions on the master only.
uint64_t EvictedKeysApplied();

}  // namespace redraft::commands
