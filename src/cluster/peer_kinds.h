#pragma once

// The kinds of frame a cluster node sends its peers (docs/peer_protocol.md "Message types"), as
// a type: the wire names live in peer_kinds.cc and nowhere else, except the forwarding frames'
// own names (forward_frames.h owns "fwd*" and their payloads). Code above the transport sends
// and dispatches PeerKind values, never bare strings.
//
// Owns: the mapping between PeerKind and the frame type names on the wire.
// Must not: change a name (nodes of other versions parse them), or know any payload layout.

#include <cstdint>
#include <optional>
#include <string_view>

#include "cluster/forward_frames.h"

namespace redraft::cluster {

enum class PeerKind : uint8_t {
  kRaft,        // "raft": one raft::Message (raft/message.h)
  kForward,     // "fwd", "fwdr", "fwdn", "fwdb", "fwdrb": forwarding (forward_frames.h)
  kSnapBegin,   // "snap-begin"  \  a streamed snapshot (snapshot_stream.h,
  kSnapChunk,   // "snap-chunk"   | docs/snapshot_format.md): leader -> follower,
  kSnapEnd,     // "snap-end"     | and the follower's acknowledgements
  kSnapAck,     // "snap-ack"    /
  kProbe,       // "probe": formation's probe (formation.h), or a rejoining node's join request
  kProbeReply,  // "probe-reply": the answer to a probe
  kJoin,        // "join": a join request passed on to the leader
  kTransfer,    // "xfer": varint target id; a follower's CLUSTER FAILOVER asks the leader to transfer
  kPubsub,      // "pub": a Pub/Sub batch (docs/pubsub.md); not through Raft
  kHints,       // "hint": eviction's access hints for the leader (docs/memory.md)
  kTrace,       // "trace": trace contexts of forwarded writes (trace_frames.h)
};

// A frame type as received: its kind, and for kForward which forwarding frame.
struct PeerType {
  PeerKind kind = PeerKind::kRaft;
  FwdKind fwd = FwdKind::kWriteBatch;  // meaningful only for kForward
};

// The kind of a received frame type, or nullopt for a name this version does not know (ignored).
std::optional<PeerType> ParsePeerType(std::string_view name);
// The wire name of a kind. REQUIRES: kind != kForward (its names are FwdKindName's).
const char* PeerKindName(PeerKind kind);

}  // namespace redraft::cluster
