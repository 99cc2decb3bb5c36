// The Raft consensus core: a deterministic state machine with no I/O, threads, clocks or global
// randomness (etcd-io/raft raft.go + rawnode.go). Time advances by Tick(); randomness comes from a
// seeded Rng in Config; the logger is an optional callback. Not thread-safe: drive one Raft object
// from one thread.
//
// Driving loop (the server's event loop; see Ready below for the ordering rules):
//
//   raft.Tick() every tick interval; raft.Step(msg) for each peer message; Propose/ReadIndex/...
//   while (raft.HasReady()) {
//     Ready rd = raft.GetReady();
//     storage.Save(rd.hard_state, rd.entries, rd.snapshot);  fsync      (1) persist
//     transport.Send(rd.messages);                                       (2) then send
//     if (rd.snapshot) state_machine.Restore(rd.snapshot->data);        (3) then apply
//     for (e : rd.committed_entries) state_machine.Apply(e);
//     for (rs : rd.read_states) serve reads once applied >= rs.index;
//     raft.Advance(rd);                                                   (4) acknowledge
//   }
//
// Figure 2 names: current_term_, voted_for_, commit index = log_.committed(), last applied =
// log_.applied(), per-follower next/match in Progress.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "raft/conf_change.h"
#include "raft/message.h"
#include "raft/progress.h"
#include "raft/raft_log.h"
#include "raft/read_only.h"
#include "raft/rng.h"
#include "raft/types.h"

namespace redraft::raft {

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
const char* RoleName(Role r);

enum class ReadOnlyOption : uint8_t {
  kSafe,        // ReadIndex confirmed by a heartbeat quorum round (default; linearizable)
  kLeaseBased,  // served from the leader's lease (needs check_quorum; relies on bounded clock drift)
};

struct Config {
  NodeId id = kNoNode;
  GroupId group = 0;
  // Membership for a brand-new group (used only when restored.snapshot has no voters, i.e. there
  // is no snapshot yet). Every node of a new group must be given the same initial ConfState.
  ConfState initial_conf;
  int election_tick = 10;    // followers campaign after a random timeout in [election_tick, 2*election_tick)
  int heartbeat_tick = 1;    // leader heartbeat interval; REQUIRES heartbeat_tick < election_tick
  size_t max_size_per_msg = 1 << 20;        // bytes of entry data per MsgApp (at least one entry)
  size_t max_inflight_msgs = 256;           // pipelined MsgApps per follower in kReplicate
  size_t max_committed_size_per_ready = 64 << 20;
  bool pre_vote = true;
  bool check_quorum = true;
  ReadOnlyOption read_only_option = ReadOnlyOption::kSafe;
  uint64_t seed = 1;                         // seeds the election-timeout Rng
  std::function<void(std::string_view)> logger;  // optional
};

// What the durable storage returned at startup (all empty for a brand-new node).
struct RestoredState {
  HardState hard_state;
  Snapshot snapshot;           // latest snapshot, meta AND data (a leader sends it to lagging
                               // followers; the core keeps it in memory until the next Compact)
  std::vector<Entry> entries;  // entries after snapshot.meta.index, contiguous
  Index applied = 0;           // state machine's applied index (>= snapshot index; 0 = snapshot index)
};

struct ReadState {
  Index index = 0;      // serve the read once the state machine has applied this index
  std::string context;  // the caller's request id passed to ReadIndex()
  bool operator==(const ReadState&) const = default;
};

struct SoftState {
  NodeId leader = kNoNode;
  Role role = Role::kFollower;
  bool operator==(const SoftState&) const = default;
};

// One batch of work for the caller. Field by field, in the order the caller must handle them:
struct Ready {
  // Volatile state, changed since the last Ready (for INFO / routing); not persisted.
  std::optional<SoftState> soft_state;
  // (1) PERSIST, together and durably (fsync), BEFORE sending any message below:
  //   hard_state  the new term/vote/commit, if changed;
  //   entries     entries to append; entries[0].index may be <= the storage's last index, in which
  //               case the storage must first truncate its suffix from entries[0].index on;
  //   snapshot    a snapshot received from the leader: persist its meta, drop all older log entries.
  std::optional<HardState> hard_state;
  std::vector<Entry> entries;
  std::optional<Snapshot> snapshot;
  //   must_sync   false when the only thing to persist is a hard state whose term and vote are
  //               unchanged (the commit index moved): the commit index is volatile state (Figure
  //               2) and the entries it covers were made durable by earlier Readies, so (2) and
  //               (3) need not wait for it; the caller may write it lazily (etcd's MustSync).
  bool must_sync = false;
  // (2) SEND after (1) is durable (etcd's rule: a vote or an append acknowledgement must never
  // promise something a crash could forget). Delivery may be lossy/reordered; Raft copes.
  // (Optimization a server MAY use: a leader's own kApp/kHeartbeat/kSnapshot messages depend on
  // nothing unpersisted on the leader, because the leader counts its own log towards a quorum only
  // once it has been persisted (Advance); they can be sent in parallel with the leader's fsync.
  // raft/ready_order.h is the one implementation of that split; the server and the simulation
  // both use it.)
  std::vector<Message> messages;
  // (3) APPLY after (1): install `snapshot` into the state machine if set, then apply these in
  // order. They are committed; they may include entries from this same Ready's `entries`, which
  // is why (1) comes first. Entries of type kConfChange are already reflected in the core's
  // configuration (see conf_change.h); the state machine only needs them for bookkeeping.
  std::vector<Entry> committed_entries;
  // (4) Linearizable reads (ReadIndex) that may now be served once applied >= index.
  std::vector<ReadState> read_states;

