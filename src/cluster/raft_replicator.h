#pragma once

#include <uv.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cluster/cluster_admin.h"
#include "cluster/compaction_scheduler.h"
#include "cluster/disk_watch.h"
#include "cluster/formation.h"
#include "cluster/forwarder.h"
#include "cluster/node_identity.h"
#include "cluster/peer_dispatch.h"
#include "cluster/raft_replicator_pipeline.h"
#include "cluster/read_barriers.h"
#include "cluster/snapshot_transfers.h"
#include "cluster/storage_thread.h"
#include "cluster/transport.h"
#include "commands/cluster_api.h"
#include "observability/prometheus.h"
#include "observability/tracing.h"
#include "logstore/log_store.h"
#include "raft/raft.h"
#include "server/replicator.h"
#include "server/state_machine.h"

namespace redraft::cluster {

struct ClusterOptions {
  std::string dir;                 // the node's data dir; the log lives in dir/log
  std::string bind = "127.0.0.1";
  int port = 6379;                 // client port (advertised to clients)
  int cluster_port = 0;            // 0 = port + 10000
  uint64_t node_id = 0;            // 0 = random on first start (then remembered in nodes.conf)
  std::string cluster_id;          // empty = derived from the initial members, or random
  std::map<uint64_t, MemberAddr> initial_members;  // slots of a static cluster; empty = a single
                                                   // node (or a --cluster-join node)
  bool join = false;               // start empty and wait to be added by CLUSTER MEET
  int tick_ms = 40;
  int election_tick = 8;           // as config.h's raft_election_ticks
  int request_timeout_ms = 5000;   // forwarded writes and read barriers fail after this
  int64_t compact_every = 100000;  // entries between log compactions
  int64_t compact_bytes = 64 << 20;  // or bytes of entries appended (bounds the in-memory log)
  uint64_t segment_bytes = 64 << 20;  // log segment size (raft::LogStoreOptions)
  uint64_t disk_min_free = 256ull << 20;  // refuse writes below this much free space (0 = never)
  std::string cluster_secret;      // non-empty: every peer connection authenticates (peer_auth.h)
  // tls-cluster: both set: peer connections are mutual TLS (transport.h), CLUSTER MEET's probe too.
  std::shared_ptr<tls::TlsContext> tls_server, tls_client;
};

// The write path of a cluster node: a Raft group (raft/) whose log is the LogStore, replicated
// over the PeerTransport, applied through the StateMachine. Runs on the server's event loop; one
// storage thread does every log write with one fdatasync per group of queued Readies (group
// commit). The Ready loop is pipelined (etcd's asynchronous storage writes): while one batch
// syncs, the next Ready is taken and queued, and a leader's appends leave for the followers
// before its own fsync (raft/ready_order.h); Readies complete (send acks, apply, answer) in order.
//
// It composes the parts that own one responsibility each, and keeps the Ready loop itself: the
// persist -> send -> apply ordering (what goes to the StorageThread when, which messages wait for
// durability, completing Readies in order) and the calls into the parts at their points in it:
//   - Forwarder (forwarder.h, docs/exactly_once.md): clients' writes, tagged by this node, proposed
//     if we lead, else forwarded in typed frames (forward_frames.h); answered by the leader's
//     outcome or our own apply of the tagged entry; sent again only once it provably can never
//     commit. CLUSTERDOWN ("not executed") only for requests never sent; UNCERTAIN only when the
//     outcome could not be learned by the deadline.
//   - ReadBarriers (read_barriers.h): a ReadIndex barrier per loop iteration, then the read runs
//     locally once the state machine has applied the read index.
//   - CompactionScheduler (compaction_scheduler.h): when to compact the log.
//   - StorageThread (storage_thread.h): log writes and fsyncs, in order, disk-full waits.
//   - SnapshotTransfers (snapshot_transfers.h): streamed snapshots both ways; the replicator only
//     installs a received one, in the Ready loop, before the log is cut behind it.
//   - PeerDispatch (peer_dispatch.h): every peer frame, parsed once into a PeerKind
//     (peer_kinds.h), checked and routed; the replicator sends with SendPeer(kind), never a name.
//   - ClusterAdmin (cluster_admin.h): CLUSTER MEET/FORGET/FAILOVER/JOIN and DEBUG PARTITION (MEET
//     never blocks the loop), applied membership changes, learner promotion. ClusterApi's
//     administrative calls delegate to it; the queries are answered here (_info.cc).
//   - errors.h: error replies are Status values; ErrorReply renders them, the one place.
//
// Identity and membership: the node's id lives in its log directory (LogIdentity); who votes is
// what the log and snapshot say, from the bootstrap entries at index 1 on (never nodes.conf). A
// static node whose log is empty runs no Raft until Formation decides (formation.h,
// raft_replicator_formation.cc): raft_ is null meanwhile and requests are held.
class RaftReplicator : public server::Replicator, public commands::ClusterApi {
 public:
  RaftReplicator(uv_loop_t* loop, server::StateMachine* sm, ClusterOptions opts,
                 AppliedFn on_applied, ReadReadyFn on_read_ready);
  ~RaftReplicator() override;

