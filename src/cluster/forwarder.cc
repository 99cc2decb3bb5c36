// Forwarder (forwarder.h), the write path: every write a client sends to this node is applied at
// most once and gets a definite answer whenever one can be learned (docs/exactly_once.md).
//
// A write is tagged {session_, seq} (session_ is random per process run) and sent to the leader:
// proposed here if we lead, else forwarded (a kWriteBatch frame, forward_frames.h) with the term
// we know, which the leader must still be in (else its outcome is kNotExecuted). Its outcome
// becomes known by the first of:
//   - the leader's kReplied outcome (it applied the entry: the reply);
//   - our own apply of an entry carrying our tag (every node applies every entry; the reply is
//     computed deterministically, so it is the same bytes the leader computed);
//   - proof that it can never be applied: we applied an entry of a term newer than the one the
//     write was proposed in without meeting it. Terms never decrease along a log, so a committed
//     entry of term t sits before every entry of a later term; an entry of term t not applied
//     before one of term t' > t was never committed and never will be. The write is then sent
//     again (it is not in flight anywhere), so a leader change costs the client a little latency
//     instead of an UNCERTAIN. kNotExecuted (the leader refused or saw its copy overwritten) is
//     such a proof too.
// Only if none of these arrives before cluster-request-timeout does the client get UNCERTAIN
// (e.g. this node is cut off from the majority); CLUSTERDOWN if the write was never sent.
#include <spdlog/spdlog.h>

#include "cluster/forwarder.h"

#include "observability/registry.h"

#include "cluster/clock.h"
#include "cluster/node_identity.h"
#include "cluster/errors.h"
#include "commands/command.h"
#include "resp/reply_builder.h"
#include "server/state_machine.h"