  bool Empty() const {
    return !soft_state && !hard_state && entries.empty() && !snapshot && messages.empty() &&
           committed_entries.empty() && read_states.empty();
  }
};

// A leader's log contradicted one of our committed entries (see RaftLog::CommittedConflict).
// From then on this node takes no part in Raft (it ignores every message, never campaigns or
// votes) until an operator replaces its data: its state machine may hold entries the cluster never
// committed, so it must not serve or count in any quorum.
struct Divergence {
  Index index = 0;
  Term local_term = 0;   // our committed entry's term at index
  Term leader_term = 0;  // what the leader's log says
  NodeId leader = kNoNode;
};

// Per-peer replication state, for INFO output and tests.
struct PeerStatus {
  NodeId id = kNoNode;
  Progress progress{1};
};

class Raft {
 public:
  Raft(Config config, RestoredState restored);

  // ---- Inputs --------------------------------------------------------------------------------
  void Tick();
  // Feeds a message from a peer. Returns InvalidArgument (and ignores the message) if it is for
  // another group or node, or is malformed (entries not contiguous after index, or of terms out
  // of order); stale or irrelevant messages are silently dropped (OK). Raft's guarantees assume
  // durable votes and acknowledgements: a node id must never outlive its log (the server binds
  // ids to log directories and rejoins a node that lost its log under a new id: see
  // docs/membership.md). If it happened anyway, this core does not crash: the leader notices
  // the missing log and re-sends it (HandleHeartbeat).
  Status Step(const Message& m);
  Status Step(Message&& m);
  // Appends a normal entry. Fails (Aborted) unless this node is the leader and no leadership
  // transfer is in progress. The data is opaque (at-most-once application is the server's:
  // docs/exactly_once.md).
  Status Propose(std::string data);
  // Proposes a batch of entries at once (same rules as Propose).
  Status ProposeBatch(std::vector<std::string> datas);
  // Proposes a membership change. Fails if not leader, if an earlier change is not yet
  // committed, or if the change would leave no voter.
  Status ProposeConfChange(const ConfChange& cc);
  // Requests a linearizable read point; the answer arrives as a ReadState with this context.
  // On a follower the request is forwarded to the leader (fails if no leader is known).
  // Requests pending on a leader that steps down are dropped: the caller must time out and retry.
  Status ReadIndex(std::string context);
  // Leader only: hands leadership to `to` once it is up to date (MsgTimeoutNow). Aborted after an
  // election timeout. Proposals are refused meanwhile.
  Status TransferLeadership(NodeId to);
  // Starts an election now (PreVote first if enabled). No-op for leaders and non-voters.
  void Campaign();
  // The transport could not reach `id`: fall back to probing it.
  void ReportUnreachable(NodeId id);
  // Outcome of sending a MsgSnapshot to `id`.
  void ReportSnapshot(NodeId id, bool success);
  // The state machine captured its state up to `index` (<= applied) in `data`; the log up to it
  // is dropped from memory and the snapshot is what lagging followers will receive. The caller
  // persists the snapshot itself (it owns the data) before telling the storage to truncate.
  // OK without effect if index is already compacted; Busy while a snapshot received from the
  // leader is not yet installed (Advance).
  Status Compact(Index index, std::string data);

