#include "cluster/raft_replicator.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "cluster/clock.h"
#include "cluster/errors.h"
#include "cluster/snapshot_stream.h"
#include "cluster/state_snapshot.h"
#include "commands/command.h"
#include "common/coding.h"
#include "raft/ready_order.h"
#include "server/log_format.h"

namespace redraft::cluster {

RaftReplicator::RaftReplicator(uv_loop_t* loop, server::StateMachine* sm, ClusterOptions opts,
                               AppliedFn on_applied, ReadReadyFn on_read_ready)
    : loop_(loop), sm_(sm), opts_(std::move(opts)), on_applied_(std::move(on_applied)),
      on_read_ready_(std::move(on_read_ready)),
      reads_(ReadBarriers::Env{
                 .self_id = [this] { return identity_.self_id; },
                 .leader_reachable = [this] { return LeaderReachable(); },
                 .read_index = [this](const std::string& ctx) { return raft_->ReadIndex(ctx); },
                 .applied_index = [this] { return sm_->applied_index(); },
                 .fail = [this](uint64_t token, const Status& error) { on_applied_(token, ErrorReply(error)); },
                 .ready = [this](uint64_t token) { on_read_ready_(token); },
             },
             opts_.request_timeout_ms,
             std::min<int64_t>(opts_.request_timeout_ms, int64_t{4} * opts_.election_tick * opts_.tick_ms)),
      forwarder_(Forwarder::Env{
                     .raft = [this] { return raft_.get(); },
                     .leader_reachable = [this] { return LeaderReachable(); },
                     .send =
                         [this](uint64_t to, FwdKind kind, std::string payload) {
                           return transport_ && transport_->Send(to, FwdKindName(kind), std::move(payload));
                         },
                     .cluster_time_ms = [this] { return ClusterTimeMs(); },
                     .note_stamp = [this](int64_t t) { NoteStamp(t); },
                     .answer = [this](uint64_t token, std::string reply) { on_applied_(token, std::move(reply)); },
                     .growth =
                         [this](std::string_view entry) -> uint64_t {
                           return eviction_hooks_.growth ? eviction_hooks_.growth(entry) : 0;
                         },
                     .before_batch = [this] { if (eviction_hooks_.make_room) eviction_hooks_.make_room(); },
                 },
                 opts_.request_timeout_ms, RandomId()),
      compaction_(opts_.compact_every, opts_.compact_bytes),
      peers_(PeerDispatch::Handlers{
          .raft_running = [this] { return raft_ != nullptr; },
          .raft = [this](uint64_t, raft::Message&& m) { OnRaftMessage(std::move(m)); },
          .forward = [this](uint64_t from, FwdKind kind, const std::string& payload) {
            forwarder_.OnFrame(from, kind, payload);
          },
          .snapshot = [this](uint64_t from, PeerKind kind, std::string&& payload) {
            snapshots_.OnFrame(from, kind, std::move(payload));
          },
          .probe = [this](uint64_t from, PeerKind kind, const std::string& payload) { OnProbe(from, kind, payload); },
          .transfer = [this](uint64_t target) {
            if (raft_->role() == raft::Role::kLeader) raft_->TransferLeadership(target);
          },
          .pubsub = [this](const std::string& payload) { if (on_pubsub_) on_pubsub_(payload); },
          .hints = [this](const std::string& payload) { if (on_hints_) on_hints_(payload); },
          .trace = [this](const std::string& payload) { OnTraceItems(payload); },
          .after = [this] { Pump(); },
      }),
      admin_(loop_,
             ClusterAdmin::Env{
                 .raft = [this] { return raft_.get(); },
                 .started = [this] { return started_; },
                 .identity = [this]() -> const NodeIdentity& { return identity_; },
                 .has_transport = [this] { return transport_ != nullptr; },
                 .send = [this](uint64_t to, PeerKind kind, std::string payload) {
                   return SendPeer(to, kind, std::move(payload));
                 },
                 .set_blocked = [this](uint64_t id, bool blocked) { transport_->SetBlocked(id, blocked); },
                 .set_member = [this](uint64_t id, const MemberAddr& addr) { identity_.members[id] = addr; },
                 .remove_member = [this](uint64_t id) {
                   identity_.members.erase(id);
                   if (transport_ && !opts_.initial_members.count(id)) transport_->RemovePeer(id);
                 },
                 .sync_peers = [this] { SyncPeers(); },
                 .pump = [this] { Pump(); },
                 .adopt = [this](const std::string& cluster_id, const std::map<uint64_t, MemberAddr>& members) {
                   return AdoptCluster(cluster_id, members);
                 },
             },
             ClusterAdmin::Options{.join = opts_.join, .initial_members = opts_.initial_members,
                                   .tls_client = opts_.tls_client}),
      snapshots_(SnapshotTransfers::Env{
          .raft = [this] { return raft_.get(); },
          .store = [this] { return sm_->store(); },
          .self_id = [this] { return identity_.self_id; },
          .members = [this]() -> const std::map<uint64_t, MemberAddr>& { return identity_.members; },
          .send = [this](uint64_t to, PeerKind kind, std::string payload) {
            return SendPeer(to, kind, std::move(payload));
          },
          .peer_stats = [this] { return transport_ ? transport_->Stats() : std::vector<PeerTransport::PeerStats>{}; },
          .now_ms = [] { return NowMs(); },
      }) {
  if (opts_.cluster_port == 0) opts_.cluster_port = opts_.port + 10000;
}

RaftReplicator::~RaftReplicator() {
  if (metrics_collector_) observability::Global().RemoveCollector(metrics_collector_);
  storage_.reset();  // joins the thread before anything it uses (async_, log_) goes
}

int64_t RaftReplicator::NowMs() { return SteadyNowMs(); }

// ---------------------------------------------------------------------------------------------
// Startup

Status RaftReplicator::Start() {
  REDRAFT_RETURN_IF_ERROR(LoadAddressBook());
  raft::RecoveredState rec;
  bool log_empty = false;
  REDRAFT_RETURN_IF_ERROR(OpenLog(&rec, &log_empty));

  uv_async_init(loop_, &async_, [](uv_async_t* h) { static_cast<RaftReplicator*>(h->data)->OnStorageDone(); });
  async_.data = this;
  storage_ = std::make_unique<StorageThread>(
      log_.get(), sm_, std::make_unique<DiskWatch>(opts_.dir, opts_.disk_min_free, &sm_->disk()),
      [this] { uv_async_send(&async_); });
  storage_->Start();
  RegisterMetrics();
  uv_timer_init(loop_, &tick_timer_);
  tick_timer_.data = this;
  uv_timer_start(&tick_timer_, [](uv_timer_t* t) { static_cast<RaftReplicator*>(t->data)->OnTick(); },
                 opts_.tick_ms, opts_.tick_ms);
  started_ = true;

  bool is_static = !opts_.join && !opts_.initial_members.empty();
  if (log_empty && is_static) {
    // In formation: no Raft until the probes say what this log directory is (formation.h).
    formation_.emplace(ChooseSlot(), identity_.self_id, incarnation_, opts_.initial_members);
    REDRAFT_RETURN_IF_ERROR(StartTransport());
    spdlog::info("node {} (slot {}) of cluster {}: empty log, probing the {} configured member(s)",
                 NodeIdHex(identity_.self_id), formation_->slot(), identity_.cluster_id, opts_.initial_members.size());
    return Status::OK();
  }
  if (log_empty && !opts_.join) {
    // A single node: it is the whole cluster.
    REDRAFT_RETURN_IF_ERROR(Bootstrap({{identity_.self_id, identity_.members[identity_.self_id]}}));
  } else {
    REDRAFT_RETURN_IF_ERROR(StartRaft(std::move(rec)));
  }
  // A node waiting to join learns its cluster id (checked on every peer message) from CLUSTER JOIN.
  if (!opts_.join || identity_.cluster_id != "joining") REDRAFT_RETURN_IF_ERROR(StartTransport());
  Pump();
  return Status::OK();
}

Status RaftReplicator::StartTransport() {
  // In formation a node speaks as its configured slot (formation.h); otherwise as itself.
  uint64_t as = formation_ ? formation_->slot() : identity_.self_id;
  TransportOptions topts;
  topts.secret = opts_.cluster_secret;
  topts.tls_server = opts_.tls_server;
  topts.tls_client = opts_.tls_client;
  topts.logger = [](std::string_view line) { spdlog::info("{}", line); };
  transport_ = std::make_unique<PeerTransport>(
      loop_, as, identity_.cluster_id,
      [this](uint64_t from, const std::string& type, std::string&& payload) {
        peers_.OnFrame(from, type, std::move(payload));
      },
      std::move(topts));
  transport_->SetAcceptUnknownSenders(formation_.has_value());
  REDRAFT_RETURN_IF_ERROR(transport_->Listen(opts_.bind, opts_.cluster_port));
  SyncPeers();
  return Status::OK();
}

void RaftReplicator::SyncPeers() {
  if (!transport_) return;
  MemberAddr self = SelfAddr();
  auto add = [&](uint64_t id, const MemberAddr& a) {
    if (id == identity_.self_id || (formation_ && id == formation_->slot()) || a.SameAddress(self)) return;
    transport_->SetPeer(id, a.host, a.cluster_port);
    if (admin_.AddressBlocked(a)) transport_->SetBlocked(id, true);
  };
  for (auto& [id, a] : identity_.members) add(id, a);
  // Configured slots stay reachable even after their member was replaced: a node in formation
  // probes (and asks to join) as its slot id.
  for (auto& [id, a] : opts_.initial_members) {
    if (!identity_.members.count(id)) add(id, a);
  }
}

void RaftReplicator::SaveIdentity() {
  Status st = identity_.Save(opts_.dir + "/nodes.conf");
  if (!st.ok()) spdlog::error("saving nodes.conf: {}", st.ToString());
}

// ---------------------------------------------------------------------------------------------
// The Ready loop

void RaftReplicator::OnTick() {
  ticks_++;
  if (!raft_) {
    int64_t now = NowMs();
    if (formation_ && now - last_sweep_ms_ >= 250) {
      last_sweep_ms_ = now;
      SweepDeadlines();
      FormationTick();
    }
    return;
  }
  raft_->Tick();
  int64_t now = NowMs();
  if (now - last_sweep_ms_ >= 100) {
    last_sweep_ms_ = now;
    SweepDeadlines();
    admin_.PromoteCaughtUpLearners();
    MaybeStepDownForDisk();
    snapshots_.Tick();
  }
  Pump();
}

// The server calls this from its uv_prepare callback, once per loop iteration: what Pump queues
// (heartbeat rounds for read barriers, forwards, appends) goes out in this iteration.
void RaftReplicator::Flush() {
  Pump();
  if (transport_) transport_->FlushNow();
}

void RaftReplicator::Pump() {
  if (!started_ || !raft_) return;
  ReleaseHeld();
  forwarder_.ProposeQueued();
  reads_.Flush();
  // Read barriers answered by the core wait for no fsync (Raft::TakeReadStates): not for the
  // Ready they would ride in, nor for a free slot in the storage pipeline. A write-heavy mix
  // otherwise made every linearizable read (GET, an unchanged SETBIT) cost a durable write.
  if (std::vector<raft::ReadState> rs = raft_->TakeReadStates(); !rs.empty()) reads_.OnReadStates(rs);
  // Pipelined (raft.h Advance): new Readies are taken while earlier ones are being synced; one
  // storage hand-off per Ready, whatever number of requests it carries.
  while (raft_->HasReady() && !inflight_.full()) {
    // A received snapshot is installed below, before its Ready is durable: only with nothing
    // else in flight, so that everything handed out before it was applied first.
    if (!inflight_.empty() && raft_->HasPendingSnapshot()) break;
    raft::Ready rd = raft_->GetReady();
    if (observability::Tracing().active() && !rd.entries.empty()) TraceReady(rd.entries);  // traces
    bool earlier_unsynced = !inflight_.empty();
    bool persist = raft::ReadyNeedsPersist(rd);
    // What may go before the fsync and what waits for it: one rule, raft/ready_order.h.
    raft::ReadySends sends =
        raft::SplitReadyMessages(rd, raft_->role() == raft::Role::kLeader, earlier_unsynced);
    for (raft::Message& m : sends.now) SendRaft(m);
    if (rd.snapshot) {
      // Install the received state before the log is cut behind it (a crash in between leaves
      // a store ahead of the log, which replay tolerates; the reverse would lose data).
      uint64_t applied = 0;
      std::map<uint64_t, MemberAddr> members;
      Status st;
      uint64_t install_start_us = observability::NowMicros();
      if (rd.snapshot->data == kStreamedSnapshotData) {
        st = snapshots_.Install(rd.snapshot->meta.index, &members);  // staged as it arrived
        applied = rd.snapshot->meta.index;
      } else {
        st = RestoreState(sm_->store(), rd.snapshot->data, &members, &applied);  // whole, from an older leader
      }
      if (!st.ok()) REDRAFT_PANIC("installing snapshot: " + st.ToString());
      observability::Global().cluster().snapshots_received++;
      observability::Global().latency().AddIfNeeded(
          "snapshot-install", (observability::NowMicros() - install_start_us) / 1000, time(nullptr));
      sm_->StateReplaced();  // the users came with the state (docs/acl.md); apply hints are stale
      for (auto& [id, a] : members) identity_.members[id] = a;
      SaveIdentity();
      SyncPeers();
      spdlog::info("installed snapshot at index {} (state at applied index {})", rd.snapshot->meta.index, applied);
      // Entries up to `applied` are never applied here one by one: our writes in flight may be
      // among them, and their replies are not in the snapshot.
      forwarder_.OnSnapshotInstalled(rd.snapshot->meta.term);
    }
    NoteStamps(rd.entries);
    compaction_.NoteAppended(rd.entries);
    if (persist || earlier_unsynced) {
      // Completes once it and every earlier Ready are durable (the storage thread answers jobs
      // in order); a Ready with nothing of its own to sync just waits its turn.
      StorageJob job;
      job.hard_state = rd.hard_state;
      if (!rd.entries.empty()) {
        // The storage thread takes the entries; Finish and Advance read only the last one.
        raft::Entry last = rd.entries.back();
        job.entries = std::move(rd.entries);
        rd.entries.assign(1, std::move(last));
      }
      if (rd.snapshot) job.install = rd.snapshot->meta;
      job.is_ready = true;
      // Committed entries already durable here are applied and answered now, while this Ready's
      // own entries are synced (ReadyPipeline::Take, ready_order.h AppliableBeforePersist): on the
      // leader that is every committed entry, which would otherwise wait one more fsync.
      uint64_t now_us = observability::Global().enabled() ? observability::NowMicros() : 0;
      inflight_.Take(
          *raft_, sm_->applied_index(), std::move(rd), std::move(sends.after_persist), now_us,
          [&] { Submit(std::move(job)); }, [&](std::span<raft::Entry> early) { ApplyTimed(early, now_us); });
      continue;
    }
    if (rd.hard_state) {
      // Only the commit index moved (Ready::must_sync): record it with the next batch, without
      // holding this Ready's sends and applies behind an fsync.
      StorageJob job;
      job.hard_state = rd.hard_state;
      Submit(std::move(job));
    }
    Finish(rd, sends.after_persist);  // (empty: nothing waits when nothing must be synced)
  }
  forwarder_.Flush();
}

void RaftReplicator::Finish(raft::Ready& rd, std::vector<raft::Message>& held, uint64_t submitted_us,
                            size_t applied_early) {
  for (raft::Message& m : held) SendRaft(m);
  held.clear();
  if (!rd.entries.empty()) durable_ = rd.entries.back().index;
  if (!trace_marks_.empty()) TraceDurable(durable_);  // traces (raft_replicator_trace.cc)
  bool metrics = observability::Global().enabled();
  uint64_t now_us = metrics ? observability::NowMicros() : 0;
  if (metrics) NoteDurable(rd, submitted_us, now_us);
  // (The first applied_early were applied when the Ready was taken: Pump.)
  ApplyTimed(std::span(rd.committed_entries).subspan(applied_early), now_us);
  if (rd.soft_state) NoteSoftState(rd);
  if (rd.soft_state || rd.hard_state) server::SetLogContext(identity_.self_id, raft_->term(), raft::RoleName(raft_->role()));
  reads_.OnReadStates(rd.read_states);
  raft_->Advance(rd);
  if (rd.soft_state && rd.soft_state->leader != known_leader_) {
    known_leader_ = rd.soft_state->leader;
    // ReadIndex requests in flight went to the old leader and will get no answer: ask again.
    // Writes in flight are settled by what we apply (ForgetDeadWrites): the old leader may still
    // have committed them.
    reads_.OnLeaderChanged();
    spdlog::info("raft: role {} term {} leader {}", raft::RoleName(rd.soft_state->role), raft_->term(),
                 rd.soft_state->leader ? NodeIdHex(rd.soft_state->leader) : "none");
  }
  MaybeCompact();
}

void RaftReplicator::ApplyTimed(std::span<raft::Entry> entries, uint64_t now_us) {
  if (now_us) NoteCommitted(entries, now_us);
  int64_t trace_apply_us = trace_marks_.empty() ? 0 : observability::WallMicros();
  ApplyCommitted(entries);
  if (trace_apply_us) TraceCommitted(entries, trace_apply_us, observability::WallMicros());
  if (now_us && !entries.empty()) {
    uint64_t apply_us = observability::NowMicros() - now_us;
    observability::Global().stage(observability::Stage::kWriteApply).Observe(apply_us);
    observability::Global().latency().AddIfNeeded("apply", apply_us / 1000, time(nullptr));
  }
}

void RaftReplicator::OnStorageDone() {
  uint64_t worst_sync_us = 0;
  for (StorageJob& j : storage_->TakeDone()) {
    worst_sync_us = std::max(worst_sync_us, j.sync_us);
    if (!j.is_ready) continue;
    ReadyPipeline::InFlight f = inflight_.PopDurable();
    Finish(f.rd, f.held, f.submitted_us, f.applied_early);
  }
  observability::Global().latency().AddIfNeeded("fsync", worst_sync_us / 1000, time(nullptr));
  Pump();
}

void RaftReplicator::Submit(StorageJob job) { storage_->Submit(std::move(job)); }

// ---------------------------------------------------------------------------------------------
// Applying and answering

void RaftReplicator::ApplyCommitted(std::span<raft::Entry> entries) {
  uint64_t applied = sm_->applied_index();
  size_t first = 0;
  while (first < entries.size() && entries[first].index <= applied) first++;
  if (first == entries.size()) {
    reads_.Serve();
    return;
  }
  std::span<raft::Entry> todo = entries.subspan(first);
  bool members_changed = false;
  for (raft::Entry& e : todo) {
    if (e.type != raft::EntryType::kConfChange) continue;
    auto cc = raft::ConfChange::Decode(e.data);
    e.data.clear();  // the state machine sees a no-op; membership is the core's and ours
    if (!cc.ok()) continue;
    members_changed = true;
    admin_.OnConfChangeApplied(*cc, e.index);
  }
  if (members_changed) {
    SaveIdentity();
    SyncPeers();
  }
  std::vector<std::string> replies(todo.size());
  std::vector<resp::ReplyBuilder> builders;
  builders.reserve(todo.size());
  std::vector<uint64_t> ours(todo.size(), 0);  // seq of our own client's write, 0 if not ours
  for (size_t i = 0; i < todo.size(); i++) {
    ours[i] = forwarder_.OwnWriteSeq(todo[i]);
    builders.emplace_back(&replies[i], forwarder_.ReplyProto(todo[i], ours[i]));
  }
  sm_->ApplyBatch(todo, [&](size_t i) { return &builders[i]; });
  for (size_t i = 0; i < todo.size(); i++) forwarder_.OnApplied(todo[i], ours[i], replies[i]);
  forwarder_.AfterApply(sm_->applied_index());
  reads_.Serve();
}

// ---------------------------------------------------------------------------------------------
// Client requests

bool RaftReplicator::LeaderReachable() const {
  if (!raft_) return false;
  uint64_t leader = raft_->leader();
  if (leader == raft::kNoNode) return false;
  return leader == identity_.self_id || (transport_ && transport_->IsConnected(leader));
}

void RaftReplicator::ReleaseHeld() {
  if (!LeaderReachable()) return;
  // At most once per tick: a leader that keeps answering "not executed" (e.g. our term is ahead
  // of its own until it steps down) must not turn into a loop-speed ping-pong.
  forwarder_.ResendUnsent(opts_.tick_ms);
  reads_.ReleaseHeld();
}

bool RaftReplicator::Diverged() {
  if (!raft_ || !raft_->divergence()) return false;
  if (!divergence_reported_) {
    divergence_reported_ = true;
    const raft::Divergence& d = *raft_->divergence();
    spdlog::critical("DIVERGED: committed log entry {} has term {} here but term {} in the log of leader {}: safety "
                     "was broken, a disk lied, or data directories were copied. This node stopped serving and takes "
                     "no part in the cluster; empty its data directory to rejoin as a new node (docs/membership.md)",
                     d.index, d.local_term, d.leader_term, NodeIdHex(d.leader));
  }
  return true;
}

Status RaftReplicator::DivergedError() const { return cluster::DivergedError(*raft_->divergence()); }

void RaftReplicator::Propose(std::string data, uint64_t token, int proto) {
  if (Diverged()) {
    on_applied_(token, ErrorReply(DivergedError()));
    return;
  }
  if (observability::Tracing().has_next_proposal()) TraceProposal();  // traces
  forwarder_.Propose(std::move(data), token, proto);
}

void RaftReplicator::ReadBarrier(uint64_t token) {
  if (Diverged()) {
    on_applied_(token, ErrorReply(DivergedError()));
    return;
  }
  reads_.Add(token);
}

void RaftReplicator::SweepDeadlines() {
  int64_t now = NowMs();
  reads_.Sweep(now);
  forwarder_.Sweep(now);
}

// ---------------------------------------------------------------------------------------------
// Peer messages

void RaftReplicator::SendRaft(raft::Message& m) {
  if (!transport_) return;
  if (m.type == raft::MessageType::kSnapshot && m.snapshot) {
    // Streamed from the store as it is read (snapshot_transfers.h).
    snapshots_.Start(m);
    return;
  }
  if (m.type == raft::MessageType::kHeartbeat) NoteHeartbeat(m, /*sent=*/true);
  if (!trace_marks_.empty() && m.type == raft::MessageType::kApp) TraceBeforeSend(m);  // traces
  SendPeer(m.to, PeerKind::kRaft, m.Encode());
}

void RaftReplicator::BroadcastPubsub(std::string batch) {
  if (!transport_) return;
  for (const auto& [id, addr] : identity_.members) {
    // A refused Send (peer unknown, blocked, queue full) loses the batch for that peer: Pub/Sub
    // is at most once (docs/pubsub.md).
    if (id != identity_.self_id) SendPeer(id, PeerKind::kPubsub, batch);
  }
}

// Best effort: a batch refused by the transport, or sent to a node that lost the leadership,
// only makes eviction's access information a little older (docs/memory.md).
void RaftReplicator::SendAccessHints(std::string batch) {
  if (!transport_ || !raft_) return;
  const uint64_t leader = raft_->leader();
  if (leader == raft::kNoNode || leader == identity_.self_id) return;
  SendPeer(leader, PeerKind::kHints, std::move(batch));
}

void RaftReplicator::OnRaftMessage(raft::Message&& m) {
  if (m.type == raft::MessageType::kHeartbeatResp) NoteHeartbeat(m, /*sent=*/false);
  if (m.type == raft::MessageType::kApp && !m.context.empty()) TraceReceived(m);  // traces
  raft_->Step(std::move(m));
  if (Diverged()) {
    // Nothing waiting here will be answered by this node's Raft any more.
    forwarder_.OnDiverged();  // their forwarding nodes settle the entries forwarded to us
    reads_.FailWaiting(DivergedError());
  }
}

bool RaftReplicator::SendPeer(uint64_t to, PeerKind kind, std::string payload) {
  return transport_ && transport_->Send(to, PeerKindName(kind), std::move(payload));
}

// ---------------------------------------------------------------------------------------------
// Compaction and membership

void RaftReplicator::MaybeCompact() {
  // Keep the entries a follower receiving a snapshot will need right after installing it.
  // Bounded: past TransferMayHoldBack the log is compacted anyway (the follower will need another snapshot).
  std::optional<raft::Index> floor = compaction_.TransferMayHoldBack() ? snapshots_.CompactFloor() : std::nullopt;
  // The core's applied index, not the store's: the store runs a few entries ahead while a Ready
  // with early-applied entries syncs (ReadyPipeline), and the core compacts only what it applied.
  // Asking with the store's index would make every compaction due past the core's under steady
  // writes and skip it below, again and again.
  std::optional<raft::Index> due = compaction_.Due(std::min(sm_->applied_index(), raft_->applied_index()), floor);
  if (!due) return;
  raft::Index applied = *due;
  if (applied > raft_->applied_index() || applied <= raft_->first_index()) return;
  auto term = raft_->TermAt(applied);
  if (!term) return;
  raft::SnapshotMeta meta;
  meta.index = applied;
  meta.term = *term;
  meta.conf = raft_->ConfAt(applied);
  Status st = raft_->Compact(applied, std::string());
  if (!st.ok()) return;
  compaction_.Compacted(applied);
  StorageJob job;
  job.compact = meta;
  Submit(std::move(job));
}

void RaftReplicator::NoteStamps(const std::vector<raft::Entry>& entries) {
  for (const raft::Entry& e : entries) {
    if (e.type != raft::EntryType::kNormal || e.data.empty()) continue;
    if (auto t = commands::LogCommandTime(e.data)) NoteStamp(*t);
  }
}

void RaftReplicator::NoteStamp(int64_t t) {
  if (t <= last_stamp_) return;
  last_stamp_ = t;
  last_stamp_seen_ms_ = NowMs();
}

int64_t RaftReplicator::ClusterTimeMs() const {
  int64_t wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  if (last_stamp_ == 0) return wall;
  return std::max(wall, last_stamp_ + (NowMs() - last_stamp_seen_ms_));
}

Status RaftReplicator::AdoptCluster(const std::string& cluster_id,
                                    const std::map<uint64_t, MemberAddr>& members) {
  if (transport_) return Status::InvalidArgument("this node already belongs to cluster " + identity_.cluster_id);
  identity_.cluster_id = cluster_id;
  for (auto& [id, a] : members) identity_.members[id] = a;
  identity_.members[identity_.self_id] = MemberAddr{opts_.bind, opts_.port, opts_.cluster_port};
  SaveIdentity();
  REDRAFT_RETURN_IF_ERROR(StartTransport());
  spdlog::info("joined cluster {}", cluster_id);
  return Status::OK();
}

uint64_t RaftReplicator::last_index() const { return raft_ ? raft_->last_index() : 0; }
uint64_t RaftReplicator::durable_index() const { return durable_; }

void RaftReplicator::Stop() {
  if (!started_) return;
  // Hand leadership over first, so a planned restart costs no election timeout.
  if (raft_ && raft_->role() == raft::Role::kLeader && raft_->conf().voters.size() > 1) {
    uint64_t best = BestTransferTarget();
    if (best && raft_->TransferLeadership(best).ok()) Pump();
  }
  storage_->StopAndJoin();  // drains queued jobs: everything handed over is durable
  for (StorageJob& j : storage_->TakeDone()) {
    if (j.is_ready && !inflight_.empty()) {
      ReadyPipeline::InFlight f = inflight_.PopDurable();
      for (raft::Message& m : f.held) SendRaft(m);
      ApplyCommitted(f.rd.committed_entries);
    }
  }
  forwarder_.Flush();
  snapshots_.ReleaseStore();  // releases its store snapshots and iterators
  Status st = sm_->store()->Flush();
  if (!st.ok()) spdlog::error("store flush at shutdown failed: {}", st.ToString());
  if (transport_) transport_->Close();
  uv_timer_stop(&tick_timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  started_ = false;
}

}  // namespace redraft::cluster
