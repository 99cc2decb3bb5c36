// The messages Raft peers exchange, and their binary wire format.
//
// Every message names its Raft group (several groups may share a process and a transport).
// Field use per type follows etcd-io/raft's raftpb.Message:
//   kApp            index/log_term = the entry preceding `entries`; commit = leader's commit
//   kAppResp        index = last index the follower now matches (or, with reject, the rejected
//                   index); reject_hint/log_term = fast-backtracking hint (see RaftLog::FindConflictByTerm)
//   kVote/kPreVote  index/log_term = candidate's last entry; term = the term campaigned for
//                   (for kPreVote: the candidate's term + 1, without incrementing it);
//                   context = kCampaignTransfer when the campaign follows a MsgTimeoutNow
//   k*VoteResp      reject = vote denied
//   kHeartbeat      commit = min(follower's match, leader commit); context = ReadIndex round id
//   kHeartbeatResp  context echoed back
//   kSnapshot       snapshot = metadata + state-machine data blob
//   kTimeoutNow     leadership transfer: the receiver campaigns at once, skipping PreVote
//   kReadIndex      follower -> leader: context = the caller's request id
//   kReadIndexResp  leader -> follower: index = read index; context echoed back
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "raft/types.h"

namespace redraft::raft {

enum class MessageType : uint8_t {
  kApp = 0,
  kAppResp,
  kVote,
  kVoteResp,
  kPreVote,
  kPreVoteResp,
  kHeartbeat,
  kHeartbeatResp,
  kSnapshot,
  kTimeoutNow,
  kReadIndex,
  kReadIndexResp,
  kNumTypes,  // not a type; the bound for decoding
};

const char* MessageTypeName(MessageType t);

// A state-machine snapshot: which log prefix it replaces, plus the opaque data.
struct Snapshot {
  SnapshotMeta meta;
  std::string data;

  bool operator==(const Snapshot&) const = default;
};

inline constexpr std::string_view kCampaignTransfer = "CampaignTransfer";

struct Message {
  MessageType type = MessageType::kApp;
  GroupId group = 0;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  Term term = 0;
  Term log_term = 0;
  Index index = 0;
  std::vector<Entry> entries;
  Index commit = 0;
  bool reject = false;
  Index reject_hint = 0;
  std::optional<Snapshot> snapshot;
  std::string context;

  bool operator==(const Message&) const = default;

  // Wire format (all integers varint unless noted):
  //   version byte (=1) | type byte | group | from | to | term | log_term | index | commit |
  //   flags byte (bit0 reject, bit1 has snapshot) | reject_hint | context (length-prefixed) |
  //   entry count | entries: term, index, type byte, data (length-prefixed) |
  //   if snapshot: index, term, voter count, voters, learner count, learners, data (length-prefixed)
  // Decode checks every length against the remaining input and rejects trailing bytes, unknown
  // types and flags, so arbitrary input yields a Corruption status, never a crash or a huge allocation.
  std::string Encode() const;
  void EncodeTo(std::string* out) const;
  static Result<Message> Decode(std::string_view in);

  // Approximate payload size, used for batching (max_size_per_msg).
  size_t ByteSize() const;
};

// Short human-readable rendering for logs and test transcripts.
std::string DescribeMessage(const Message& m);

}  // namespace redraft::raft
