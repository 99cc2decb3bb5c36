// What the Pub/Sub commands (pubsub_cmds.cc) ask of the server: subscriptions live in the
// server's per-node registry (server/pubsub.h), deliveries go to connections and peers. Keeps
// commands/ free of sockets and the event loop. All calls are on the event-loop thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "resp/reply_builder.h"

namespace redraft::commands {

enum class PubsubKind : uint8_t { kChannel = 0, kPattern = 1, kShard = 2 };

class PubsubApi {
 public:
  virtual ~PubsubApi() = default;
  // (P|S)SUBSCRIBE: one confirmation frame per name into reply (Redis's order and counts).
  virtual void Subscribe(uint64_t client, PubsubKind kind, const std::vector<std::string>& names,
                         resp::ReplyBuilder& reply) = 0;
  // (P|S)UNSUBSCRIBE: names empty = all of that kind (one frame each, or one frame with a nil
  // name when there were none).
  virtual void Unsubscribe(uint64_t client, PubsubKind kind, const std::vector<std::string>& names,
                           resp::ReplyBuilder& reply) = 0;
  // PUBLISH (shard false) / SPUBLISH: delivers to this node's subscribers now and queues the
  // message for every peer. Returns the number of receivers on this node.
  virtual int64_t Publish(bool shard, const std::string& channel, const std::string& message) = 0;
  // PUBSUB introspection (this node's subscriptions).
  virtual std::vector<std::string> Channels(PubsubKind kind, const std::string* pattern) = 0;
  virtual int64_t NumSub(PubsubKind kind, const std::string& channel) = 0;
  virtual int64_t NumPat() = 0;
};

}  // namespace redraft::commands
