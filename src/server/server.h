#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "acl/acl_file.h"
#include "commands/notify.h"
#include "commands/pubsub_api.h"
#include "commands/server_api.h"
#include "commands/tracking_api.h"
#include "observability/prometheus.h"
#include "server/blocking.h"
#include "server/config.h"
#include "server/connection.h"
#include "server/eviction.h"
#include "server/pubsub.h"
#include "server/replica_waits.h"  // WAIT
#include "server/replicator.h"
#include "server/state_machine.h"
#include "server/token_map.h"
#include "server/tracking.h"
#include "store/store.h"

namespace redraft::server {

// The event loop: accepts clients, parses requests, dispatches commands (reads run at once,
// writes go through the Replicator), writes replies once per loop iteration, runs the cron
// (active expiry, idle timeouts) and shuts down cleanly on SIGTERM/SIGINT/SHUTDOWN.
// Makes room for maxclients clients as Redis's adjustOpenFilesLimit does: if RLIMIT_NOFILE is
// below maxclients + 32 (the server's own files: RocksDB, the log, peers, listeners), raises it
// (towards the hard limit, or beyond when privileged); if that is not possible, logs a warning
// and returns the maxclients the limit allows, so an extra client gets "max number of clients
// reached" instead of a silently failing accept. Returns maxclients when it fits.
int AdjustOpenFilesLimit(int maxclients);

class Server : public commands::ServerApi, public commands::PubsubApi, public commands::TrackingApi {
 public:
  // Builds the write path once the loop and state machine exist (main builds the Raft-backed
  // replicator from cluster/, so server/ does not depend on it). cluster may be null.
  struct ReplicationLayer {
    std::unique_ptr<Replicator> replicator;
    commands::ClusterApi* cluster = nullptr;
  };
  using ReplicationFactory = std::function<ReplicationLayer(
      uv_loop_t*, StateMachine*, Replicator::AppliedFn, Replicator::ReadReadyFn)>;

  Server(Config cfg, ReplicationFactory factory);
  ~Server() override;

  // Opens the store and the log (replaying it), binds the listener. Then Run() until shutdown.
  Status Init();
  void Run();

  // commands::ServerApi
  std::string requirepass() const override { return cfg_.requirepass; }
  commands::ClusterApi* cluster() override { return cluster_; }
  acl::Registry* acl() override { return &sm_->acl(); }
  store::Store* stored_keys() override { return store_.get(); }
  bool debug_enabled() const override { return cfg_.enable_debug_command == "yes"; }
  std::vector<std::pair<std::string, std::string>> ConfigGet(const std::string& pattern) override;
  Status ConfigSet(const std::vector<std::pair<std::string, std::string>>& pairs, std::string* failed) override;
  std::string InfoText(const std::vector<std::string>& sections) override;
  std::string ClientList(const std::vector<uint64_t>& ids) override;
  int KillClients(uint64_t caller_id, const commands::ClientKillFilter& filter) override;
  void CloseAfterReply(uint64_t client_id) override;
  int UnblockClient(uint64_t client_id, bool error) override { return blocking_->Unblock(client_id, error); }
  DeferredReply DeferReply(uint64_t client_id) override;
  void WaitReplicas(uint64_t client_id, int64_t numreplicas, int64_t timeout_ms, resp::ReplyBuilder& reply) override;
  void Migrate(uint64_t client_id, commands::MigrateRequest req, resp::ReplyBuilder& reply) override;  // server_migrate.cc
  void Shutdown(uint64_t caller_id) override;
  void Monitor(uint64_t client_id) override;  // server_metrics.cc
  commands::PubsubApi* pubsub() override { return this; }
  void ResetConnection(uint64_t client_id) override;
  commands::TrackingApi* tracking() override { return this; }
  // maxmemory and eviction (eviction_server.cc, docs/memory.md)
  bool KeyAccess(std::string_view stored_key, int64_t* idle_ms, int* lfu) override;
  bool LfuPolicy() const override;
  bool ScriptOutOfMemory() override { return cfg_.maxmemory > 0 && OutOfMemory(); }

