#pragma once

// The "trace" peer frame (docs/peer_protocol.md "Trace contexts"): trace contexts of traced
// writes, keyed by the write's log tag {session, seq} (commands::WriteTag), which every node reads
// from the entry itself. It is sent on the same connection just before the frame it concerns
// (a forwarded write's "fwdb", a leader's AppendEntries "raft" frame), so it arrives first: frames
// of one connection are delivered in order (transport.h). No other frame changes meaning or bytes:
// a node that does not know "trace" ignores it (unknown types are dropped), and its absence means
// "not traced".
//
// Payload: varint count, then per item: varint session, varint seq, fixed64 trace id,
// fixed64 parent span id (the receiving node's root span of the request).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::cluster {

// Sent as PeerKind::kTrace (peer_kinds.h holds the wire name).

struct TraceItem {
  uint64_t session = 0, seq = 0;
  uint64_t trace_id = 0, parent_id = 0;
  bool operator==(const TraceItem&) const = default;
};

std::string EncodeTraceItems(const std::vector<TraceItem>& items);
// Prefix-tolerant like the forwarding frames: the items before a malformed one are returned;
// items with a zero trace id are dropped.
std::vector<TraceItem> DecodeTraceItems(std::string_view payload);

}  // namespace redraft::cluster