  // server::Replicator
  Status Start() override;
  void Propose(std::string data, uint64_t token, int proto) override;
  void ReadBarrier(uint64_t token) override;
  void Flush() override;
  void Stop() override;
  bool is_leader() const override { return raft_ && raft_->role() == raft::Role::kLeader; }
  uint64_t last_index() const override;
  uint64_t durable_index() const override;
  int64_t ClusterTimeMs() const override;
  int FollowersHolding(uint64_t index) const override;  // WAIT (raft_replicator_wait.cc)
  // Pub/Sub: a "pub" frame to every member but this node (docs/pubsub.md); not through Raft.
  void BroadcastPubsub(std::string batch) override;
  void SetPubsubReceiver(PubsubReceiveFn fn) override { on_pubsub_ = std::move(fn); }
  // Eviction's access hints: a "hint" frame to the leader we know (docs/memory.md).
  void SendAccessHints(std::string batch) override;
  void SetAccessHintsReceiver(HintsReceiveFn fn) override { on_hints_ = std::move(fn); }
  // Eviction ahead of the writes: the forwarder keeps the estimates (proposed_growth.h).
  void SetEvictionHooks(EvictionHooks hooks) override { eviction_hooks_ = std::move(hooks); }
  uint64_t ProposedGrowth() const override { return forwarder_.proposed_growth(); }

  // commands::ClusterApi
  std::string MyId() override;
  std::vector<commands::ClusterNode> Nodes() override;
  bool HasLeader() override;
  uint64_t CurrentTerm() override;
  std::string RaftInfo() override;
  // Administration is ClusterAdmin's (cluster_admin.h).
  void Meet(const std::string& host, int port, std::function<void(Status)> done) override {
    admin_.Meet(host, port, std::move(done));
  }
  Status Forget(const std::string& node_id) override { return admin_.Forget(node_id); }
  Status Failover(const std::string& node_id) override { return admin_.Failover(node_id); }
  Status Join(const std::string& cluster_id, const std::vector<std::string>& members) override {
    return admin_.Join(cluster_id, members);
  }
  Status BlockPeer(const std::string& node_id, bool blocked) override { return admin_.BlockPeer(node_id, blocked); }

  // Called by CLUSTER JOIN on a fresh node: adopt the cluster, wait for the leader's log.
  Status AdoptCluster(const std::string& cluster_id, const std::map<uint64_t, MemberAddr>& members);

 private:
  static constexpr raft::GroupId kGroup = 1;
  static int64_t NowMs();
  void OnTick();
  void Pump();
  // Sends what rd held back, applies and answers what it committed, then Advances it.
  // REQUIRES: rd and every Ready before it are durable.
  // submitted_us: when the Ready went to the storage thread (0: it did not), for the metrics.
  void Finish(raft::Ready& rd, std::vector<raft::Message>& held, uint64_t submitted_us = 0, size_t applied_early = 0);
  void ApplyCommitted(std::span<raft::Entry> entries);
  // ApplyCommitted with the commit and apply stage timings and trace spans (now_us: 0 = metrics off).
  void ApplyTimed(std::span<raft::Entry> entries, uint64_t now_us);
  void SendRaft(raft::Message& m);
  void OnRaftMessage(raft::Message&& m);  // checked by PeerDispatch
  bool SendPeer(uint64_t to, PeerKind kind, std::string payload);  // false: refused or no transport
  bool LeaderReachable() const;
  // A leader is reachable again: unsent writes go (at most once per tick), held reads are asked.
  void ReleaseHeld();
  void SweepDeadlines();
  void MaybeCompact();
  Status StartTransport();  // listen on the cluster port and dial the known members
  // Startup pieces (raft_replicator_formation.cc).
  Status LoadAddressBook();
  Status OpenLog(raft::RecoveredState* rec, bool* log_empty);
  Status StartRaft(raft::RecoveredState rec);
  uint64_t ChooseSlot() const;
  MemberAddr SelfAddr() const;  // our advertised address, with our incarnation
  // Formation (raft_replicator_formation.cc).
  void FormationTick();
  Probe SelfProbe() const;
  void OnProbe(uint64_t from, PeerKind kind, const std::string& payload);
  void HandleJoinRequest(const Probe& p);
  Status Bootstrap(const std::map<uint64_t, MemberAddr>& voters);
  Status RunAfterFormation(const std::map<uint64_t, MemberAddr>& book);
  void SyncPeers();
  void SaveIdentity();
  void Submit(StorageJob job);
  // Event loop: a leader whose disk is faulty hands leadership to an up-to-date voter.
  void MaybeStepDownForDisk();
  uint64_t BestTransferTarget() const;
  void OnStorageDone();
  void NoteStamps(const std::vector<raft::Entry>& entries);
  // The core found our committed log contradicted by a leader's (raft::Divergence): say it once,
  // loudly; refuse every request from then on.
  bool Diverged();
  Status DivergedError() const;  // REQUIRES: diverged
  void NoteStamp(int64_t t);

