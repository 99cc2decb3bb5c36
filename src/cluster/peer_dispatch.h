#pragma once

// PeerDispatch: every frame a peer sends this node enters here (PeerTransport's on_message) and
// leaves as a typed call to the part that owns it. The frame type is parsed once (peer_kinds.h).
//
// Owns: the routing by PeerKind, and the checks a frame passes before the Raft core may see it:
// a raft message decodes, claims to be from the peer the transport authenticated, and a whole
// snapshot it carries parses (after Step the log is cut behind it, so a bad one is dropped here;
// the leader, getting no acknowledgement, probes and sends a new one).
// Must not: hold state, step the Raft core or touch the transport itself (Handlers do), or act
// on Raft traffic while the node runs no Raft (formation: its slot id is nobody yet).
//
// Order kept from the single dispatcher it replaced: hints, Pub/Sub and formation frames are
// handled with or without Raft and do not pump; the Raft-side kinds are followed by after()
// (the replicator's Pump) unless the frame was dropped. Unknown kinds are ignored.

#include <cstdint>
#include <functional>
#include <string>

#include "cluster/peer_kinds.h"
#include "raft/message.h"

namespace redraft::cluster {

class PeerDispatch {
 public:
  // The receivers, all called on the event loop.
  struct Handlers {
    std::function<bool()> raft_running;                                    // false in formation
    std::function<void(uint64_t from, raft::Message&& m)> raft;             // checked (see above)
    std::function<void(uint64_t from, FwdKind kind, const std::string& payload)> forward;
    std::function<void(uint64_t from, PeerKind kind, std::string&& payload)> snapshot;  // kSnap*
    std::function<void(uint64_t from, PeerKind kind, const std::string& payload)> probe;  // probe, reply, join
    std::function<void(uint64_t target)> transfer;                          // a decoded "xfer"
    std::function<void(const std::string& payload)> pubsub;
    std::function<void(const std::string& payload)> hints;
    std::function<void(const std::string& payload)> trace;  // trace contexts (trace_frames.h)
    std::function<void()> after;  // once a Raft-side frame was handled
  };
  explicit PeerDispatch(Handlers h) : h_(std::move(h)) {}

  void OnFrame(uint64_t from, const std::string& type, std::string&& payload);

 private:
  // False if the message must not reach the core (logged).
  bool Admit(uint64_t from, const raft::Message& m) const;
  Handlers h_;
};

}  // namespace redraft::cluster