namespace redraft::cluster {

Forwarder::Forwarder(Env env, int64_t request_timeout_ms, uint64_t session)
    : env_(std::move(env)), request_timeout_ms_(request_timeout_ms), session_(session) {}

void Forwarder::Propose(std::string data, uint64_t token, int proto) {
  constexpr size_t kMaxUnsent = 100000;
  if (unsent_.size() >= kMaxUnsent) {  // no leader for a long while: don't queue without bound
    env_.answer(token, ErrorReply(NoLeaderError()));
    return;
  }
  uint64_t seq = next_seq_++;
  REDRAFT_CHECK(commands::TagLogCommand(&data, commands::WriteTag{session_, seq}));
  // Seqs only grow: the new write goes at the end of the map (no search).
  writes_.emplace_hint(writes_.end(), seq, Write{token, proto, std::move(data), 0, SteadyNowMs() + request_timeout_ms_});
  // Usually sent (or queued for this iteration's proposal) at once; unsent_ only if not.
  if (!SendWrite(seq)) unsent_.insert(seq);
}

// Sends a write that is not in flight to the leader, if one is reachable (else it waits in
// unsent_ for ResendWrites). True if it is in flight now (and no longer in unsent_).
bool Forwarder::SendWrite(uint64_t seq) {
  auto it = writes_.find(seq);
  raft::Raft* raft = env_.raft();
  if (it == writes_.end() || !raft || !env_.leader_reachable()) return false;
  Write& w = it->second;
  bool leads = raft->role() == raft::Role::kLeader;
  if (leads && raft->lead_transferee() != raft::kNoNode) return false;  // handing leadership over: later
  // In flight from here on (before a Flush below, which puts it back if its frame is refused).
  if (!unsent_.empty()) unsent_.erase(seq);
  w.behind_snapshot = false;  // a new copy (the old one was proven not applied): terms track it
  if (leads) {
    Proposal p;
    p.own_seq = seq;
    p.entry = w.data;
    int64_t stamp = env_.cluster_time_ms();  // docs/time.md
    if (commands::RestampLogCommand(&p.entry, stamp)) env_.note_stamp(stamp);
    w.term = raft->term();  // in flight from now on; ProposeQueued undoes it if the batch fails
    QueueProposal(std::move(p));
  } else {
    // Batched: one "fwdb" per loop iteration (FlushForwards), to one leader in one term.
    uint64_t leader = raft->leader();
    if (!fwd_seqs_.empty() && (fwd_to_ != leader || fwd_term_ != raft->term())) Flush();
    fwd_to_ = leader;
    fwd_term_ = raft->term();
    fwd_batch_.Add(seq, w.proto, w.data);
    fwd_seqs_.push_back(seq);
    w.term = raft->term();  // in flight; FlushForwards undoes it if the frame cannot be queued
    // Keep a batch below the transport's chunk size: a chunked message may be overtaken by
    // smaller ones (transport.h "Ordering"), and one client's pipelined writes must stay in order.
    if (fwd_batch_.bytes() >= kMaxForwardBatchBytes) Flush();  // may put it back in unsent_
  }
  return true;
}

void Forwarder::Flush() {
  if (!fwd_seqs_.empty()) {
    std::string payload = fwd_batch_.Take(fwd_term_);
    bool sent = env_.send(fwd_to_, FwdKind::kWriteBatch, std::move(payload));
    if (sent) observability::Global().cluster().forwards += fwd_seqs_.size();  // metrics (issue 13)
    if (!sent) {
      for (uint64_t seq : fwd_seqs_) {
        auto it = writes_.find(seq);
        if (it == writes_.end() || it->second.term != fwd_term_) continue;
        it->second.term = 0;
        unsent_.insert(seq);
      }
    }
    fwd_seqs_.clear();
  }
  for (auto& [to, items] : fwd_replies_) {
    if (!items.empty()) env_.send(to, FwdKind::kReplyBatch, items.Take());
  }
  fwd_replies_.clear();
}

void Forwarder::QueueProposal(Proposal p) {
  raft::Term term = env_.raft()->term();  // callers lead: Raft runs
  if (!proposals_.empty() && proposals_term_ != term) ProposeQueued();  // fails them
  proposals_term_ = term;
  if (env_.growth) {
    p.growth = env_.growth(p.entry);
    growth_.Queue(p.growth);
  }
  proposals_.push_back(std::move(p));
}

void Forwarder::ProposeQueued() {
  if (proposals_.empty()) return;
  if (env_.before_batch && !in_before_batch_) {
    in_before_batch_ = true;
    env_.before_batch();  // may queue more (evictions), into this batch
    in_before_batch_ = false;
  }
  // The batch swaps with a vector kept from the last iteration, so neither regrows per write.
  std::vector<Proposal>& batch = proposals_spare_;
  batch.clear();
  batch.swap(proposals_);
  growth_.ClearQueued();  // proposed ones come back by index below
  raft::Raft* raft = env_.raft();
  bool ok = raft && raft->role() == raft::Role::kLeader && raft->term() == proposals_term_;
  if (ok) {
    std::vector<std::string> datas;
    datas.reserve(batch.size());
    for (Proposal& p : batch) datas.push_back(std::move(p.entry));
    ok = raft->ProposeBatch(std::move(datas)).ok();
  }
  if (!ok) {
    observability::Global().cluster().proposals_dropped += batch.size();  // metrics (issue 13)
    // Never proposed: our writes are not in flight (sent again later), forwarded ones not executed.
    for (Proposal& p : batch) {
      if (p.own_seq == 0) {
        SendNotExecuted(p.fwd.remote, p.fwd.remote_req, p.fwd.term);
        continue;
      }
      auto it = writes_.find(p.own_seq);
      if (it == writes_.end() || it->second.term != proposals_term_) continue;
      it->second.term = 0;
      unsent_.insert(p.own_seq);
    }
    return;
  }
  raft::Index index = raft->last_index() - batch.size() + 1;
  int64_t deadline = SteadyNowMs() + request_timeout_ms_;
  for (Proposal& p : batch) {
    if (p.own_seq == 0) {
      p.fwd.deadline_ms = deadline;
      pending_[index] = p.fwd;
    }
    growth_.Append(index, p.growth);
    index++;
  }
}

void Forwarder::ResendUnsent(int64_t min_interval_ms) {
  int64_t now = SteadyNowMs();
  if (unsent_.empty() || now - last_resend_ms_ < min_interval_ms) return;
  last_resend_ms_ = now;
  ResendWrites();
}

void Forwarder::ResendWrites() {
  if (unsent_.empty()) return;
  std::vector<uint64_t> seqs(unsent_.begin(), unsent_.end());
  for (uint64_t seq : seqs) SendWrite(seq);
}

void Forwarder::AnswerWrite(uint64_t seq, std::string&& reply) {
  auto it = writes_.find(seq);
  if (it == writes_.end()) return;
  uint64_t token = it->second.token;
  writes_.erase(it);
  unsent_.erase(seq);
  env_.answer(token, std::move(reply));
}

// Writes in flight in a term older than the last entry we applied were never committed (see the
// file comment): they are not in flight any more.
void Forwarder::ForgetDeadWrites() {
  if (applied_term_ == resolved_term_) return;  // only a new term can prove anything
  resolved_term_ = applied_term_;
  for (auto& [seq, w] : writes_) {
    // (A write a snapshot may have jumped over is not provably dead: resending it could apply it
    // twice. It waits for the leader's outcome.)
    if (w.term != 0 && w.term < applied_term_ && !w.behind_snapshot) {
      w.term = 0;
      unsent_.insert(seq);
    }
  }
  ResendWrites();
}

// Our writes in flight may be inside the snapshot: we will never apply their entries one by one,
// so rule 2 cannot answer them and rule 3 (an applied later term) proves nothing about them. The
// leader we forwarded them to still sends their outcome (rule 1: its reply or "not executed" does
// not depend on our log), so they wait for it until their deadline, and only then get UNCERTAIN
// (Sweep); our own apply of an entry after the snapshot still answers one it carries (rule 2).
// (Answering them UNCERTAIN here at once turned every snapshot that a restarted node received
// while its clients wrote into UNCERTAIN replies: test_exactly_once.)
void Forwarder::OnSnapshotInstalled(raft::Term term) {
  size_t waiting = 0;
  for (auto& [seq, w] : writes_) {
    if (w.term == 0) continue;
    w.behind_snapshot = true;
    waiting++;
  }
  if (waiting) spdlog::info("snapshot installed with {} writes in flight: they wait for the leader's outcome", waiting);
  applied_term_ = std::max(applied_term_, term);
}

void Forwarder::Sweep(int64_t now) {
  for (auto it = writes_.begin(); it != writes_.end();) {
    if (it->second.deadline_ms > now) {
      ++it;
      continue;
    }
    // Never sent, or provably not applied and not sent again: not executed. Else unknown.
    env_.answer(it->second.token, ErrorReply(it->second.term == 0 ? NoLeaderError() : UncertainError()));
    unsent_.erase(it->first);
    it = writes_.erase(it);
  }
  // Others' forwarded entries not applied by their deadline: the forwarding node settles them.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline_ms > now) ++it;
    else it = pending_.erase(it);
  }
}

