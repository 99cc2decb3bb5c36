#pragma once

// The write path of a cluster node (docs/exactly_once.md): every write a client sends to this
// node is applied at most once and gets a definite answer whenever one can be learned.
//
// Owns: our clients' writes until their outcome is known (tagged {session, seq}; proposed here if
// we lead, else forwarded to the leader in one typed kWriteBatch frame per loop iteration), the
// proposals of this iteration (one ProposeBatch), the forwarded entries this node proposed for
// others (who gets which reply) and the outcome frames owed to them (kReplyBatch), and the proof
// that a write can never commit (the term of the last applied entry).
// Must not: apply entries, read the log, persist anything or touch read barriers: the ready loop
// applies, and tells it what was applied (OnApplied/AfterApply) and when a snapshot jumped over
// entries (OnSnapshotInstalled). It talks to Raft and peers only through Env.

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/forward_frames.h"
#include "cluster/proposed_growth.h"
#include "raft/raft.h"

namespace redraft::cluster {

class Forwarder {
 public:
  // What the forwarder needs from the node, as calls (all on the event loop).
  struct Env {
    std::function<raft::Raft*()> raft;            // null while Raft is not running (formation)
    std::function<bool()> leader_reachable;
    std::function<bool(uint64_t to, FwdKind kind, std::string payload)> send;  // false: not queued
    std::function<int64_t()> cluster_time_ms;      // the stamp for an entry we propose (docs/time.md)
    std::function<void(int64_t)> note_stamp;       // a stamp went into the log
    std::function<void(uint64_t token, std::string reply)> answer;  // our client's reply
    // The dataset bytes an entry we propose may add (eviction ahead of the writes,
    // proposed_growth.h); null or 0: none counted.
    std::function<uint64_t(std::string_view entry)> growth = nullptr;
    // Called before a batch of proposals is proposed (leader): what it proposes (the evictor's
    // entries) joins the batch. Not called again from within itself.
    std::function<void()> before_batch = nullptr;
  };
  Forwarder(Env env, int64_t request_timeout_ms, uint64_t session);

  // A client's write (already validated; divergence already checked by the caller).
  void Propose(std::string data, uint64_t token, int proto);
  // A leader is reachable: send the writes not in flight, at most once per min_interval_ms (a
  // leader that keeps answering "not executed" must not turn into a loop-speed ping-pong).
  void ResendUnsent(int64_t min_interval_ms);
  // Proposes what this iteration queued as one batch (leader); on failure our writes go back to
  // unsent and forwarded ones are answered "not executed".
  void ProposeQueued();
  // Sends this iteration's forwarded writes (one kWriteBatch to the leader) and outcomes (one
  // kReplyBatch per forwarding node). Writes that could not be sent go back to unsent.
  void Flush();
  // A forwarding frame from a peer (forward_frames.h).
  void OnFrame(uint64_t from, FwdKind kind, std::string_view payload);

  // Applying, in the ready loop. Before applying e: the seq of our own client's write it carries
  // (0 if none is waiting here) and the RESP version its reply is built in.
  uint64_t OwnWriteSeq(const raft::Entry& e) const;
  int ReplyProto(const raft::Entry& e, uint64_t own_seq) const;
  // e was applied with `reply`: answers our client and/or the node that forwarded it.
  void OnApplied(const raft::Entry& e, uint64_t own_seq, std::string& reply);
  // After a batch of applies up to `applied`: settles what the applied terms prove.
  void AfterApply(raft::Index applied);
  // A received snapshot (last entry of `term`) replaced the state: our writes in flight may be
  // among the entries it jumped over, whose replies it does not carry. They keep waiting for the
  // leader's outcome (it still answers them), but the terms we apply prove nothing about them any
  // more: they are never sent again on that ground (see Write::behind_snapshot).
  void OnSnapshotInstalled(raft::Term term);
  // Fails writes past their deadline; forgets forwarded entries past theirs.
  void Sweep(int64_t now_ms);
  // This node stopped serving (divergence): forwarded entries are settled by their senders.
  void OnDiverged() { pending_.clear(); }

