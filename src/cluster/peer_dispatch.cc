#include "cluster/peer_dispatch.h"

#include <spdlog/spdlog.h>

#include "cluster/node_identity.h"
#include "cluster/state_snapshot.h"
#include "common/coding.h"

namespace redraft::cluster {

void PeerDispatch::OnFrame(uint64_t from, const std::string& type, std::string&& payload) {
  std::optional<PeerType> t = ParsePeerType(type);
  if (!t) {  // a kind this version does not know: ignored
    if (h_.raft_running()) h_.after();
    return;
  }
  switch (t->kind) {
    case PeerKind::kHints:  // eviction's access hints from a follower (docs/memory.md)
      if (h_.hints) h_.hints(payload);
      return;
    case PeerKind::kPubsub:  // publishes from a peer: delivered to this node's subscribers only
      if (h_.pubsub) h_.pubsub(payload);
      return;
    case PeerKind::kProbe:
    case PeerKind::kProbeReply:
    case PeerKind::kJoin:
      h_.probe(from, t->kind, payload);
      return;
    default:
      break;
  }
  // In formation this node is nobody yet: Raft traffic to its slot id goes unanswered.
  if (!h_.raft_running()) return;
  switch (t->kind) {
    case PeerKind::kRaft: {
      auto m = raft::Message::Decode(payload);
      if (!m.ok()) {
        spdlog::warn("undecodable raft message from {}: {}", NodeIdHex(from), m.status().ToString());
        return;
      }
      if (!Admit(from, *m)) return;
      h_.raft(from, std::move(m).value());
      break;
    }
    case PeerKind::kForward:
      h_.forward(from, t->fwd, payload);
      break;
    case PeerKind::kSnapBegin:
    case PeerKind::kSnapChunk:
    case PeerKind::kSnapEnd:
    case PeerKind::kSnapAck:
      h_.snapshot(from, t->kind, std::move(payload));
      break;
    case PeerKind::kTransfer: {
      std::string_view in = payload;
      uint64_t target;
      if (GetVarint64(&in, &target)) h_.transfer(target);
      break;
    }
    case PeerKind::kTrace:
      if (h_.trace) h_.trace(payload);
      break;
    default:
      break;
  }
  h_.after();
}

bool PeerDispatch::Admit(uint64_t from, const raft::Message& m) const {
  // The transport proved who sent the frame (docs/peer_protocol.md); a message must not claim
  // to be from anyone else.
  if (m.from != from) {
    spdlog::warn("refused a raft message from {} claiming to be from {}", NodeIdHex(from), NodeIdHex(m.from));
    return false;
  }
  // A snapshot must be whole and valid before the Raft core may accept it (after Step the log
  // is cut behind it): a bad one is dropped here, and the leader, getting no acknowledgement,
  // probes and sends a new one.
  if (m.type == raft::MessageType::kSnapshot && m.snapshot) {
    if (auto parsed = ParseState(m.snapshot->data); !parsed.ok()) {
      spdlog::warn("refused a snapshot from {} at index {}: {}", NodeIdHex(from), m.snapshot->meta.index,
                   parsed.status().ToString());
      return false;
    }
  }
  return true;
}

}  // namespace redraft::cluster
