#pragma once

// The forwarding frames of the peer port (docs/exactly_once.md "Wire") as types: every byte of a
// forwarding frame is encoded and decoded here, nowhere else. The replicator's forwarding code
// sees only FwdKind and the structs below.
//
// Owns: the frame type names ("fwd", "fwdr", "fwdn", "fwdb", "fwdrb") and their payload layouts.
// Must not: know about Raft state, writes in flight or the transport (pure encoding; the wire
// format is frozen — nodes of other versions parse these bytes).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::cluster {

enum class FwdKind {
  kWriteBatch,   // "fwdb": a follower's writes of one loop iteration, all forwarded in one term
  kReplyBatch,   // "fwdrb": the leader's outcomes for one forwarding node, in apply order
  kWrite,        // "fwd": one write (older versions; still accepted, never sent)
  kReply,        // "fwdr": one reply (older versions; still accepted, never sent)
  kNotExecuted,  // "fwdn": one "not executed" (older versions; still accepted, never sent)
};

// The frame type for `type`, or nullopt if it is not a forwarding frame.
std::optional<FwdKind> ParseFwdKind(std::string_view type);
const char* FwdKindName(FwdKind kind);

// One forwarded write. Views point into the decoded payload.
struct ForwardedWrite {
  uint64_t req = 0;  // the sender's seq for it (echoed in the outcome)
  int proto = 2;     // RESP version of the reply: 2 or 3 (anything else decodes as 2)
  std::string_view entry;
};

// A decoded "fwdb" (or an old "fwd", as a batch of one).
struct ForwardBatch {
  uint64_t term = 0;  // the term the sender forwarded every write in
  std::vector<ForwardedWrite> writes;
};

// One outcome of a forwarded write, as the leader reports it.
struct ForwardOutcome {
  enum class Kind : char { kReplied = 'r', kNotExecuted = 'n' };
  Kind kind = Kind::kReplied;
  uint64_t req = 0;
  uint64_t term = 0;       // kNotExecuted: the term the write was forwarded in
  std::string_view reply;  // kReplied: the RESP reply
};

// Decoding is prefix-tolerant, as the replicator always was: the items before the first malformed
// one are returned (and acted upon); the rest of the frame is dropped. A malformed header yields
// nothing.
ForwardBatch DecodeForwardBatch(FwdKind kind, std::string_view payload);  // kWriteBatch or kWrite
// kReplyBatch, kReply or kNotExecuted:
std::vector<ForwardOutcome> DecodeForwardOutcomes(FwdKind kind, std::string_view payload);

// Builds one "fwdb" payload. Items are appended as they come; the header goes on at Take.
class ForwardBatchWriter {
 public:
  void Add(uint64_t req, int proto, std::string_view entry);
  size_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t bytes() const { return items_.size(); }
  // The payload for `term`; the writer is empty afterwards.
  std::string Take(uint64_t term);

 private:
  std::string items_;
  size_t count_ = 0;
};

// Builds one "fwdrb" payload (a sequence of outcomes, no header).
class ForwardOutcomeWriter {
 public:
  void AddReplied(uint64_t req, std::string_view reply);
  void AddNotExecuted(uint64_t req, uint64_t term);
  bool empty() const { return out_.empty(); }
  size_t bytes() const { return out_.size(); }
  std::string Take();  // the writer is empty afterwards

 private:
  std::string out_;
};

}  // namespace redraft::cluster
