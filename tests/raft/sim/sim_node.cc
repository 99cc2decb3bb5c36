// The node driver of the simulation: starting, crashing and restarting a node (its durable
// storage survives, its Raft object, state machine and unsynced Ready do not), handling Readies
// in the server's order (raft/ready_order.h decides what leaves before the persist step) with
// crash points between the steps, the persist-before-send check on every message sent, and a
// node's own compaction of its durable log.
#include "sim/sim_simulation.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "raft/ready_order.h"

namespace redraft::raft::sim {

// What the server's formation writes and syncs before it starts Raft on a new cluster
// (cluster/formation.cc BootstrapEntries, RaftReplicator::Bootstrap): one committed kConfChange
// AddNode per voter at indexes 1..N of term 1 (the server's context, the address, is left
// empty), and hard state {term 1, no vote, commit N}. The state machine applies them (as no-ops
// for the KV) from the node's first Ready on.
void Simulation::WriteBootstrap(SimNode& n, int voters) {
  n.log.clear();
  for (int i = 1; i <= voters; i++) {
    Entry e;
    e.term = 1;
    e.index = n.log.size() + 1;
    e.type = EntryType::kConfChange;
    e.data = ConfChange{ConfChangeType::kAddNode, static_cast<NodeId>(i), ""}.Encode();
    n.log.push_back(std::move(e));
  }
  n.hs = HardState{1, kNoNode, n.log.size()};
  checker_.OnPersist(n.id, 0, n.log);  // Log Matching covers them as any other persisted entry
}

void Simulation::StartNode(SimNode& n) {
  Config c;
  c.id = n.id;
  c.group = 1;
  if (!n.joiner || !opts_.joiner_empty_conf) c.initial_conf = conf_;
  c.election_tick = 10;
  c.heartbeat_tick = 1;
  c.max_size_per_msg = max_size_;
  c.max_inflight_msgs = max_inflight_;
  c.pre_vote = pre_vote_;
  c.check_quorum = check_quorum_;
  c.seed = rng_.Next();
  if (opts_.verbose) c.logger = [this](std::string_view s) { std::fprintf(stderr, "  %s\n", std::string(s).c_str()); };
  RestoredState r;
  r.hard_state = n.hs;
  r.snapshot = n.snap;
  r.entries = n.log;
  r.applied = n.snap.meta.index;
  n.sm.Restore(n.snap.data, n.snap.meta.index);
  n.raft = std::make_unique<Raft>(c, std::move(r));
  n.up = true;
  checker_.OnRestart(n.id);
}

void Simulation::Crash(SimNode& n) {
  Trace(10, n.id, 0, 0);
  n.up = false;
  n.raft.reset();
  n.pending.clear();  // never synced: lost, and their held messages were never sent
  n.sm = KvStateMachine();
  n.write_waits.clear();
  n.read_waits.clear();
  res_.crashes++;
}

void Simulation::Restart(SimNode& n) {
  if (n.up) return;
  StartNode(n);
  Trace(13, n.id, 0, 0);
}

// Synchronous mode: GetReady and handle it at once. Asynchronous mode (like a server with a
// storage thread): GetReady now, and only a later event completes the sync; meanwhile the node
// keeps stepping messages, ticking and accepting proposals, and a crash drops the Ready. In
// async mode a leader's replication messages are sent before its sync (see StartReady).
//
// With a pipeline depth above 1, async mode keeps up to that many Readies in flight (raft.h
// Advance): a new one may be taken while older ones are not yet synced (never one holding a
// snapshot while others are in flight), and they are synced and completed oldest first.
//
// Either way the messages are split by the server's own rule (raft/ready_order.h): those it
// may send before the persist step go out at once, the rest wait for FinishReady. A crash may
// hit right after the early sends (nothing persisted) or right after the persist (the held
// messages are lost, nothing is applied).
void Simulation::HandleReady(SimNode& n) {
  bool can_start = n.raft->HasReady() && n.pending.size() < pipeline_depth_ &&
                   (n.pending.empty() || !n.raft->HasPendingSnapshot());
  if (!n.pending.empty() && (!can_start || rng_.Chance(1, 2))) return FinishReady(n);
  StartReady(n);
  if (n.up && !async_ready_) FinishReady(n);
}

void Simulation::StartReady(SimNode& n) {
  bool earlier_unsynced = !n.pending.empty();
  n.pending.push_back(SimNode::PendingReady{n.raft->GetReady(), 0});
  Ready& rd = n.pending.back().rd;
  ReadySends sends = SplitReadyMessages(rd, n.raft->role() == Role::kLeader, earlier_unsynced);
  for (Message& m : sends.now) Send(n, std::move(m));
  rd.messages = std::move(sends.after_persist);
  n.pending.back().prev_term =
      rd.entries.empty() ? 0 : n.raft->TermAt(rd.entries.front().index - 1).value_or(0);
  Trace(15, n.id, rd.entries.size(), rd.committed_entries.size());
  // Committed entries already durable here are applied (and their writers answered) before this
  // Ready is synced, as the server does (ready_order.h AppliableBeforePersist).
  size_t early = AppliableBeforePersist(rd, n.raft->log().stable(), n.sm.applied());
  n.pending.back().applied_early = early;
  ApplyEntries(n, rd.committed_entries.data(), rd.committed_entries.data() + early);
  if (ReadyCrash()) {  // sent early, crashed before the persist
    Trace(17, n.id, 1, 0);
    res_.ready_crashes++;
    Crash(n);
  }
}

// Every message leaves through here. What it promises must already be durable on its sender
// ("persist before send", checked at the moment of sending, so a wrong ordering rule fails at
// its first vote or acknowledgement, not only when a crash happens to exploit it):
//   a granted vote: the persisted term and vote are the ones granted (or the term is later);
//   an append acknowledgement: the persisted log reaches the acknowledged index (unless the
//   node has durably moved to a later term).
void Simulation::Send(const SimNode& n, Message&& m) {
  // (A durable later term also keeps the promise: the node can never vote in m.term again.)
  bool vote_durable = n.hs.term > m.term || (n.hs.term == m.term && n.hs.vote == m.to);
  if (m.type == MessageType::kVoteResp && !m.reject && !vote_durable) {
    Fail("persist before send: node " + std::to_string(n.id) + " granted its vote to " + std::to_string(m.to) +
         " in term " + std::to_string(m.term) + " before persisting it (durable term " + std::to_string(n.hs.term) +
         " vote " + std::to_string(n.hs.vote) + ")");
  }
  Index durable_last = n.snap.meta.index + n.log.size();
  // (An acknowledgement to a leader of a term the node has durably left may be about entries
  // a newer leader made it drop in the same Ready: equivalent to persisting, acknowledging, then
  // truncating, as the Ready is all-or-nothing.)
  if (m.type == MessageType::kAppResp && !m.reject && m.index > durable_last && m.term >= n.hs.term) {
    Fail("persist before send: node " + std::to_string(n.id) + " acknowledged index " + std::to_string(m.index) +
         " with only " + std::to_string(durable_last) + " durable");
  }
  net_.push_back(std::move(m));
}

bool Simulation::ReadyCrash() { return !calm_ && ready_crash_permille_ > 0 && rng_.Chance(ready_crash_permille_, 1000); }

bool Simulation::NeedsReady(SimNode& n) { return n.up && (!n.pending.empty() || n.raft->HasReady()); }

// Handles n's Readies until it has none (true if there was any). Without new input a healthy
// core runs dry within a few Readies; one that does not is livelocked, which fails the run
// rather than hanging it.
bool Simulation::DrainReadies(SimNode& n) {
  bool any = false;
  for (int k = 0; NeedsReady(n) && checker_.ok() && res_.error.empty(); k++) {
    if (k == kMaxReadiesInARow) {
      Fail("liveness: node " + std::to_string(n.id) + " produced more than " + std::to_string(kMaxReadiesInARow) +
           " Readies without input (seed " + std::to_string(opts_.seed) + ")");
      break;
    }
    HandleReady(n);
    any = true;
  }
  return any;
}

void Simulation::FinishReady(SimNode& n) {
  Ready rd = std::move(n.pending.front().rd);
  Term prev_term = n.pending.front().prev_term;
  size_t applied_early = n.pending.front().applied_early;
  n.pending.pop_front();
  Trace(11, n.id, rd.entries.size(), rd.committed_entries.size());
  if (!checker_.ok()) return;
  // (1) persist ("sync")
  if (rd.hard_state) {
    checker_.OnHardState(n.id, n.hs, *rd.hard_state);
    n.hs = *rd.hard_state;
  }
  if (rd.snapshot) {
    n.snap = *rd.snapshot;
    n.log.clear();
  }
  if (!rd.entries.empty()) {
    Index first = rd.entries.front().index;
    Index durable_last = n.snap.meta.index + n.log.size();
    if (first > durable_last + 1 || first <= n.snap.meta.index) Fail("persist: non-contiguous entries");
    n.log.resize(std::min<size_t>(n.log.size(), first - n.snap.meta.index - 1));
    checker_.OnPersist(n.id, prev_term, rd.entries);
    n.log.insert(n.log.end(), rd.entries.begin(), rd.entries.end());
  }
  if (ReadyNeedsPersist(rd) && ReadyCrash()) {  // persisted, crashed before sending the rest
    Trace(17, n.id, 2, 0);
    res_.ready_crashes++;
    return Crash(n);
  }
  // (2) send
  for (Message& m : rd.messages) Send(n, std::move(m));
  // (3) apply
  if (rd.snapshot) {
    checker_.OnSnapshot(n.id, rd.snapshot->meta, rd.snapshot->data);
    n.sm.Restore(rd.snapshot->data, rd.snapshot->meta.index);
  }
  ApplyEntries(n, rd.committed_entries.data() + applied_early, rd.committed_entries.data() + rd.committed_entries.size());
  for (const ReadState& rs : rd.read_states) {
    auto it = n.read_waits.find(rs.context);
    if (it != n.read_waits.end()) {
      it->second.index = rs.index;
      it->second.ready = true;
    }
  }
  for (auto it = n.read_waits.begin(); it != n.read_waits.end();) {
    if (it->second.ready && n.sm.applied() >= it->second.index) {
      Client& c = clients_[it->second.client];
      history_.Complete(c.op, now_, n.sm.Get(c.key));
      c.busy = false;
      res_.reads_completed++;
      it = n.read_waits.erase(it);
    } else {
      ++it;
    }
  }
  n.raft->Advance(rd);
}

void Simulation::ApplyEntries(SimNode& n, const Entry* begin, const Entry* end) {
  for (const Entry* p = begin; p != end; ++p) {
    const Entry& e = *p;
    if (e.index != n.sm.applied() + 1) Fail("apply: gap at node " + std::to_string(n.id));
    // Apply only what is durable here (a crash must not forget an entry whose write was answered
    // by this node, and the server's store must never be ahead of a log it could lose).
    Index durable_last = n.snap.meta.index + n.log.size();
    if (e.index > durable_last || (e.index > n.snap.meta.index && n.log[e.index - n.snap.meta.index - 1].term != e.term)) {
      Fail("apply before persist: node " + std::to_string(n.id) + " applied index " + std::to_string(e.index) +
           " with only " + std::to_string(durable_last) + " durable");
    }
    checker_.OnApply(n.id, e);
    KvStateMachine::Applied a = n.sm.Apply(e);
    if (!a.is_put) continue;
    if (e.index > global_applied_) {
      global_applied_ = e.index;
      history_.Applied(a.put.key, a.put.value, a.executed);
    }
    auto w = n.write_waits.find({a.client, a.seq});
    if (w != n.write_waits.end()) {
      Client& c = clients_[w->second];
      history_.Complete(c.op, now_);
      c.busy = false;
      n.write_waits.erase(w);
    }
  }
}

void Simulation::CompactEvent() {
  SimNode* n = RandomUpNode();
  if (!n) return;
  Index applied = n->sm.applied();
  if (applied < n->raft->first_index() + 10) return;
  // Entries applied before their Ready was durable (ready_order.h) are not yet applied for the
  // core until that Ready is Advanced; the server waits the same way (RaftReplicator::MaybeCompact).
  if (applied > n->raft->applied_index()) return;
  Index idx = applied;  // the state machine snapshots its current state
  std::string data = n->sm.Snapshot();
  Status st = n->raft->Compact(idx, data);
  if (st.code() == Status::Code::kBusy) return;  // installing the leader's snapshot
  if (!st.ok()) return Fail("compact failed: " + st.ToString());
  // Persist the snapshot, then drop the log prefix it covers.
  const Snapshot& s = n->raft->log().snapshot();
  checker_.OnSnapshot(n->id, s.meta, s.data);
  size_t drop = std::min<size_t>(n->log.size(), idx - n->snap.meta.index);
  n->log.erase(n->log.begin(), n->log.begin() + drop);
  n->snap = s;
  Trace(30, n->id, idx, 0);
}

}  // namespace redraft::raft::sim