  // Internal clients (internal_client.cc): sessions with no socket, for layers above server/
  // (the HTTP port, src/http/) to run commands through exactly the path of a Redis client
  // (auth, ACL, MULTI, slots, Raft). `on_output` receives the RESP reply bytes as they are
  // flushed (once per loop iteration), and ("", true) once when the session ends (CLIENT KILL,
  // timeout, shutdown, CloseInternalClient): it may run inside FeedInternalClient or
  // CloseInternalClient. Feed returns false for a session that no longer exists.
  using InternalOutput = std::function<void(std::string_view bytes, bool closed)>;
  uint64_t OpenInternalClient(const std::string& name, InternalOutput on_output);
  bool FeedInternalClient(uint64_t id, std::string_view resp_bytes);
  bool InternalClientAuthenticated(uint64_t id) const;
  void CloseInternalClient(uint64_t id);
  uv_loop_t* loop() { return &loop_; }
  // The current TLS configuration (null unless UsesTls()): new TLS connections, on the client TLS
  // port and the HTTPS port alike, take it, so CONFIG SET of a certificate reaches both.
  std::shared_ptr<TlsContext> tls_context() const { return tls_ctx_; }

  // commands::TrackingApi (tracking_server.cc, docs/tracking.md)
  bool ClientExists(uint64_t id) override;
  std::string TrackingOn(uint64_t client, const commands::TrackingOptions& o) override;
  void TrackingOff(uint64_t client) override;
  std::string Caching(uint64_t client, bool yes) override;
  commands::TrackingInfo Info(uint64_t client) override;

  // commands::PubsubApi (pubsub_server.cc, docs/pubsub.md)
  void Subscribe(uint64_t client, commands::PubsubKind kind, const std::vector<std::string>& names,
                 resp::ReplyBuilder& reply) override;
  void Unsubscribe(uint64_t client, commands::PubsubKind kind, const std::vector<std::string>& names,
                   resp::ReplyBuilder& reply) override;
  int64_t Publish(bool shard, const std::string& channel, const std::string& message) override;
  std::vector<std::string> Channels(commands::PubsubKind kind, const std::string* pattern) override;
  int64_t NumSub(commands::PubsubKind kind, const std::string& channel) override;
  int64_t NumPat() override;

 private:
  static int64_t NowMs();
  // The clock that judges expiry and prepares writes here: the cluster's time (Replicator::
  // ClusterTimeMs), never behind the time of the entries already applied (docs/time.md).
  int64_t LogClockMs() const;
  Status WhatToDo(const Status& st, const std::string& where);

