// server/pubsub: the Pub/Sub subscription registry of ONE node (docs/pubsub.md) and the RESP
// frames of Pub/Sub. Pure logic: no sockets, no event loop, no knowledge of peers; the server
// (pubsub_server.cc) delivers the frames and carries publishes to the other nodes. Must not touch
// connections, the store or the log: subscriptions are per-connection, never replicated state.
//
// Three name spaces, as Redis 7.0: channels (SUBSCRIBE), patterns (PSUBSCRIBE) and shard channels
// (SSUBSCRIBE). Invariants: a client is in a channel's subscriber list iff the channel is in the
// client's own set of that kind; lists and sets are ordered by subscription time (Redis delivers
// to a channel's subscribers in that order; PUNSUBSCRIBE with no argument goes through a client's
// patterns in that order); an entry whose list becomes empty is erased (PUBSUB CHANNELS and
// NUMPAT count only live ones). Thread-safety: none (the event-loop thread only).
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/pubsub_api.h"

namespace redraft::server {

using PubsubKind = commands::PubsubKind;

class PubsubRegistry {
 public:
  // True if the client was not yet subscribed to name (of that kind).
  bool Subscribe(uint64_t client, PubsubKind kind, const std::string& name);
  // True if the client was subscribed.
  bool Unsubscribe(uint64_t client, PubsubKind kind, const std::string& name);
  // Forgets every subscription of a client (it disconnected, or RESET).
  void RemoveClient(uint64_t client);

  // The client's subscriptions of a kind, oldest first.
  std::vector<std::string> ClientSubscriptions(uint64_t client, PubsubKind kind) const;
  // Redis's clientSubscriptionsCount (channels + patterns) and clientShardSubscriptionsCount.
  size_t ChannelAndPatternCount(uint64_t client) const;
  size_t ShardCount(uint64_t client) const;
  // Redis's CLIENT_PUBSUB flag: any subscription of any kind.
  bool IsSubscriber(uint64_t client) const { return clients_.count(client) > 0; }

  // Every (client, pattern) that a message published on channel reaches, in Redis's order:
  // the channel's subscribers (oldest first), then for each pattern that matches, its
  // subscribers (pattern == nullptr for a channel subscription). kind: kChannel (PUBLISH, which
  // also reaches patterns) or kShard (SPUBLISH: shard subscribers only). Returns the count.
  // fn must not change the registry.
  size_t ForEachReceiver(PubsubKind kind, std::string_view channel,
                         const std::function<void(uint64_t client, const std::string* pattern)>& fn) const;

  // PUBSUB CHANNELS / SHARDCHANNELS [pattern] (nullptr = all): active channels of the kind.
  std::vector<std::string> Channels(PubsubKind kind, const std::string* pattern) const;
  size_t NumSub(PubsubKind kind, const std::string& channel) const;
  size_t NumPat() const { return patterns_.size(); }
  // Number of (client, name) subscriptions of a kind, for INFO-like figures.
  bool empty() const { return clients_.empty(); }

 private:
  // A set that remembers insertion order (subscribers of a name, names of a client).
  template <typename T>
  class OrderedSet {
   public:
    bool Insert(const T& v);
    bool Erase(const T& v);
    bool Contains(const T& v) const { return index_.count(v) > 0; }
    size_t size() const { return order_.size(); }
    bool empty() const { return order_.empty(); }
    typename std::list<T>::const_iterator begin() const { return order_.begin(); }
    typename std::list<T>::const_iterator end() const { return order_.end(); }

   private:
    std::list<T> order_;
    std::unordered_map<T, typename std::list<T>::iterator> index_;
  };
  struct ClientSubs {
    OrderedSet<std::string> names[3];  // indexed by PubsubKind
    bool empty() const { return names[0].empty() && names[1].empty() && names[2].empty(); }
  };
  using Subscribers = OrderedSet<uint64_t>;

  std::unordered_map<std::string, Subscribers>& Map(PubsubKind kind);
  const std::unordered_map<std::string, Subscribers>& Map(PubsubKind kind) const;

  std::unordered_map<std::string, Subscribers> channels_, shard_channels_;
  std::unordered_map<std::string, Subscribers> patterns_;
  std::vector<std::string> pattern_order_;  // patterns_ keys in creation order (publish walks them)
  std::unordered_map<uint64_t, ClientSubs> clients_;
};

// RESP frames of Pub/Sub, byte for byte those of Redis 7.0: arrays in RESP2, pushes (>) in RESP3.
// (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE confirmation: [kind, name (nil when none), count].
void AppendSubscriptionFrame(std::string* out, int proto, std::string_view kind, const std::string* name,
                             int64_t count);
// message / smessage: [kind, channel, payload]; pmessage: [pmessage, pattern, channel, payload].
void AppendMessageFrame(std::string* out, int proto, bool shard, std::string_view channel, std::string_view payload);
void AppendPatternMessageFrame(std::string* out, int proto, std::string_view pattern, std::string_view channel,
                               std::string_view payload);

// The batch of publishes a node sends its peers once per loop iteration (frame type "pub",
// docs/pubsub.md): a sequence of [u8 kind][varint len][channel][varint len][payload], kind 0 =
// PUBLISH, 1 = SPUBLISH. Decoding calls fn per message in order; false if malformed (the messages
// before the damage were delivered).
void AppendPublish(std::string* batch, bool shard, std::string_view channel, std::string_view payload);
bool DecodePublishBatch(std::string_view batch,
                        const std::function<void(bool shard, std::string_view channel, std::string_view payload)>& fn);

}  // namespace redraft::server
