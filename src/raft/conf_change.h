// Membership changes: one server at a time (Raft dissertation §4.1 "single-server changes").
//
// A ConfChange travels through the log as an Entry of type kConfChange whose data is Encode()d.
// The core applies it to its configuration when the entry is COMMITTED (as etcd does, not when it
// is appended as in the dissertation). Why: applying on commit means a configuration never has to
// be rolled back when a log suffix is truncated, and the one-change-at-a-time rule (the leader
// refuses a new change while an earlier one is uncommitted) keeps every two consecutive committed
// configurations within one server of each other, so their majorities overlap.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "raft/types.h"

namespace redraft::raft {

enum class ConfChangeType : uint8_t {
  kAddNode = 0,     // add a voter, or promote an existing learner to voter
  kAddLearner = 1,  // add a non-voting member (receives the log, never counted in a quorum)
  kRemoveNode = 2,  // remove a voter or learner (may be the leader: it steps down once committed)
};

struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddNode;
  NodeId node_id = kNoNode;
  std::string context;  // opaque to the core (e.g. the new node's address)

  bool operator==(const ConfChange&) const = default;

  // Wire format: type (1 byte) | varint node_id | length-prefixed context.
  std::string Encode() const;
  static Result<ConfChange> Decode(std::string_view in);
};

// Returns the configuration after applying cc to conf; voters and learners stay sorted and
// disjoint. Changes that are no-ops (e.g. adding an existing voter as learner) leave conf unchanged.
ConfState ApplyToConfState(const ConfState& conf, const ConfChange& cc);

bool IsVoter(const ConfState& conf, NodeId id);
bool IsLearner(const ConfState& conf, NodeId id);

}  // namespace redraft::raft