  uv_loop_t* loop_;
  server::StateMachine* sm_;
  ClusterOptions opts_;
  AppliedFn on_applied_;
  PubsubReceiveFn on_pubsub_;
  HintsReceiveFn on_hints_;  // eviction's access hints from followers
  EvictionHooks eviction_hooks_;  // eviction ahead of the writes (server/replicator.h)
  ReadReadyFn on_read_ready_;
  ReadBarriers reads_;  // linearizable reads (read_barriers.h); calls back into raft_ and sm_
  Forwarder forwarder_;  // clients' writes, forwarding both ways (forwarder.h)
  CompactionScheduler compaction_;  // when to compact the log (compaction_scheduler.h)
  PeerDispatch peers_;  // frames from peers, by kind, to their handlers (peer_dispatch.h)
  ClusterAdmin admin_;  // CLUSTER MEET/FORGET/FAILOVER/JOIN, DEBUG PARTITION (cluster_admin.h)
  SnapshotTransfers snapshots_;  // streamed snapshots both ways (snapshot_transfers.h)

  NodeIdentity identity_;           // address book (self_id = the Raft id)
  uint64_t incarnation_ = 0;        // of our log directory
  std::optional<Formation> formation_;  // set while the log is empty and Raft is not running
  std::unique_ptr<raft::LogStore> log_;
  std::unique_ptr<raft::Raft> raft_;
  std::unique_ptr<PeerTransport> transport_;
  uv_timer_t tick_timer_;
  bool started_ = false;

  // Readies handed to the storage thread, oldest first (pipelined: raft.h Advance), each with
  // the messages it holds back until it is durable. They complete in order (Finish).
  ReadyPipeline inflight_;

  // The largest entry time in our log or store (docs/time.md): as leader we stamp every entry with
  // max(this, wall clock), so entry times never go backwards, across leader changes too.
  int64_t last_stamp_ = 0;
  int64_t last_stamp_seen_ms_ = 0;
  bool divergence_reported_ = false;
  uint64_t ticks_ = 0;  // Raft ticks so far (INFO raft_ticks: lets tests count rounds, not time)  // steady clock (NowMs) when last_stamp_ last grew
  raft::Index durable_ = 0;
  int64_t last_sweep_ms_ = 0;
  raft::NodeId known_leader_ = raft::kNoNode;  // the leader as of the last soft state change


  int64_t last_disk_step_down_ms_ = 0;
  uv_async_t async_;
  std::unique_ptr<StorageThread> storage_;  // every log write after startup (storage_thread.h)

  // Metrics (issue 13; raft_replicator_metrics.cc, docs/observability.md). Loop thread only.
  void RegisterMetrics();
  void CollectMetrics(observability::PromWriter& w) const;
  // Stage timings and events around a Ready's completion (Finish).
  void NoteDurable(const raft::Ready& rd, uint64_t submitted_us, uint64_t now_us);
  void NoteCommitted(std::span<const raft::Entry> committed, uint64_t now_us);
  void NoteSoftState(const raft::Ready& rd);
  void NoteHeartbeat(const raft::Message& m, bool sent);
  int metrics_collector_ = 0;
  std::deque<std::pair<raft::Index, uint64_t>> durable_marks_;  // leader: (last index of a durable Ready, when)
  uint64_t leaderless_since_us_ = 0;  // since when no leader is known (0: one is)
  raft::Role last_role_ = raft::Role::kFollower;
  std::map<uint64_t, uint64_t> heartbeat_sent_us_;  // peer -> when our last unanswered heartbeat left
  std::map<uint64_t, uint64_t> heartbeat_rtt_us_;   // peer -> last heartbeat round trip
  observability::Histogram heartbeat_rtt_hist_;

  // Per-request traces (raft_replicator_trace.cc, docs/observability.md "Traces"). Loop thread.
  void TraceProposal();                       // a traced client write is handed to the forwarder
  void OnTraceItems(std::string_view payload);  // contexts from a "trace" frame or an AppendEntries
  void TraceReady(const std::vector<raft::Entry>& entries);
  void TraceBeforeSend(raft::Message& m);     // leader: contexts of traced entries into a kApp
  void TraceReceived(raft::Message& m);       // follower: ... taken out of it
  void TraceDurable(raft::Index durable);
  void TraceCommitted(std::span<const raft::Entry> entries, int64_t apply_start, int64_t apply_end);
  struct TraceMark {  // a traced entry in this node's log, until applied
    uint64_t session = 0, seq = 0;
    observability::TraceContext ctx;
    int64_t submitted_us = 0, durable_us = 0;  // wall clock µs
    bool leader = false;                       // appended as leader
  };
  std::map<raft::Index, TraceMark> trace_marks_;
};

}  // namespace redraft::cluster