  void OnNewConnection(uv_tcp_t* listener, int status);
  // A Connection with its uv handle initialised (not yet a client). InitConnection makes it one,
  // for the TCP/TLS accept path and internal clients alike: id, authentication as the default
  // user allows, addresses, parser limits, registered in clients_ and counted
  // (server_connections.cc).
  Connection* NewConnection();
  void InitConnection(Connection* c, std::string addr, std::string laddr);
  // Listens on bind:port with `listener` (the client port, or the TLS port).
  Status Listen(uv_tcp_t* listener, int port);
  // The TLS configuration from cfg_ (tls/tls.h); rebuilt by CONFIG SET of a tls-* directive.
  Status LoadTls(const Config& cfg);
  // The TLS port or the HTTPS port (http-tls) needs the certificates.
  bool UsesTls() const { return cfg_.tls_port != 0 || cfg_.http_tls == "yes"; }
  void OnRead(Connection* c, ssize_t nread, const uv_buf_t* buf);
  void ProcessInput(Connection* c);
  bool in_input_batch_ = false;  // inside ProcessInput: writes are stamped "proposed" at its end
  bool unstamped_writes_ = false;  // this ProcessInput proposed a counted write: StampProposed at its end
  void StampProposed(Connection* c, uint64_t first_token);  // server_dispatch.cc
  // Returns false if the connection must stop executing (waiting for writes, closing).
  bool Dispatch(Connection* c, commands::Argv& argv);
  // ACL check of a command about to run (acl_gate.cc): false after replying NOPERM (and logging
  // the denial), or after closing a connection whose user was deleted.
  bool AclAllows(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv);
  // The re-check of a queued command at EXEC (acl_gate.cc): Redis's "-NOPERM ACLs rules changed
  // ..." reply (logged, context multi) if the connection's user may no longer run it, else "".
  // REQUIRES: AclAllows passed for the EXEC itself (the cached user is current).
  std::string AclExecRefusal(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv);
  // ACL LOAD / ACL SAVE when an aclfile is configured (acl_gate.cc, docs/acl.md). LOAD reads and
  // checks the file here and turns the command into the write redraft.aclload (false: dispatch
  // goes on with it); SAVE writes this node's users to the file and replies (true). Anything
  // else: false, unchanged.
  bool AclFileCommand(Connection* c, const commands::CommandSpec** spec, commands::Argv* argv);
  // Reads and parses the aclfile: the users, or Redis's error text.
  acl::AclFileResult ReadAclFile() const;
  // Start-up seeding: while the state holds no users, the leader proposes its aclfile's users
  // (redraft.aclload seed) once a second (Cron).
  void SeedAclFromFile(int64_t now_ms);
  void AclLogDenial(Connection* c, const acl::CheckResult& r, const commands::CommandSpec& spec,
                    const commands::Argv& argv, bool in_multi);
  // A write arriving behind this connection's reads still waiting for their barrier: proposes
  // those reads as log reads ahead of it (commands/log_read.h; a write waiting as a read,
  // docs/unchanged_writes.md: as itself) and returns true, or false (and changes nothing) if one
  // of them cannot be (docs/pipelining.md). server_slots.cc.
  bool MoveReadsToLog(Connection* c);
  // Writes that change nothing, answered as reads (server_unchanged.cc, docs/unchanged_writes.md).
  // UnchangedCandidate: spec has CommandSpec::unchanged, the connection may take that path and
  // this node's state says the write would change nothing. AskUnchangedRead: its read slot and
  // barrier. AnswerUnchangedSlot (Drain, at the head, barrier passed): true after writing the
  // reply if it still changes nothing; else proposes it (false). ProposeSlotWrite: the slot's
  // write into the log (also from MoveReadsToLog). RunUnchanged: the predicate on this node's state.
  bool UnchangedCandidate(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv);
  void AskUnchangedRead(Connection* c, commands::Argv&& argv);
  bool AnswerUnchangedSlot(Connection* c, Connection::Slot& s, std::string* out);
  void ProposeSlotWrite(Connection* c, Connection::Slot& s);
  bool RunUnchanged(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv, std::string* out);
  uint64_t flushed_token_ = 0;  // next_token_ when FlushOutputs last handed proposals to the log
  // Runs a non-write command now, appending its reply to *out.
  void ExecuteNow(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv,
                  std::string* out);
  // Transactions (server_txn.cc). QueueOrRefuse: inside MULTI, queues the command (or refuses it
  // and flags the transaction); false if the command is not for the queue. RunTransactionCommand:
  // MULTI/EXEC/DISCARD/WATCH/UNWATCH; false if spec is none of them.
  bool QueueOrRefuse(Connection* c, const commands::CommandSpec& spec, commands::Argv& argv);
  bool RunTransactionCommand(Connection* c, const commands::CommandSpec& spec, commands::Argv& argv);
  void Exec(Connection* c);
  // WATCH once its read barrier passed: records the watch, appends +OK to the output.
  void WatchNow(Connection* c, const commands::Argv& argv);
  void EndTransaction(Connection* c);  // leaves MULTI, forgets queued commands and WATCH
  void FlagTransaction(Connection* c) { if (c->in_multi) c->multi_error = true; }
  uint64_t NewSlot(Connection* c, bool is_read);  // a reply slot answered later through its token
  Connection::Slot* FindSlot(uint64_t token, Connection** conn);
  void OnApplied(uint64_t token, std::string&& reply);
  void AnswerSlot(uint64_t token, std::string&& reply);  // a write's or failed read's reply
  void OnReadReady(uint64_t token);
  void Drain(Connection* c);
  // Metrics of the reads Drain answered this loop iteration (server_slots.cc).
  struct AnsweredRead {
    Connection* conn;  // alive: counted before it closes (CloseConnection)
    observability::CommandStats* stats;
    uint64_t t0_us, t_ready_us;  // dispatched; its barrier passed
    bool failed;                 // its reply was an error (errorstats counted it as it ran)
    commands::Argv args;         // for SLOWLOG
  };
  void CountAnsweredReads();
  void CountReads(const AnsweredRead* reads, size_t n, uint64_t now);  // answered at `now`
  void StartReading(Connection* c);
  void Reply(Connection* c, std::string_view bytes);  // respecting pending slots
  void MarkDirty(Connection* c);
  void FlushOutputs();  // once per loop iteration (uv_prepare)
  void WriteOut(Connection* c);
  void WriteInternal(Connection* c);  // WriteOut of an internal client (internal_client.cc)
  void CloseConnection(Connection* c);
  void LingerClose(Connection* c);  // close_after_reply, once its reply is written
  void Cron();
  // Pub/Sub (pubsub_server.cc). DeliverLocal: the message to this node's subscribers; returns
  // their number. SubscriberModeRefuses: Redis's RESP2 subscriber-mode gate (replies and returns
  // true for a command not allowed there, and answers PING's ["pong", msg]).
  size_t DeliverLocal(bool shard, std::string_view channel, std::string_view payload);
  bool SubscriberModeRefuses(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv);
  // client-output-buffer-limit pubsub: true if the subscriber went over and is being closed.
  bool OverPubsubLimit(Connection* c, int64_t now_ms);
  void SendPubsubBatch();  // this iteration's publishes, to every peer (once per iteration)
  void OnPeerPublishes(std::string_view batch);
  void PublishKeyEvents(std::vector<commands::KeyEvent>&& events);
  // Client-side caching (tracking_server.cc): TrackCommand notes what a tracking client's command
  // reads (default mode) or writes (NOLOOP); OnKeysChanged turns an applied group's changed keys
  // into invalidations; SendInvalidation frames one for its client or redirect target.
  void TrackCommand(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv, bool queued);
  void TrackingAfterExec(Connection* c);  // CLIENT CACHING lasts until EXEC has run
  void OnKeysChanged(std::vector<std::string>&& changes);
  void SendInvalidation(const TrackingTable::Message& m);
  void LimitTrackingTable();  // tracking-table-max-keys: evict and invalidate (before sleeping)
  void ActiveExpire(int64_t now);
  // maxmemory and eviction (eviction_server.cc, docs/memory.md)
  EvictionParams EvictionConfig() const;
  void NoteAccess(const commands::CommandSpec& spec, const commands::Argv& argv, int db);
  bool RefuseOom(Connection* c, const commands::CommandSpec& spec);  // true: answered -OOM
  // Over maxmemory with nothing to evict (Redis's performEvictions() == EVICT_FAIL); runs the leader's evictor.
  bool OutOfMemory();
  void EvictionCron();
  void EvictAhead();  // the leader's evictor, before each proposal batch, for writes in flight
  Evictor* EnsureEvictor();  // evictor_, made at first need (eviction_server.cc)
  void FlushHintsIfDue();  // follower: sends the hint batch if the last went kHintIntervalMs ago
  void OnAccessHints(std::string_view batch);
  // RESTORE's IDLETIME/FREQ, applied here (eviction_server.cc).
  void OnRestoredAccess(const std::vector<commands::AccessNote>& notes);
  void BeginShutdown();
  std::string ClientLine(const Connection& c, int64_t now) const;

