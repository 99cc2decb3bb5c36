// Formation: how a node whose Raft log is empty finds its place in a statically configured
// cluster (cluster-members), without ever speaking as a node it is not. Pure logic, no I/O: the
// replicator sends and receives the probes over the peer port and acts on Decide().
//
// The rule it enforces (docs/membership.md): a Raft node id is used by one log directory for
// its whole life. Votes and append acknowledgements are promises kept in the log; a node whose
// log was lost must not come back under the id that made them, or a stale node can win an
// election with its vote and acknowledged writes are lost.
//
// While its log is empty a static node is in formation and takes no part in Raft. Every few
// hundred milliseconds it sends its Probe to every configured slot (on the peer transport, as
// the slot id it was configured with) and learns theirs. Then:
//   - every other slot answered "forming" (an empty log under its own slot id) with its
//     incarnation: the cluster has never existed. Bootstrap: write the same configuration
//     entries every slot writes (BootstrapEntries: same slots, addresses and incarnations give
//     the same entries) and start Raft. (Formation needs every configured node up once.)
//   - a member answered and its configuration holds this node's id with this node's
//     incarnation: the cluster bootstrapped with us, or accepted us as a learner: start Raft with
//     an empty log and let the leader send it.
//   - a member answered and its configuration does not: this log directory is not the one that
//     joined under this slot (it was wiped, or replaced). Take a new random id (persisted in the
//     log identity) and keep probing: the leader reads a probe whose id differs from its slot as
//     a join request — it removes the member at the same address (the lost incarnation), then
//     adds the new id as a learner — and promotes it to voter once it has caught up.
// A node never answers Raft messages while in formation, so the lost incarnation's id stays
// silent: the cluster treats it as a crashed voter until the removal commits.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/node_identity.h"
#include "common/status.h"
#include "raft/types.h"

namespace redraft::cluster {

// What a node says about itself in a probe or a probe reply.
struct Probe {
  uint64_t id = 0;           // its Raft id (its slot id while it has never been replaced)
  uint64_t incarnation = 0;  // of its log directory
  MemberAddr addr;
  bool member = false;       // it runs Raft (its log is not empty, or it was let in)
  uint64_t leader = 0;       // member: the leader it knows (0 = none)
  struct Member {
    uint64_t id = 0;
    bool voter = false;
    MemberAddr addr;  // with the incarnation the configuration entry recorded
    bool operator==(const Member&) const = default;
  };
  std::vector<Member> conf;  // member: its voters and learners

  bool operator==(const Probe&) const = default;

  // Wire format (peer message types "probe" and "probe-reply"): u8 version=1 | varint id |
  // varint incarnation | length-prefixed address | u8 member | varint leader | varint n |
  // n x (varint id | u8 voter | length-prefixed address).
  std::string Encode() const;
  static Result<Probe> Decode(std::string_view in);
};

class Formation {
 public:
  enum class Action {
    kWait,        // keep probing
    kBootstrap,   // write BootstrapEntries(book) and start Raft
    kRun,         // start Raft with an empty log as self_id() (the leader will send the log)
    kNewId,       // this log directory is not the one the cluster knows: take a new id, keep probing
  };
  struct Decision {
    Action action = Action::kWait;
    std::map<uint64_t, MemberAddr> book;  // kBootstrap: the voters; kRun: the members' addresses
  };

  // slot: this node's configured id; self: its Raft id (== slot unless it was replaced before);
  // slots: every configured member (this node included).
  Formation(uint64_t slot, uint64_t self, uint64_t incarnation, std::map<uint64_t, MemberAddr> slots);

  // A probe or probe reply from the node configured as `from_slot`.
  void Observe(uint64_t from_slot, const Probe& p);
  Decision Decide() const;
  // After kNewId: the new id (never a configured slot id).
  void SetSelf(uint64_t id) { self_ = id; }

  uint64_t slot() const { return slot_; }
  uint64_t self() const { return self_; }
  uint64_t incarnation() const { return incarnation_; }
  const std::map<uint64_t, MemberAddr>& slots() const { return slots_; }

 private:
  const uint64_t slot_;
  uint64_t self_;
  const uint64_t incarnation_;
  const std::map<uint64_t, MemberAddr> slots_;
  std::map<uint64_t, Probe> seen_;  // latest probe per slot
};

// The configuration entries a new cluster starts with: for each voter in id order, a committed
// kConfChange entry (term 1) adding it, its address and incarnation as context. Every node of a
// new cluster writes the same entries, so membership is in the log from index 1 on.
std::vector<raft::Entry> BootstrapEntries(const std::map<uint64_t, MemberAddr>& voters);

}  // namespace redraft::cluster