  // ---- Outputs -------------------------------------------------------------------------------
  bool HasReady() const;
  Ready GetReady();
  // The read states (ReadIndex answers) so far, taken ahead of the next Ready, which then holds
  // none of them. They need nothing persisted or applied first: each index is a commit index,
  // and the commit index covers only entries durable on a quorum (the leader counts its own log
  // only once persisted: Advance). So a caller may hand them to its read barriers at once instead
  // of behind the fsync of a Ready that carries new entries; the reads still wait for the apply
  // to reach their index.
  std::vector<ReadState> TakeReadStates();
  // REQUIRES: rd's persist/apply steps are done, and every Ready handed out before rd was
  // Advanced already (Readies are acknowledged in the order GetReady handed them out).
  //
  // Pipelining (etcd's asynchronous storage writes): GetReady may be called again before rd is
  // Advanced; the next Ready then holds only what is new (entries, committed entries and a
  // snapshot are handed out once). The caller must then (a) persist Readies in order, (b) treat
  // every later Ready as needing persistence while an earlier one is not yet durable
  // (raft/ready_order.h: its acknowledgements promise the earlier entries too), (c) apply and
  // Advance in order, each only once it and all earlier Readies are durable (except committed
  // entries that were already stable when the Ready was taken: ready_order.h
  // AppliableBeforePersist; Advance still waits), and (d) take a
  // Ready holding a snapshot only with nothing else in flight (check HasPendingSnapshot first).
  void Advance(const Ready& rd);
  // A received snapshot waits to be handed out in the next Ready.
  bool HasPendingSnapshot() const { return log_.snapshot_to_hand_out(); }

  // ---- Accessors -----------------------------------------------------------------------------
  NodeId id() const { return id_; }
  GroupId group() const { return group_; }
  Role role() const { return role_; }
  Term term() const { return current_term_; }
  NodeId leader() const { return leader_; }
  NodeId voted_for() const { return voted_for_; }
  Index commit_index() const { return log_.committed(); }
  Index applied_index() const { return log_.applied(); }
  Index last_index() const { return log_.LastIndex(); }
  Index first_index() const { return log_.FirstIndex(); }
  std::optional<Term> TermAt(Index i) const { return log_.TermAt(i); }
  const RaftLog& log() const { return log_; }
  const ConfState& conf() const { return conf_; }
  NodeId lead_transferee() const { return lead_transferee_; }
  const std::optional<Divergence>& divergence() const { return divergence_; }
  HardState hard_state() const { return HardState{current_term_, voted_for_, log_.committed()}; }
  // Leader only (empty otherwise): replication state of every member, including itself.
  std::vector<PeerStatus> PeerStatuses() const;
  const Progress* GetProgress(NodeId id) const;
  // ConfState in effect at `index` (for snapshots); REQUIRES index >= last snapshot index.
  ConfState ConfAt(Index index) const;

 private:
  using StepFn = void (Raft::*)(Message&);