  Config cfg_;
  uv_loop_t loop_;
  uv_tcp_t listener_;
  uv_tcp_t tls_listener_;
  std::shared_ptr<TlsContext> tls_ctx_;  // set when tls-port is; new TLS connections use it
  uv_prepare_t prepare_;
  uv_timer_t cron_;
  ReplicaWaits replica_waits_;  // WAIT (replica_waits.h)
  bool in_exec_ = false;        // EXEC runs a queued server command: it may not defer its reply
  std::optional<std::map<std::string, std::vector<std::string>>> acl_seed_;  // the aclfile's users
  int64_t acl_seed_next_ms_ = 0;
  uv_signal_t sigterm_, sigint_;

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<StateMachine> sm_;
  ReplicationFactory factory_;
  std::unique_ptr<Replicator> log_;
  commands::ClusterApi* cluster_ = nullptr;
  std::unique_ptr<BlockedClients> blocking_;  // BLPOP & co (blocking.h); hooks: MakeBlockedClients
  void MakeBlockedClients();

  std::unordered_map<uint64_t, Connection*> clients_;
  PubsubRegistry pubsub_;
  TrackingTable tracking_;  // CLIENT TRACKING of this node's connections (tracking.h)
  std::string pubsub_batch_;  // publishes of this loop iteration for the peers (pubsub.h format)
  std::vector<uint64_t> pubsub_overflow_;  // subscribers found over their limit while delivering
  uint64_t pubsub_peer_messages_ = 0, pubsub_peer_dropped_batches_ = 0, pubsub_limit_disconnects_ = 0;
  std::vector<Connection*> dirty_;
  // Proposals in flight: token -> client id (0 for the server's own proposals).
  TokenMap proposals_;  // (token_map.h: no allocation per request)
  uint64_t next_client_id_ = 1;
  uint64_t next_token_ = 1;
  bool shutting_down_ = false;  // requested (signal or SHUTDOWN); acted on in the next iteration
  bool stopped_ = false;
  std::string expire_cursor_;  // where active expiry resumes its sweep of the key space

