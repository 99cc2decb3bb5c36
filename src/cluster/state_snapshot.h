#pragma once

#include <cstdint>
#include <string>

#include "cluster/node_identity.h"
#include "common/status.h"
#include "store/store.h"

namespace redraft::cluster {

// The state-machine snapshot a leader sends to a follower that is missing compacted log entries.
// It is taken when sent (not when the log was compacted), so it reflects applied index A, which
// is >= the Raft snapshot's index; the follower records A as its applied index and skips the
// committed entries up to A that Raft still delivers. Entries are deterministic, so a state at A
// plus entries after A equals the state the leader had.
//
// Format: "RDSNAP1" | varint A | varint n, n x (varint id, length-prefixed address) |
//         then per key: length-prefixed key | type byte | varint expire_ms | varint version |
//         length-prefixed payload, until the end.
// Held in memory whole: fine for the datasets the tests use, a known limit for large ones
// (streaming a RocksDB checkpoint is the way out).
std::string DumpState(store::Store* store, const std::map<uint64_t, MemberAddr>& members);

// Replaces the store's contents with the snapshot's and sets its applied index to A, flushing
// the store before returning (the log is compacted behind it right after). Members are returned.
Status RestoreState(store::Store* store, std::string_view data, std::map<uint64_t, MemberAddr>* members,
                    uint64_t* applied);

}  // namespace redraft::cluster
