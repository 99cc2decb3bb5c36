#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/migrate_api.h"
#include "common/status.h"
#include "resp/reply_builder.h"

namespace redraft::store {
class Store;
}  // namespace redraft::store

namespace redraft::acl {
class Registry;
}

namespace redraft::commands {

// Filter of CLIENT KILL (new form); unset fields match everything.
struct ClientKillFilter {
  std::optional<uint64_t> id;
  std::optional<std::string> addr, laddr;
  bool skipme = true;
};

// What server-level commands (CLIENT, CONFIG, INFO, SHUTDOWN, ...) may ask of the server.
// Implemented by server/; lets commands/ stay free of sockets and the event loop.
class ClusterApi;
class PubsubApi;
class TrackingApi;

class ServerApi {
 public:
  virtual ~ServerApi() = default;
  // The replication layer, for CLUSTER commands; null when the server runs without it.
  virtual ClusterApi* cluster() = 0;
  // enable-debug-command yes: DEBUG's fault injection is allowed.
  virtual bool debug_enabled() const = 0;
  virtual std::string requirepass() const = 0;
  // The ACL users this node enforces and its ACL LOG (acl/registry.h); null if none.
  virtual acl::Registry* acl() { return nullptr; }
  // The store with stored keys (under every database's view): what read-only scripts use to
  // find the script cache in the system namespace. Null if none.
  virtual store::Store* stored_keys() { return nullptr; }
  virtual std::vector<std::pair<std::string, std::string>> ConfigGet(const std::string& pattern) = 0;
  // Error message text (without "ERR ") on failure.
  // CONFIG SET name value [name value ...]: all or nothing, as Redis 7 (a certificate and its key
  // change together). On failure *failed names the directive the error is about.
  virtual Status ConfigSet(const std::vector<std::pair<std::string, std::string>>& pairs, std::string* failed) = 0;
  // The INFO text for the given lower-case section names ("default", "all", "everything" or names).
  virtual std::string InfoText(const std::vector<std::string>& sections) = 0;
  // One CLIENT LIST line per client ("id=.. addr=.. ...\n"); ids empty = all clients.
  virtual std::string ClientList(const std::vector<uint64_t>& ids) = 0;
  // Number of clients killed (the caller itself only when filter.skipme is false).
  virtual int KillClients(uint64_t caller_id, const ClientKillFilter& filter) = 0;
  // CLIENT UNBLOCK: 1 if the client was blocked and is now answered (nil, or the -UNBLOCKED error).
  virtual int UnblockClient(uint64_t client_id, bool error) = 0;
  // The calling command answers later (CLUSTER MEET): reserves its place in the client's reply
  // order and returns what fills it with the reply bytes (call it once, on the event-loop thread;
  // a client gone meanwhile is fine). Meanwhile the client's later reads and admin commands wait;
  // its writes go ahead, their replies queued behind this one.
  using DeferredReply = std::function<void(std::string&& reply)>;
  virtual DeferredReply DeferReply(uint64_t client_id) = 0;
  // Close the connection once its pending replies are written (QUIT).
  virtual void CloseAfterReply(uint64_t client_id) = 0;
  // MIGRATE (commands/migrate_api.h): sends req.commands to the target from a worker thread, then
  // deletes the acknowledged keys through the log (unless req.copy); the client's reply is
  // deferred until then. Never blocks the event loop.
  virtual void Migrate(uint64_t /*client_id*/, MigrateRequest /*req*/, resp::ReplyBuilder& reply) {
    reply.Error("ERR MIGRATE needs a server");
  }
  // WAIT numreplicas timeout: answers now (into reply) with the number of followers whose log
  // holds the client's last write if that is at least numreplicas, else later through a deferred
  // reply, once it is or timeout_ms (0 = never) passed. Never blocks the event loop.
  virtual void WaitReplicas(uint64_t /*client_id*/, int64_t /*numreplicas*/, int64_t /*timeout_ms*/,
                            resp::ReplyBuilder& reply) {
    reply.Integer(0);
  }
  // Pub/Sub on this node (pubsub_api.h); null when the server has none (unit tests).
  virtual PubsubApi* pubsub() { return nullptr; }
  // Client-side caching on this node (tracking_api.h); null when the server has none.
  virtual TrackingApi* tracking() { return nullptr; }
  // RESET: ends MULTI/WATCH and drops the connection's subscriptions (without confirmations);
  // the command resets the session's own fields.
  virtual void ResetConnection(uint64_t /*client_id*/) {}
  // Eviction (docs/memory.md): this node's access information of a stored key ([physical db]
  // [key]): ms since a client last used it and its LFU counter (decayed); false if unknown.
  virtual bool KeyAccess(std::string_view /*stored_key*/, int64_t* /*idle_ms*/, int* /*lfu*/) { return false; }
  // Whether maxmemory-policy is an LFU one (OBJECT IDLETIME / FREQ refuse the other).
  virtual bool LfuPolicy() const { return false; }
  // Whether this node is over maxmemory with nothing to evict (read-only scripts' OOM check).
  virtual bool ScriptOutOfMemory() { return false; }
  // Stops the server gracefully: everything acknowledged is durable; the caller gets no reply.
  virtual void Shutdown(uint64_t caller_id) = 0;
  // MONITOR: from now on the client receives a line for every command this node receives.
  virtual void Monitor(uint64_t /*client_id*/) {}
};

}  // namespace redraft::commands