  // Metrics, SLOWLOG, LATENCY, MONITOR (issue 13; server_metrics.cc, docs/observability.md).
  struct CallScope;  // one Dispatch: sets cur_stats_/cur_t0_us_, restores them after
  observability::CommandStats* cur_stats_ = nullptr;  // the command being dispatched (null: not counted)
  std::vector<AnsweredRead> answered_reads_;  // Drain's, counted once per loop iteration
  uint64_t cur_t0_us_ = 0;
  bool cur_ran_ = false;  // it ran and was counted (CountCall): a later error reply is not a rejection
  // Per-request traces (server_trace.cc, docs/observability.md "Traces"): the request being
  // dispatched, if traced (moved into its slot when it waits for the log or a read barrier).
  observability::RequestTrace cur_trace_;
  void TraceBegin(Connection* c, std::string_view name);
  void TraceEndNow(const Connection* c);  // a request answered within its Dispatch
  void TraceSpan(const observability::RequestTrace& t, const char* name, int64_t start, int64_t end);
  void TraceRoot(const Connection* c, const observability::RequestTrace& t, int64_t end);
  void TraceIntoSlot(Connection::Slot& slot);  // the request waits in its slot (a read, a barrier)
  void TraceReadBarrier(Connection::Slot& slot);  // ... and its ReadIndex round is traced too
  bool TraceWriteProposed(Connection::Slot& slot);
  void TraceAnswered(Connection::Slot& slot);  // its reply (or a failed barrier's error) is ready
  void TraceReplied(const Connection* c, Connection::Slot& slot);  // its reply went to the output
  std::vector<Connection*> monitors_;
  std::string own_monitor_line_;  // for the dispatching connection, appended when Dispatch ends
  int metrics_collector_ = 0;
  // Pushes the slowlog/latency/metrics directives into observability::Global().
  void ApplyObservabilityConfig();
  void RegisterMetrics();
  void CollectMetrics(observability::PromWriter& w) const;
  // An error reply sent before the command ran (rejections, unknown commands).
  void CountRejection(std::string_view reply);
  // A call finished (its reply is `reply`): stats, errorstats, the slow log, LATENCY "command".
  // What the slow log shows: args, or the record at slow_args_at in c->slow_args (a write's
  // arguments, kept from its dispatch); neither: no arguments.
  void CountCall(const Connection* c, observability::CommandStats* st, uint64_t t0_us, uint64_t end_us,
                 std::string_view reply, const commands::Argv* args,
                 std::initializer_list<std::pair<const char*, uint64_t>> stages,
                 uint64_t slow_args_at = observability::SlowArgsArena::kNone);
  // CountCall's rare part, for a call that took `us`: the slow log and LATENCY's "command" event.
  void CountSlowCall(const Connection* c, const observability::CommandStats* st, uint64_t us,
                     const commands::Argv* args, std::initializer_list<std::pair<const char*, uint64_t>> stages,
                     uint64_t slow_args_at = observability::SlowArgsArena::kNone);
  void FeedMonitors(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv);
  void LogSlowRequest(const observability::SlowlogEntry& e);
  std::vector<std::string> redacted_;  // scratch for CountCall
  int64_t slow_log_second_ = 0;
  int slow_log_lines_ = 0;
  uint64_t slow_log_suppressed_ = 0;
  void StatsSections(const std::vector<std::string>& sections, std::string* out);  // INFO commandstats & co

  // INFO stats
  int64_t start_ms_ = 0;
  uint64_t total_connections_ = 0, total_commands_ = 0, rejected_connections_ = 0;
  uint64_t expired_keys_proposed_ = 0;
  uint64_t net_input_bytes_ = 0, net_output_bytes_ = 0;
  // maxmemory and eviction (eviction_server.cc)
  AccessTable access_;
  std::unique_ptr<Evictor> evictor_;
  std::mt19937_64 access_rng_{std::random_device{}()};
  std::string hints_batch_;  // follower: keys used since the last "hint" batch to the leader
  uint64_t hints_sent_ms_ = 0;  // loop time of the last batch sent (FlushHintsIfDue)
};

}  // namespace redraft::server