  size_t pending_count() const { return pending_.size(); }  // INFO raft_pending_proposals
  size_t writes_count() const { return writes_.size(); }    // INFO raft_pending_writes
  // What the entries this node queued or proposed as leader, not yet applied, may add to the
  // dataset (Env::growth's estimates): the evictor makes room for it ahead of the writes.
  uint64_t proposed_growth() const { return growth_.bytes(); }
  // The tag the next Propose gives its write (traces: raft_replicator_trace.cc).
  uint64_t session() const { return session_; }
  uint64_t next_seq() const { return next_seq_; }

 private:
  // Forwarding batches stay below the transport's chunk size (1 MiB): see SendWrite.
  static constexpr size_t kMaxForwardBatchBytes = 256 << 10;
  // A forwarded entry this node (the leader) proposed for another node: who gets the reply.
  struct Pending {
    raft::Term term = 0;
    uint64_t remote = 0;      // the node that forwarded it
    uint64_t remote_req = 0;  // its seq there
    int proto = 2;
    int64_t deadline_ms = 0;
  };
  // A write this node accepted from one of its clients, kept until its outcome is definite: the
  // reply from whichever node applied it first (the leader's outcome frame, or our own apply of
  // the entry carrying our tag), or "not applied" — then it is sent again, which is safe because
  // the first copy can provably never commit.
  struct Write {
    uint64_t token = 0;
    int proto = 2;
    std::string data;         // the log entry, tagged {session_, seq}
    raft::Term term = 0;      // the term it was proposed or forwarded in; 0 = not in flight
    int64_t deadline_ms = 0;
    // In flight when a received snapshot jumped over entries: its entry may be among them, so an
    // applied entry of a later term no longer proves it was never applied (ForgetDeadWrites skips
    // it). Only the leader's outcome (kReplied / kNotExecuted), our own apply of its entry, or the
    // deadline (UNCERTAIN) settles it.
    bool behind_snapshot = false;
  };
  // A write waiting to be proposed with the others of this loop iteration (ProposeQueued): one
  // ProposeBatch per iteration, so one MsgApp per follower and one Ready carry all of them.
  struct Proposal {
    uint64_t own_seq = 0;  // our client's write (writes_), or 0: a forwarded one (fwd)
    Pending fwd;
    std::string entry;
    uint64_t growth = 0;  // Env::growth's estimate, counted in growth_
  };

  bool SendWrite(uint64_t seq);
  void ResendWrites();
  // Queues an entry for this iteration's batch (leader only).
  void QueueProposal(Proposal p);
  void ForwardOne(uint64_t from, const ForwardedWrite& w, raft::Term term);
  void ReplyTo(const Pending& p, std::string&& reply);
  void SendNotExecuted(uint64_t to, uint64_t req, raft::Term term);
  void OnNotExecuted(uint64_t req, raft::Term term);
  void AnswerWrite(uint64_t seq, std::string&& reply);
  void ForgetDeadWrites();

  Env env_;
  const int64_t request_timeout_ms_;
  const uint64_t session_;  // tags our writes; random per process run
  uint64_t next_seq_ = 1;
  std::map<uint64_t, Write> writes_;                // our clients' writes by seq
  std::set<uint64_t> unsent_;                       // seqs of writes_ not in flight (term 0)
  raft::Term applied_term_ = 0;                     // term of the last entry we applied
  raft::Term resolved_term_ = 0;                    // applied_term_ when ForgetDeadWrites last ran
  int64_t last_resend_ms_ = 0;                      // ResendUnsent's last resend
  // Forwarding batches of this loop iteration (Flush).
  uint64_t fwd_to_ = 0;                             // the leader our batch goes to
  raft::Term fwd_term_ = 0;                         // the term it is forwarded in
  std::vector<uint64_t> fwd_seqs_;                  // our writes in it
  ForwardBatchWriter fwd_batch_;                    // their encoding
  std::map<uint64_t, ForwardOutcomeWriter> fwd_replies_;  // forwarding node -> outcomes, in order
  std::vector<Proposal> proposals_;                 // queued this iteration (ProposeQueued)
  std::vector<Proposal> proposals_spare_;           // ProposeQueued's batch (its capacity kept)
  raft::Term proposals_term_ = 0;                   // the term they were queued in
  std::map<raft::Index, Pending> pending_;          // others' forwarded entries we proposed, by index
  ProposedGrowth growth_;                           // proposals' estimated dataset growth
  bool in_before_batch_ = false;                    // Env::before_batch is running
};

}  // namespace redraft::cluster
