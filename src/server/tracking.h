// Client-side caching (docs/tracking.md): the per-node tracking table of CLIENT TRACKING.
//
// Every node keeps its own table for its own connections only. Invalidations are derived, like
// keyspace notifications, from the entries this node applies (StateMachine's changed-keys
// observer): every node applies every committed entry, so a tracking client on any node learns
// of a change made through any node, once, and nothing is ever forwarded between nodes.
//
// This class is pure bookkeeping (no sockets, no loop): it says who gets which invalidation;
// server/tracking_server.cc encodes and delivers. All calls on the event-loop thread.
//
// Invariants (as Redis 7.0's tracking.c):
// - default mode: keys_ maps a key name (without database: Redis's table ignores SELECT) to the
//   ids of clients that read it; an invalidation removes the key, so each read earns at most one
//   invalidation. Ids of clients that left or turned tracking off are skipped lazily.
// - BCAST mode: prefixes_ maps each prefix to its clients and the keys changed under it since
//   the last TakeBroadcasts() (sorted, unique), sent as one message per (prefix, client).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "commands/tracking_api.h"

namespace redraft::server {

using commands::TrackingOptions;

class TrackingTable {
 public:
  struct Client {
    bool on = false, bcast = false, optin = false, optout = false, noloop = false;
    bool caching = false;          // CLIENT CACHING YES/NO given for the next command
    bool broken_redirect = false;  // the redirect target was gone when a message was due
    uint64_t redirect = 0;
    std::set<std::string> prefixes;  // BCAST
    // NOLOOP: keys named by this connection's writes still in flight (server decides when it is
    // stale: only meaningful while the connection has pending writes).
    std::unordered_set<std::string> inflight;
  };
  // One invalidation due: keys, or a flush (every key: Redis's null invalidation).
  struct Message {
    uint64_t client;
    bool flush = false;
    std::vector<std::string> keys;
  };
  // True if `client` itself has a write in flight naming `key` (NOLOOP).
  using OwnWrite = std::function<bool(uint64_t client, std::string_view key)>;

  // CLIENT TRACKING ON with validated options. Returns Redis's error text, or "" when done.
  // REQUIRES: the redirect target exists (the caller checks, with Redis's error).
  std::string Enable(uint64_t id, const TrackingOptions& o);
  void Disable(uint64_t id);  // CLIENT TRACKING OFF, RESET
  void Forget(uint64_t id) { Disable(id); clients_.erase(id); }  // the connection closed

  Client* Find(uint64_t id) {
    auto it = clients_.find(id);
    return it == clients_.end() ? nullptr : &it->second;
  }
  bool active() const { return on_ > 0; }

  // A default-mode client read these keys (the caller applied OPTIN/OPTOUT/CACHING).
  void Remember(uint64_t id, const std::vector<std::string_view>& keys);

  // Keys changed by an applied group, in apply order (user key names); appends default-mode
  // messages (one per key and client, as Redis) and queues BCAST keys under their prefixes.
  void KeysChanged(const std::vector<std::string>& keys, const OwnWrite& own, std::vector<Message>* out);
  // FLUSHALL/FLUSHDB: a flush message for every tracking client (ascending id), table emptied.
  void Flushed(std::vector<Message>* out);
  // The BCAST messages queued since the last call: per prefix (byte order), per client (id order).
  void TakeBroadcasts(const OwnWrite& own, std::vector<Message>* out);

  // tracking-table-max-keys (Redis's trackingLimitUsedSlots): while the table holds more than
  // max_keys keys (0: no limit), keys leave it and their default-mode readers get an
  // invalidation (no write would tell them any more). At most 100 * (consecutive calls still over
  // + 1) keys per call, as Redis, so lowering the limit spreads the invalidations out.
  void LimitKeys(size_t max_keys, std::vector<Message>* out);

  size_t tracked_keys() const { return keys_.size(); }
  size_t tracking_clients() const { return on_; }

 private:
  struct Prefix {
    std::set<uint64_t> clients;
    std::set<std::string> pending;
  };
  std::unordered_map<uint64_t, Client> clients_;
  std::unordered_map<std::string, std::set<uint64_t>> keys_;
  std::map<std::string, Prefix, std::less<>> prefixes_;
  size_t on_ = 0;
  size_t over_rounds_ = 0;  // LimitKeys: consecutive calls that ended over the limit
};

// "Prefix 'a' overlaps with ..." when one of `wanted` is a prefix of (or equal to) another or of
// one of `existing` (Redis's checkPrefixCollisionsOrReply); "" if none.
std::string PrefixCollision(const std::set<std::string>& existing, const std::vector<std::string>& wanted);

}  // namespace redraft::server
