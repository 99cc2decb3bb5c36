#include "cluster/peer_kinds.h"

#include "common/status.h"

namespace redraft::cluster {

namespace {
struct Named {
  PeerKind kind;
  const char* name;
};
// Every kind but kForward, with its frozen wire name.
constexpr Named kNames[] = {
    {PeerKind::kRaft, "raft"},           {PeerKind::kSnapBegin, "snap-begin"}, {PeerKind::kSnapChunk, "snap-chunk"},
    {PeerKind::kSnapEnd, "snap-end"},    {PeerKind::kSnapAck, "snap-ack"},     {PeerKind::kProbe, "probe"},
    {PeerKind::kProbeReply, "probe-reply"}, {PeerKind::kJoin, "join"},         {PeerKind::kTransfer, "xfer"},
    {PeerKind::kPubsub, "pub"},          {PeerKind::kHints, "hint"},
    {PeerKind::kTrace, "trace"},
};
}  // namespace

std::optional<PeerType> ParsePeerType(std::string_view name) {
  for (const Named& n : kNames) {
    if (name == n.name) return PeerType{n.kind};
  }
  if (auto fwd = ParseFwdKind(name)) return PeerType{PeerKind::kForward, *fwd};
  return std::nullopt;
}

const char* PeerKindName(PeerKind kind) {
  for (const Named& n : kNames) {
    if (n.kind == kind) return n.name;
  }
  REDRAFT_PANIC("PeerKindName: no single name for this kind");
}

}  // namespace redraft::cluster