uint64_t Forwarder::OwnWriteSeq(const raft::Entry& e) const {
  if (writes_.empty() || e.type != raft::EntryType::kNormal || e.data.empty()) return 0;
  auto tag = commands::LogCommandTag(e.data);
  if (!tag || tag->session != session_ || !writes_.count(tag->seq)) return 0;
  return tag->seq;
}

int Forwarder::ReplyProto(const raft::Entry& e, uint64_t own_seq) const {
  auto p = pending_.find(e.index);
  if (p != pending_.end() && p->second.term == e.term) return p->second.proto;
  if (own_seq) return writes_.at(own_seq).proto;
  return 2;  // nobody here waits for this reply
}

void Forwarder::OnApplied(const raft::Entry& e, uint64_t own_seq, std::string& reply) {
  applied_term_ = std::max(applied_term_, e.term);
  // Our own client's write: this apply is its (only) application.
  if (own_seq) AnswerWrite(own_seq, std::string(reply));
  auto it = pending_.find(e.index);
  if (it == pending_.end()) return;
  Pending p = it->second;
  pending_.erase(it);
  // A different term at its index means the entry was overwritten: it was never committed.
  if (p.term == e.term) ReplyTo(p, std::move(reply));
  else SendNotExecuted(p.remote, p.remote_req, p.term);
}

