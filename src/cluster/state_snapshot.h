#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
// Format (docs/snapshot_format.md; varints and length prefixes as in common/coding.h):
//   "RDSNAP2"                                    magic and format version
//   varint A                                     the applied index the state reflects
//   varint n, n x (varint id, length-prefixed address "host:port@cluster_port")   members
//   per key, in strictly increasing byte order, then per sub-key (type 0x80, key = the encoded
//   sub-key, payload = its value), in strictly increasing byte order, until the trailer:
//     length-prefixed key | type byte (store::ValueType) | varint expire_ms | varint version |
//     [varint stamp, iff the type byte has kSnapStampedFlag] | length-prefixed payload
//   fixed32 crc32c::Mask(crc32c of every byte before it)                          trailer
// Held in memory whole. Leaders now stream snapshots instead (snapshot_sender.h); this form is
// still parsed and installed when an older leader sends it, and DumpState serves tests.
std::string DumpState(store::Store* store, const std::map<uint64_t, MemberAddr>& members);

// A snapshot decoded and fully checked, viewing the bytes it was parsed from (which must outlive
// it). Nothing in the store has been touched.
struct ParsedState {
  uint64_t applied = 0;
  std::map<uint64_t, MemberAddr> members;
  struct Record {
    std::string_view key;
    store::ValueType type;
    int64_t expire_ms;
    uint64_t version;
    uint64_t stamp;  // a collection's WATCH stamp (store::Value::stamp), 0 if none
    std::string_view payload;
  };
  std::vector<Record> records;
};

// Checks the checksum, the magic, and decodes everything (members, every record, key order, known
// value types, no trailing bytes). Corruption if anything is off. A receiver calls it before the
// snapshot may replace anything (the Raft core included): a bad snapshot is refused, not installed.
Result<ParsedState> ParseState(std::string_view data);

// Replaces the store's contents with the snapshot's and sets its applied index to A, flushing
// the store before returning (the log is compacted behind it right after). Members are returned.
// The snapshot is parsed and checked whole (ParseState) before the store is touched: on a
// Corruption the store is unchanged; any other error is the store's own.
Status RestoreState(store::Store* store, std::string_view data, std::map<uint64_t, MemberAddr>* members,
                    uint64_t* applied);

}  // namespace redraft::cluster
