// Client de-duplication for at-most-once application (dissertation §6.3), for the simulation's
// KV state machine. (The server does not use it: its writes are applied at most once by the
// accepting node's tag-and-term rule, docs/exactly_once.md.)
//
// The Raft core treats entry data as opaque bytes, so a client that retries a write (e.g. after
// its leader crashed) may get the same command committed twice. The state machine makes that
// harmless: each command carries (client id, sequence number), and the state machine keeps, per
// client, the last sequence number it applied plus that command's reply. A retried command whose
// sequence number was already applied is not executed again; the cached reply is returned.
//
// The table is part of the replicated state: it changes only in Apply (deterministically, from
// the log) and is included in snapshots (Encode/Decode), so every replica decides identically.
// A client must number its commands 1, 2, 3, ... and have at most one outstanding at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace redraft::raft {

// A command tagged for de-duplication: what goes into Entry::data.
struct ClientRequest {
  uint64_t client_id = 0;
  uint64_t seq = 0;
  std::string payload;

  // Format: varint client_id | varint seq | payload (rest of the buffer).
  std::string Encode() const;
  static Result<ClientRequest> Decode(std::string_view in);
};

class SessionTable {
 public:
  enum class Outcome {
    kNew,        // not applied before: execute it, then Record()
    kDuplicate,  // already applied: *cached_reply holds the reply; do not execute
    kStale,      // older than the last applied command of this client: do not execute (the
                 // client has already moved on, nobody waits for the reply)
  };
  Outcome Check(uint64_t client_id, uint64_t seq, std::string* cached_reply) const;
  // REQUIRES: Check returned kNew for (client_id, seq).
  void Record(uint64_t client_id, uint64_t seq, std::string reply);
  size_t size() const { return sessions_.size(); }

  std::string Encode() const;
  static Result<SessionTable> Decode(std::string_view in);
  bool operator==(const SessionTable&) const = default;

 private:
  struct Session {
    uint64_t last_seq = 0;
    std::string reply;
    bool operator==(const Session&) const = default;
  };
  std::map<uint64_t, Session> sessions_;  // ordered: deterministic encoding
};

}  // namespace redraft::raft