  // Role transitions: the only places role_ and step_ change (etcd's become* functions).
  void BecomeFollower(Term term, NodeId leader);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void Reset(Term term);
  void ResetRandomizedElectionTimeout();

  Status StepImpl(Message& m);
  void StepLeader(Message& m);
  void StepCandidate(Message& m);
  void StepFollower(Message& m);

  // Elections (raft_election.cc).
  void Hup(bool transfer);
  void CampaignImpl(bool pre_vote, bool transfer);
  void HandleVoteRequest(Message& m);
  void TickElection();
  void TickHeartbeat();
  bool Promotable() const;
  bool PastElectionTimeout() const { return election_elapsed_ >= randomized_election_timeout_; }

  // Replication (raft_replication.cc).
  void AppendEntries(std::vector<Entry>&& ents);
  bool MaybeSendAppend(NodeId to, bool send_if_empty);
  void SendAppend(NodeId to) { MaybeSendAppend(to, true); }
  bool SendSnapshot(NodeId to, Progress& pr);
  void BcastAppend();
  void BcastHeartbeat(const std::string& context);
  void SendHeartbeat(NodeId to, const std::string& context);
  bool MaybeCommit();
  void HandleAppendEntries(Message& m);
  void HandleAppendResponse(Message& m, Progress& pr);
  void HandleHeartbeat(Message& m);
  // Sets divergence_ (and steps down) if m contradicts one of our committed entries.
  bool CheckDivergence(const Message& m);
  void HandleHeartbeatResponse(Message& m, Progress& pr);
  void HandleSnapshot(Message& m);
  bool Restore(Snapshot&& s);
  void UpdateSelfMatch();
  void CommitTo(Index i) { log_.CommitTo(i); }
  // Runs at the end of every public entry point: applies newly committed conf changes (kept out
  // of the middle of message handling so no handler sees the progress map change under it).
  void AfterInput();

  // ReadIndex and leadership transfer (raft_read.cc).
  void HandleReadIndexRequest(NodeId from, std::string context);
  void ReleaseReadStates(std::vector<ReadIndexStatus>&& done);
  bool CommittedEntryInCurrentTerm() const;
  void AbortLeaderTransfer() { lead_transferee_ = kNoNode; }
  void SendTimeoutNow(NodeId to);

  // Membership (raft_membership.cc).
  void ApplyCommittedConfChanges();
  void ApplyConfChange(Index index, const ConfChange& cc);
  void ApplyConfState(const ConfState& conf);
  // Leader: a Progress (next = last index + 1) for every member that has none yet.
  void AddMissingProgress();
  void ReleaseReadIndexNow(NodeId from, std::string context);

  void Send(Message m);
  void Log(const std::string& msg) const;
  Progress& SelfProgress();

  const NodeId id_;
  const GroupId group_;
  Config cfg_;
  Rng rng_;

  Term current_term_ = 0;
  NodeId voted_for_ = kNoNode;
  NodeId leader_ = kNoNode;
  Role role_ = Role::kFollower;
  StepFn step_ = &Raft::StepFollower;
  RaftLog log_;

  ConfState conf_;
  std::map<Index, ConfState> conf_history_;  // config in effect from index (>= snapshot)
  Index conf_scan_index_ = 0;                // committed entries up to here were scanned for conf changes
  Index pending_conf_index_ = 0;             // leader: index of the latest proposed conf change
  std::map<NodeId, Progress> progress_;      // leader: every member incl. self (ordered: determinism)
  std::map<NodeId, bool> votes_;

  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  NodeId lead_transferee_ = kNoNode;

  ReadOnly read_only_;
  std::vector<std::pair<NodeId, std::string>> pending_reads_;  // until a current-term commit
  bool read_round_in_flight_ = false;  // a heartbeat round for the newest pending read was sent
  std::vector<ReadState> read_states_;
  std::vector<Message> msgs_;

  SoftState prev_soft_;
  HardState prev_hard_;
  std::optional<Divergence> divergence_;
};

}  // namespace redraft::raft