void Forwarder::AfterApply(raft::Index applied) {
  growth_.Retire(applied);
  // Entries a received snapshot jumped over: the forwarding node settles them itself.
  while (!pending_.empty() && pending_.begin()->first <= applied) pending_.erase(pending_.begin());
  ForgetDeadWrites();
}

// ---------------------------------------------------------------------------------------------
// The leader's side of forwarding

// Every forwarding frame, typed (forward_frames.h): writes to propose if we lead, or outcomes of
// our own writes. Items before a malformed one are acted upon; the rest of the frame is dropped.
void Forwarder::OnFrame(uint64_t from, FwdKind kind, std::string_view payload) {
  if (kind == FwdKind::kWriteBatch || kind == FwdKind::kWrite) {
    ForwardBatch batch = DecodeForwardBatch(kind, payload);
    for (const ForwardedWrite& w : batch.writes) ForwardOne(from, w, batch.term);
    return;
  }
  for (const ForwardOutcome& o : DecodeForwardOutcomes(kind, payload)) {
    if (o.kind == ForwardOutcome::Kind::kNotExecuted) OnNotExecuted(o.req, o.term);
    else AnswerWrite(o.req, std::string(o.reply));
  }
}

void Forwarder::ForwardOne(uint64_t from, const ForwardedWrite& w, raft::Term term) {
  std::string_view data = w.entry;
  uint64_t req = w.req;
  Pending p;
  p.remote = from;
  p.remote_req = req;
  p.proto = w.proto;
  // Only validated writes reach the log (commands/write_entry.h): a peer's entry is checked
  // here, and a bad one is answered with the Redis error and never proposed.
  if (Status valid = server::StateMachine::ValidateEntry(data); !valid.ok()) {
    std::string why = valid.message().substr(0, 200);
    for (char& ch : why) ch = (ch == '\r' || ch == '\n') ? ' ' : ch;  // one log line
    spdlog::warn("refused a forwarded entry from {}: {}", NodeIdHex(from), why);
    std::string error;
    resp::ReplyBuilder(&error, p.proto).Error(valid.message());
    ReplyTo(p, std::move(error));
    return;
  }
  // Proposed only in the term the sender forwarded it for: then "not applied" is provable by the
  // sender from the terms it applies (see the file comment).
  raft::Raft* raft = env_.raft();
  if (!raft || raft->role() != raft::Role::kLeader || raft->term() != term) {
    SendNotExecuted(from, req, term);
    return;
  }
  Proposal q;
  q.entry = std::string(data);
  int64_t stamp = env_.cluster_time_ms();
  if (raft->lead_transferee() != raft::kNoNode || !commands::RestampLogCommand(&q.entry, stamp)) {
    SendNotExecuted(from, req, term);
    return;
  }
  env_.note_stamp(stamp);
  p.term = raft->term();
  q.fwd = p;
  QueueProposal(std::move(q));
}

// Replies are batched per forwarding node and sent by FlushForwards, in the order they were made.
void Forwarder::ReplyTo(const Pending& p, std::string&& reply) {
  ForwardOutcomeWriter& out = fwd_replies_[p.remote];
  out.AddReplied(p.remote_req, reply);
  if (out.bytes() >= kMaxForwardBatchBytes) Flush();
}

void Forwarder::SendNotExecuted(uint64_t to, uint64_t req, raft::Term term) {
  ForwardOutcomeWriter& out = fwd_replies_[to];
  out.AddNotExecuted(req, term);
  if (out.bytes() >= kMaxForwardBatchBytes) Flush();
}

// The copy forwarded in `term` was not executed and is not in flight: send it again once a
// leader is reachable. (About an older copy, it says nothing about the one in flight now.)
void Forwarder::OnNotExecuted(uint64_t req, raft::Term term) {
  auto it = writes_.find(req);
  if (it == writes_.end() || it->second.term != term) return;
  it->second.term = 0;
  unsent_.insert(req);
}

}  // namespace redraft::cluster
