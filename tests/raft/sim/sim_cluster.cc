#include "sim/sim_cluster.h"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "raft/raft.h"
#include "raft/ready_order.h"
#include "sim/sim_checker.h"
#include "sim/sim_history.h"
#include "sim/sim_kv.h"

#include <unistd.h>

namespace redraft::raft::sim {
namespace {

constexpr uint64_t kClientTimeout = 400;  // steps
constexpr size_t kMaxInFlight = 4000;
constexpr int kNumClients = 4;
constexpr int kNumKeys = 3;
constexpr int kMaxReadiesInARow = 1000;
constexpr uint64_t kMaxConvergeDeliveries = 2'000'000;  // messages, over the whole final convergence

struct SimNode {
  NodeId id = kNoNode;
  std::unique_ptr<Raft> raft;
  bool up = true;
  // A replacement for a wiped node, started empty. It is given the group's bootstrap configuration
  // (the one the log starts from) unless SimOptions::joiner_empty_conf.
  bool joiner = false;
  // Durable storage: what Ready handling persisted ("synced").
  HardState hs;
  Snapshot snap;
  std::vector<Entry> log;  // entries after snap.meta.index
  // Volatile: the state machine (rebuilt from the snapshot on restart) and waiting clients.
  KvStateMachine sm;
  std::map<std::pair<uint64_t, uint64_t>, int> write_waits;  // (client id, seq) -> client
  struct ReadWait {
    int client;
    Index index = 0;
    bool ready = false;
  };
  std::map<std::string, ReadWait> read_waits;  // ReadIndex context -> waiter
  std::optional<Ready> pending;  // async mode: handed out by GetReady, not yet synced
  Term pending_prev_term = 0;
};

struct Client {
  uint64_t id = 0;
  uint64_t seq = 0;
  bool busy = false;
  bool is_write = false;
  size_t op = 0;
  NodeId node = kNoNode;
  uint64_t deadline = 0;
  std::string key, value, ctx;
};

class Simulation {
 public:
  explicit Simulation(const SimOptions& o) : opts_(o), rng_(o.seed * 0x9e3779b97f4a7c15ULL + o.nodes) {
    pre_vote_ = rng_.Chance(3, 4);
    check_quorum_ = rng_.Chance(3, 4);
    max_size_ = rng_.Chance(1, 3) ? 1 : 64 + rng_.Uniform(512);  // 1: one entry per MsgApp
    max_inflight_ = 1 + rng_.Uniform(8);
    // A per-seed fault profile, so that some runs are calm and some are brutal.
    loss_pct_ = rng_.Uniform(4) == 0 ? 0 : 1 + rng_.Uniform(20);
    dup_pct_ = rng_.Uniform(6);
    crash_permille_ = 1 + rng_.Uniform(8);
    partition_permille_ = rng_.Uniform(12);
    async_ready_ = rng_.Chance(1, 2);
    ready_crash_permille_ = rng_.Chance(1, 2) ? 0 : 1 + rng_.Uniform(10);
    wipe_permille_ = rng_.Chance(1, 3) ? 1 + rng_.Uniform(3) : 0;
    uint64_t sc = rng_.Uniform(8);
    scenario_ = sc == 0 ? Scenario::kFigure8 : sc == 1 ? Scenario::kWipeTrap : Scenario::kNone;
    if (o.scenario != Scenario::kRandom) scenario_ = o.scenario;
    scenario_step_ = 100 + rng_.Uniform(std::max(1, o.steps / 2));
    // Figure 8 needs the old-term entry acknowledged without the new leader's no-op behind it.
    if (scenario_ == Scenario::kFigure8) max_size_ = 1;
    // With disk loss, a 2-voter group that loses one is stuck for good: keep 3 voters or more
    // (the replacement's removal/add/promote goes below that, one wipe at a time).
    if (wipe_permille_ > 0 || scenario_ == Scenario::kWipeTrap) min_voters_ = 3;
    else min_voters_ = o.nodes == 3 ? 2 : 3;
    next_id_ = o.nodes + 1;
    for (int i = 1; i <= o.nodes; i++) conf_.voters.push_back(i);
    checker_.SetBootstrapConf(conf_);
    for (int i = 1; i <= o.nodes; i++) {
      nodes_[i].id = i;
      StartNode(nodes_[i]);
    }
    for (int i = 0; i < kNumClients; i++) clients_.push_back(Client{static_cast<uint64_t>(i + 1), 0, false, false, 0, kNoNode, 0, "", "", ""});
  }

  SimResult Run() {
    Trace(0, 0, 0, 0);
    for (now_ = 1; now_ <= static_cast<uint64_t>(opts_.steps) && checker_.ok() && res_.error.empty(); now_++) {
      if (now_ == scenario_step_ && scenario_ == Scenario::kFigure8) Figure8();
      if (now_ == scenario_step_ && scenario_ == Scenario::kWipeTrap) WipeTrap();
      RandomEvent();
      CheckStep();
    }
    if (checker_.ok() && res_.error.empty()) Converge();
    if (checker_.ok() && res_.error.empty()) {
      std::string err = history_.Check();
      if (!err.empty()) Fail("linearizability: " + err);
    }
    res_.ok = checker_.ok() && res_.error.empty();
    if (!checker_.ok() && res_.error.empty()) res_.error = checker_.error();
    res_.trace_hash = hash_;
    res_.committed = checker_.max_applied();
    res_.ops_completed = history_.completed();
    return res_;
  }

 private:
  // ---- Nodes --------------------------------------------------------------------------------
  void StartNode(SimNode& n) {
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

  void Crash(SimNode& n) {
    Trace(10, n.id, 0, 0);
    n.up = false;
    n.raft.reset();
    n.pending.reset();  // never synced: lost, and its messages were never sent
    n.sm = KvStateMachine();
    n.write_waits.clear();
    n.read_waits.clear();
    res_.crashes++;
  }

  // Synchronous mode: GetReady and handle it at once. Asynchronous mode (like a server with a
  // storage thread): GetReady now, and only a later event completes the sync; meanwhile the node
  // keeps stepping messages, ticking and accepting proposals, and a crash drops the Ready. In
  // async mode a leader's replication messages are sent before its sync (see StartReady).
  //
  // Either way the messages are split by the server's own rule (raft/ready_order.h): those it
  // may send before the persist step go out at once, the rest wait for FinishReady. A crash may
  // hit right after the early sends (nothing persisted) or right after the persist (the held
  // messages are lost, nothing is applied).
  void HandleReady(SimNode& n) {
    if (n.pending) return FinishReady(n);
    StartReady(n);
    if (n.up && !async_ready_) FinishReady(n);
  }
  void StartReady(SimNode& n) {
    n.pending = n.raft->GetReady();
    Ready& rd = *n.pending;
    ReadySends sends = SplitReadyMessages(rd, n.raft->role() == Role::kLeader);
    for (Message& m : sends.now) Send(n, std::move(m));
    rd.messages = std::move(sends.after_persist);
    n.pending_prev_term = rd.entries.empty() ? 0 : n.raft->TermAt(rd.entries.front().index - 1).value_or(0);
    Trace(15, n.id, rd.entries.size(), rd.committed_entries.size());
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
  void Send(const SimNode& n, Message&& m) {
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
  bool ReadyCrash() { return !calm_ && ready_crash_permille_ > 0 && rng_.Chance(ready_crash_permille_, 1000); }
  bool NeedsReady(SimNode& n) { return n.up && (n.pending || n.raft->HasReady()); }
  // Handles n's Readies until it has none (true if there was any). Without new input a healthy
  // core runs dry within a few Readies; one that does not is livelocked, which fails the run
  // rather than hanging it.
  bool DrainReadies(SimNode& n) {
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
  void FinishReady(SimNode& n) {
    Ready rd = std::move(*n.pending);
    n.pending.reset();
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
      checker_.OnPersist(n.id, n.pending_prev_term, rd.entries);
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
    for (const Entry& e : rd.committed_entries) {
      if (e.index != n.sm.applied() + 1) Fail("apply: gap at node " + std::to_string(n.id));
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

  // ---- Network ------------------------------------------------------------------------------
  void DeliverOne(size_t i, bool lossy) {
    Message m = std::move(net_[i]);
    net_[i] = std::move(net_.back());
    net_.pop_back();
    bool drop = cut_.count({m.from, m.to}) > 0 || (lossy && rng_.Chance(loss_pct_, 100));
    auto to = nodes_.find(m.to);
    if (to == nodes_.end() || !to->second.up) drop = true;
    if (!drop && lossy && rng_.Chance(dup_pct_, 100)) net_.push_back(m);  // duplicate
    Deliver(std::move(m), drop);
  }
  // Delivers m to its (up) destination, or drops it; a sender of a snapshot learns the outcome.
  void Deliver(Message&& m, bool drop) {
    auto to = nodes_.find(m.to);
    if (to == nodes_.end() || !to->second.up) drop = true;
    Trace(1, m.from * 16 + m.to, static_cast<uint64_t>(m.type) * 1000003 + m.index, m.term + (drop ? 1u << 31 : 0));
    if (m.type == MessageType::kSnapshot) {
      auto from = nodes_.find(m.from);  // gone if it was wiped since
      if (from != nodes_.end() && from->second.up) from->second.raft->ReportSnapshot(m.to, !drop);
      if (!drop) res_.snapshots_sent++;
    }
    if (drop) return;
    (void)to->second.raft->Step(std::move(m));
  }

  void Partition() {
    cut_.clear();
    int kind = rng_.Uniform(3);
    std::vector<NodeId> ids;
    for (auto& [id, n] : nodes_) ids.push_back(id);
    if (kind == 0) {  // isolate one node
      NodeId x = ids[rng_.Uniform(ids.size())];
      for (NodeId y : ids) {
        if (y != x) cut_.insert({x, y}), cut_.insert({y, x});
      }
    } else if (kind == 1) {  // random bipartition
      std::set<NodeId> side;
      for (NodeId id : ids) {
        if (rng_.Chance(1, 2)) side.insert(id);
      }
      for (NodeId a : ids)
        for (NodeId b : ids)
          if (side.count(a) != side.count(b)) cut_.insert({a, b});
    } else {  // one-way cuts
      int k = 1 + rng_.Uniform(3);
      for (int i = 0; i < k; i++) {
        NodeId a = ids[rng_.Uniform(ids.size())], b = ids[rng_.Uniform(ids.size())];
        if (a != b) cut_.insert({a, b});
      }
    }
    Trace(12, kind, cut_.size(), 0);
  }

  // ---- Workload -----------------------------------------------------------------------------
  SimNode* Leader() {
    SimNode* best = nullptr;
    for (auto& [id, n] : nodes_) {
      if (n.up && n.raft->role() == Role::kLeader && (!best || n.raft->term() > best->raft->term())) best = &n;
    }
    return best;
  }

  SimNode* RandomUpNode() {
    std::vector<SimNode*> up;
    for (auto& [id, n] : nodes_) {
      if (n.up) up.push_back(&n);
    }
    return up.empty() ? nullptr : up[rng_.Uniform(up.size())];
  }

  void SubmitWrite(Client& c, SimNode& n) {
    c.node = n.id;
    c.deadline = now_ + kClientTimeout;
    Status st = n.raft->Propose(EncodePut(c.id, c.seq, KvPut{c.key, c.value}));
    if (st.ok()) {
      n.write_waits[{c.id, c.seq}] = static_cast<int>(c.id - 1);
      c.busy = true;
    } else {
      c.busy = false;  // if an earlier attempt exists it stays pending in the history
    }
  }

  void ClientEvent() {
    int ci = rng_.Uniform(clients_.size());
    Client& c = clients_[ci];
    if (c.busy) return;
    SimNode* n = nullptr;
    uint64_t pick = rng_.Uniform(10);
    if (pick < 5) {
      n = Leader();  // the current leader
    } else if (pick < 8) {
      // A client with a cached, possibly stale, view: any node that believes it leads.
      std::vector<SimNode*> leaders;
      for (auto& [id, x] : nodes_) {
        if (x.up && x.raft->role() == Role::kLeader) leaders.push_back(&x);
      }
      if (!leaders.empty()) n = leaders[rng_.Uniform(leaders.size())];
    }
    if (!n) n = RandomUpNode();
    if (!n) return;
    c.is_write = rng_.Chance(1, 2);
    c.key = "k" + std::to_string(rng_.Uniform(kNumKeys));
    Trace(20, c.id, n->id, c.is_write);
    if (c.is_write) {
      c.seq++;
      c.value = "c" + std::to_string(c.id) + "s" + std::to_string(c.seq);
      c.op = history_.Invoke(true, c.key, c.value, now_);
      SubmitWrite(c, *n);
      if (!c.busy) history_.Fail(c.op);  // refused outright: it never entered any log
    } else {
      c.op = history_.Invoke(false, c.key, std::nullopt, now_);
      c.ctx = "n" + std::to_string(n->id) + "c" + std::to_string(c.id) + "r" + std::to_string(now_);
      c.node = n->id;
      c.deadline = now_ + kClientTimeout;
      if (n->raft->ReadIndex(c.ctx).ok()) {
        n->read_waits[c.ctx] = SimNode::ReadWait{ci};
        c.busy = true;
      } else {
        history_.Fail(c.op);
      }
    }
  }

  void ClientTimeouts() {
    for (Client& c : clients_) {
      if (!c.busy || now_ < c.deadline) continue;
      auto old = nodes_.find(c.node);  // gone if it was wiped
      if (old != nodes_.end()) {
        old->second.write_waits.erase({c.id, c.seq});
        old->second.read_waits.erase(c.ctx);
      }
      c.busy = false;
      Trace(21, c.id, c.is_write, 0);
      // A timed-out write stays pending (it may still commit). Half the time the client retries
      // it with the same (client, seq) elsewhere: de-duplication must keep it at most once.
      if (c.is_write && rng_.Chance(1, 2)) {
        SimNode* n = Leader();
        if (n) SubmitWrite(c, *n);
      }
    }
  }

  // ---- Admin: compaction, membership, transfer ----------------------------------------------
  void CompactEvent() {
    SimNode* n = RandomUpNode();
    if (!n) return;
    Index applied = n->sm.applied();
    if (applied < n->raft->first_index() + 10) return;
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

  void MembershipEvent() {
    SimNode* l = Leader();
    if (!l) return;
    const ConfState& conf = l->raft->conf();
    std::vector<NodeId> outside;
    for (auto& [id, n] : nodes_) {
      if (!IsVoter(conf, id) && !IsLearner(conf, id)) outside.push_back(id);
    }
    size_t min_voters = min_voters_;
    ConfChange cc;
    int choice = rng_.Uniform(3);
    if (choice == 0 && !outside.empty()) {
      cc = ConfChange{ConfChangeType::kAddLearner, outside[rng_.Uniform(outside.size())], ""};
    } else if (choice == 1 && !conf.learners.empty()) {
      cc = ConfChange{ConfChangeType::kAddNode, conf.learners[rng_.Uniform(conf.learners.size())], ""};
    } else if (choice == 2 && conf.voters.size() > min_voters) {
      cc = ConfChange{ConfChangeType::kRemoveNode, conf.voters[rng_.Uniform(conf.voters.size())], ""};
    } else {
      return;
    }
    if (l->raft->ProposeConfChange(cc).ok()) {
      res_.conf_changes++;
      Trace(31, l->id, static_cast<int>(cc.type), cc.node_id);
    }
  }

  void TransferEvent() {
    SimNode* l = Leader();
    if (!l) return;
    const auto& voters = l->raft->conf().voters;
    NodeId to = voters[rng_.Uniform(voters.size())];
    if (to != l->id && l->raft->TransferLeadership(to).ok()) Trace(32, l->id, to, 0);
  }

  // ---- Disk loss ----------------------------------------------------------------------------
  static bool IsMember(const ConfState& c, NodeId id) { return IsVoter(c, id) || IsLearner(c, id); }

  // Node `id` loses its durable state. The server's policy: it never comes back under its old
  // id; a replacement with a new id joins empty, and the leader removes the old id, adds the new
  // one as a learner and promotes it once caught up (AdminEvent). One wipe at a time, and only
  // while the leader has 3 voters or more, so a quorum of intact voters always remains.
  void Wipe(NodeId id) {
    SimNode& n = nodes_.at(id);
    Trace(16, id, opts_.wipe_keeps_id, 0);
    res_.wipes++;
    if (n.up) Crash(n);
    if (opts_.wipe_keeps_id) {  // MUTATION: back under the old id with nothing (restart event)
      n.hs = HardState();
      n.snap = Snapshot();
      n.log.clear();
      return;
    }
    nodes_.erase(id);
    NodeId fresh = next_id_++;
    SimNode& m = nodes_[fresh];
    m.id = fresh;
    m.joiner = true;
    StartNode(m);
    admin_.push_back({ConfChangeType::kRemoveNode, id});
    admin_.push_back({ConfChangeType::kAddLearner, fresh});
    admin_.push_back({ConfChangeType::kAddNode, fresh});
  }

  // A disk may be lost only while the group could survive it: no replacement in progress, 3
  // voters or more, every voter up, caught up and agreeing on the configuration, and no
  // configuration change in flight. (Losing a disk while, say, a just-promoted voter is still
  // empty, or while the survivors do not yet know the latest configuration committed, can leave
  // no quorum of intact voters: a real outage, not a bug.)
  bool MayWipe() {
    SimNode* l = Leader();
    if (!l || !admin_.empty()) return false;
    const Raft& r = *l->raft;
    const ConfState& c = r.conf();
    if (c.voters.size() < 3) return false;
    for (NodeId v : c.voters) {
      auto it = nodes_.find(v);
      if (it == nodes_.end() || !it->second.up || it->second.raft->conf() != c) return false;
      const Progress* pr = r.GetProgress(v);
      if (!pr || pr->match < r.commit_index()) return false;
    }
    for (Index i = r.commit_index() + 1; i <= r.last_index(); i++) {
      if (r.log().At(i).type == EntryType::kConfChange) return false;
    }
    return true;
  }

  void WipeEvent() {
    if (!MayWipe()) return;
    std::vector<NodeId> ids;
    for (auto& [id, n] : nodes_) ids.push_back(id);
    Wipe(ids[rng_.Uniform(ids.size())]);
  }

  // The harness's administrator: drives the queued membership changes through the leader, as the
  // server does (each one is done once some leader's committed configuration shows it).
  void AdminEvent() {
    if (admin_.empty()) return;
    SimNode* l = Leader();
    if (!l) return;
    const ConfState& conf = l->raft->conf();
    const AdminOp op = admin_.front();
    bool done = op.type == ConfChangeType::kRemoveNode ? !IsMember(conf, op.id)
                : op.type == ConfChangeType::kAddLearner ? IsMember(conf, op.id)
                                                          : IsVoter(conf, op.id);
    if (done) {
      admin_.pop_front();
      Trace(34, static_cast<int>(op.type), op.id, 0);
      return;
    }
    if (op.type == ConfChangeType::kAddNode) {  // promote only once caught up
      const Progress* pr = l->raft->GetProgress(op.id);
      if (!pr || pr->match + 5 < l->raft->commit_index()) return;
    }
    if (l->raft->ProposeConfChange(ConfChange{op.type, op.id, ""}).ok()) {
      res_.conf_changes++;
      Trace(33, l->id, static_cast<int>(op.type), op.id);
    }
  }

  // ---- Targeted scenarios -------------------------------------------------------------------
  // Scripted stretches of adversarial scheduling. They use only what the random schedule could
  // do (crashes, restarts, message loss, ticks, a node's own campaign); they just pick the
  // worst moment on purpose. If the cluster does not play along (a node that should win an
  // election does not), the scenario gives up and the random schedule resumes.
  using Filter = std::function<bool(const Message&)>;
  static bool IsVoteMsg(const Message& m) {
    return m.type == MessageType::kVote || m.type == MessageType::kVoteResp || m.type == MessageType::kPreVote ||
           m.type == MessageType::kPreVoteResp;
  }

  // Runs the nodes not in `frozen` without random faults: handles their Readies, delivers the
  // messages `pass` accepts between them, drops every other message, and ticks them every
  // `tick_every` rounds (0: never; then it stops as soon as nothing happens).
  void Settle(const Filter& pass, const std::set<NodeId>& frozen, int rounds, int tick_every = 0) {
    for (int i = 0; i < rounds && checker_.ok(); i++) {
      bool work = false;
      for (auto& [id, n] : nodes_) {
        if (frozen.count(id)) continue;
        work |= DrainReadies(n);
      }
      std::vector<Message> msgs;
      msgs.swap(net_);
      for (Message& m : msgs) {
        bool ok = pass(m) && !frozen.count(m.from) && !frozen.count(m.to);
        work |= ok;
        Deliver(std::move(m), !ok);
      }
      if (tick_every > 0 && i % tick_every == 0) {
        for (auto& [id, n] : nodes_) {
          if (n.up && !frozen.count(id)) n.raft->Tick();
        }
      }
      CheckStep();
      if (!work && tick_every == 0) break;
    }
  }
  static bool All(const Message&) { return true; }
  static bool None(const Message&) { return false; }

  void Restart(SimNode& n) {
    if (n.up) return;
    StartNode(n);
    Trace(13, n.id, 0, 0);
  }

  // Everyone up, no cuts, a leader with everything committed (or nullptr).
  SimNode* Calm() {
    cut_.clear();
    for (auto& [id, n] : nodes_) Restart(n);
    for (int i = 0; i < 40 && checker_.ok(); i++) {
      Settle(All, {}, 30, 3);
      SimNode* l = Leader();
      if (l && l->raft->commit_index() == l->raft->last_index()) return l;
    }
    return nullptr;
  }

  // Node z wins an election among the nodes not in `frozen`, if it can: everyone's election
  // timer runs out (messages dropped meanwhile, as a flaky network would), then z campaigns and
  // only the vote traffic gets through.
  // A few attempts: a first campaign may only teach z the voters' newer term (a pre-vote for a
  // term the voters already voted in is refused).
  bool Elect(NodeId z, const std::set<NodeId>& frozen) {
    for (int attempt = 0; attempt < 4; attempt++) {
      for (int i = 0; i < 10; i++) Settle(None, frozen, 1, 1);  // election_tick = 10
      SimNode& n = nodes_.at(z);
      if (!n.up) return false;
      n.raft->Campaign();
      Settle(IsVoteMsg, frozen, 50);
      if (n.up && n.raft->role() == Role::kLeader) return true;
    }
    return false;
  }

  // A write from an idle client, proposed at node n (false if no client is idle).
  bool ScenarioWrite(SimNode& n) {
    for (Client& c : clients_) {
      if (c.busy) continue;
      c.is_write = true;
      c.key = "k" + std::to_string(rng_.Uniform(kNumKeys));
      c.seq++;
      c.value = "c" + std::to_string(c.id) + "s" + std::to_string(c.seq);
      c.op = history_.Invoke(true, c.key, c.value, now_);
      SubmitWrite(c, n);
      if (!c.busy) history_.Fail(c.op);
      return c.busy;
    }
    return false;
  }

  // n's voters, or nothing while a replacement is being brought in (a voter may not exist).
  std::vector<NodeId> VotersOf(const SimNode& n) const {
    std::vector<NodeId> v = n.raft->conf().voters;
    for (NodeId id : v) {
      if (!nodes_.count(id) || !admin_.empty()) return {};
    }
    return v;
  }

  // Raft paper Figure 8. A (term t) appends X alone and crashes; C wins term t+1 without X,
  // persists its no-op alone and crashes; A comes back, wins again and replicates X -- and only X,
  // not its new no-op -- to a majority, then crashes. Committing X now (it is of term t, not the
  // current term) would be the bug: C comes back, wins with its newer last term and overwrites X.
  void Figure8() {
    calm_ = true;
    res_.scenarios_started++;
    Trace(40, 0, 0, 0);
    Figure8Script();
    calm_ = false;
  }
  void Figure8Script() {
    SimNode* a = Calm();
    if (!a) return;
    NodeId ida = a->id;
    std::vector<NodeId> others;
    for (NodeId v : VotersOf(*a)) {
      if (v != ida) others.push_back(v);
    }
    if (others.size() < 2) return;
    NodeId idc = others[rng_.Uniform(others.size())];
    std::set<NodeId> all_but_a;
    for (auto& [id, n] : nodes_) {
      if (id != ida) all_but_a.insert(id);
    }
    // 1. X on A alone.
    if (!ScenarioWrite(*a)) return;
    Settle(None, all_but_a, 5);
    Index x = a->raft->last_index();
    Crash(*a);
    // 2. C wins without X, persists its no-op alone, crashes.
    if (!Elect(idc, {ida})) return;
    std::set<NodeId> all_but_c;
    for (auto& [id, n] : nodes_) {
      if (id != idc) all_but_c.insert(id);
    }
    Settle(None, all_but_c, 5);
    Crash(nodes_.at(idc));
    // 3. A comes back and wins (its log ends with X, of the highest term anyone live has).
    Restart(nodes_.at(ida));
    if (!Elect(ida, {idc})) return;
    // Replicate up to X (one entry per MsgApp in this profile), never A's new no-op: appends the
    // follower will reject (probes) pass, so A backs up to X; appends carrying the no-op are lost.
    auto up_to_x = [this, x](const Message& m) {
      if (m.type == MessageType::kApp) {
        if (m.entries.empty() || m.entries.back().index <= x) return true;
        auto to = nodes_.find(m.to);
        return to != nodes_.end() && to->second.up && !to->second.raft->log().MatchTerm(m.index, m.log_term);
      }
      return m.type == MessageType::kAppResp || m.type == MessageType::kHeartbeat ||
             m.type == MessageType::kHeartbeatResp;
    };
    Settle(up_to_x, {idc}, 30, 2);  // ticks: heartbeats unpause the probes the election dropped
    Crash(nodes_.at(ida));
    // 4. C comes back and wins with its newer last term.
    Restart(nodes_.at(idc));
    if (!Elect(idc, {ida})) return;
    res_.scenarios_completed++;
    Settle(All, {ida}, 20);
  }

  // docs/testing.md's disk-loss trap: pause F2, commit on L+F1, wipe F1 and restart it, kill L,
  // resume F2. With 5 nodes: pause 2 followers (P), commit on the other 3 (L, F1, F2), wipe F1,
  // kill L, resume P: P plus F1 is a majority that never saw the writes. Only the new-id policy
  // keeps F1 from voting as its old self.
  void WipeTrap() {
    calm_ = true;
    res_.scenarios_started++;
    Trace(41, 0, 0, 0);
    WipeTrapScript();
    calm_ = false;
  }
  void WipeTrapScript() {
    SimNode* l = Calm();
    if (!l || !MayWipe()) return;
    NodeId idl = l->id;
    std::vector<NodeId> followers;
    for (NodeId v : VotersOf(*l)) {
      if (v != idl) followers.push_back(v);
    }
    if (followers.size() < 2) return;
    for (size_t i = followers.size() - 1; i > 0; i--) std::swap(followers[i], followers[rng_.Uniform(i + 1)]);
    // Pause half the followers (rounded down): L and the others are a majority that commits;
    // once F1 is wiped and L down, the paused ones plus F1 are a majority that never saw it.
    size_t n_paused = followers.size() / 2;
    std::set<NodeId> paused(followers.begin(), followers.begin() + n_paused);
    NodeId idf1 = followers[n_paused];
    // Commit writes on L and the unpaused followers.
    int writes = 0;
    for (int i = 0; i < 3; i++) writes += ScenarioWrite(*l);
    if (writes == 0) return;
    Settle(All, paused, 40);
    if (!nodes_.at(idl).up || nodes_.at(idl).raft->role() != Role::kLeader) return;
    Wipe(idf1);
    NodeId f1 = opts_.wipe_keeps_id ? idf1 : next_id_ - 1;
    Restart(nodes_.at(f1));
    Crash(nodes_.at(idl));
    res_.scenarios_completed++;
    // Resume P; elections among P and F1 (whichever id it has now), L still down.
    Settle(All, {idl}, 300, 3);
  }

  // ---- The step -----------------------------------------------------------------------------
  void RandomEvent() {
    if (wipe_permille_ > 0 && rng_.Chance(wipe_permille_, 1000)) WipeEvent();
    AdminEvent();
    uint64_t r = rng_.Uniform(1000);
    if (r < 450) {
      int k = 1 + rng_.Uniform(4);
      for (int i = 0; i < k && !net_.empty(); i++) DeliverOne(rng_.Uniform(net_.size()), true);
    } else if (r < 600) {
      std::vector<SimNode*> ready;
      for (auto& [id, n] : nodes_) {
        if (NeedsReady(n)) ready.push_back(&n);
      }
      if (!ready.empty()) HandleReady(*ready[rng_.Uniform(ready.size())]);
    } else if (r < 700) {
      for (auto& [id, n] : nodes_) {
        if (n.up && rng_.Chance(19, 20)) n.raft->Tick();  // an occasional missed tick: clock skew
      }
      Trace(2, 0, 0, 0);
    } else if (r < 820) {
      ClientEvent();
    } else if (r < 820 + crash_permille_) {
      SimNode* n = rng_.Chance(1, 2) ? Leader() : nullptr;  // leaders' crashes are the interesting ones
      if (!n) n = RandomUpNode();
      if (n) Crash(*n);
    } else if (r < 835) {
      for (auto& [id, n] : nodes_) {
        if (!n.up) {
          StartNode(n);
          Trace(13, id, 0, 0);
          break;
        }
      }
    } else if (r < 835 + partition_permille_) {
      Partition();
    } else if (r < 838 + partition_permille_) {  // partitions last a few election timeouts
      cut_.clear();
      Trace(14, 0, 0, 0);
    } else if (r < 850) {
      // idle
    } else if (r < 870) {
      CompactEvent();
    } else if (r < 876) {
      MembershipEvent();
    } else if (r < 879) {
      TransferEvent();
    } else {
      for (auto& [id, n] : nodes_) {
        DrainReadies(n);
      }
    }
    ClientTimeouts();
    if (net_.size() > kMaxInFlight) DeliverOne(0, /*lossy=*/true);  // an overloaded link drops
  }

  void CheckStep() {
    std::vector<const Raft*> live;
    for (auto& [id, n] : nodes_) {
      if (n.up) {
        live.push_back(n.raft.get());
        res_.max_term = std::max(res_.max_term, n.raft->term());
        if (n.raft->role() == Role::kLeader && seen_leader_terms_.insert(n.raft->term()).second) res_.elections++;
      }
    }
    checker_.AfterStep(live);
  }

  // Heal everything, restart every node, run without faults until every member has applied
  // everything the leader committed (liveness), then compare the state machines.
  // Bounded: at most opts_.converge_rounds rounds and kMaxConvergeDeliveries messages, so a
  // broken core that never settles (or floods messages) fails with its seed instead of hanging.
  void Converge() {
    calm_ = true;
    cut_.clear();
    for (auto& [id, n] : nodes_) {
      if (!n.up) StartNode(n);
    }
    uint64_t deliveries = 0;
    auto drain_readies = [&]() {
      for (auto& [id, n] : nodes_) {
        DrainReadies(n);
      }
    };
    for (int iter = 0; iter < opts_.converge_rounds && checker_.ok(); iter++, now_++) {
      drain_readies();
      while (!net_.empty() && deliveries < kMaxConvergeDeliveries) {
        DeliverOne(0, /*lossy=*/false);
        deliveries++;
        drain_readies();
      }
      if (deliveries >= kMaxConvergeDeliveries) {
        return Fail("liveness: more than " + std::to_string(kMaxConvergeDeliveries) +
                    " messages while converging (seed " + std::to_string(opts_.seed) + "):" + DescribeNodes());
      }
      CheckStep();
      AdminEvent();
      if (iter % 3 == 0) {
        for (auto& [id, n] : nodes_) n.raft->Tick();
      }
      SimNode* l = Leader();
      if (!l || l->raft->commit_index() != l->raft->last_index() || !admin_.empty()) continue;
      const ConfState& conf = l->raft->conf();
      bool done = true;
      for (auto& [id, n] : nodes_) {
        if (!IsVoter(conf, id) && !IsLearner(conf, id)) continue;
        if (n.sm.applied() != l->raft->last_index() || NeedsReady(n)) done = false;
      }
      if (!done) continue;
      for (auto& [id, n] : nodes_) {
        if ((IsVoter(conf, id) || IsLearner(conf, id)) && n.sm.data() != l->sm.data()) {
          return Fail("state machines differ after convergence: node " + std::to_string(id));
        }
      }
      return;
    }
    if (checker_.ok()) {
      Fail("liveness: the cluster did not converge within " + std::to_string(opts_.converge_rounds) +
           " rounds after healing (seed " + std::to_string(opts_.seed) + "):" + DescribeNodes());
    }
  }

  std::string DescribeNodes() {
    std::string out;
    for (auto& [id, n] : nodes_) {
      const Raft& r = *n.raft;
      out += "\n  node " + std::to_string(id) + " " + RoleName(r.role()) + " term " + std::to_string(r.term()) +
             " lead " + std::to_string(r.leader()) + " vote " + std::to_string(r.voted_for()) + " log [" +
             std::to_string(r.first_index()) + "," + std::to_string(r.last_index()) + "] lastterm " +
             std::to_string(r.TermAt(r.last_index()).value_or(0)) + " commit " + std::to_string(r.commit_index()) +
             " applied " + std::to_string(n.sm.applied()) + " voters";
      for (NodeId v : r.conf().voters) out += " " + std::to_string(v);
      out += " learners";
      for (NodeId v : r.conf().learners) out += " " + std::to_string(v);
      for (const PeerStatus& p : r.PeerStatuses()) out += "\n    peer " + std::to_string(p.id) + " " + p.progress.ToString();
    }
    return out;
  }

  void Fail(const std::string& msg) {
    if (res_.error.empty()) res_.error = msg + " (step " + std::to_string(now_) + ")";
  }

  void Trace(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    uint64_t v[5] = {now_, a, b, c, d};
    hash_ = Fnv(v, sizeof(v), hash_);
    if (opts_.verbose) {
      std::fprintf(stderr, "%llu ev=%llu %llu %llu %llu\n", (unsigned long long)now_, (unsigned long long)a,
                   (unsigned long long)b, (unsigned long long)c, (unsigned long long)d);
    }
  }

  struct AdminOp {
    ConfChangeType type;
    NodeId id;
  };

  SimOptions opts_;
  Rng rng_;
  uint64_t ready_crash_permille_ = 0, wipe_permille_ = 0;
  size_t min_voters_ = 2;
  Scenario scenario_ = Scenario::kNone;
  uint64_t scenario_step_ = 0;
  bool calm_ = false;  // no crashes inside Ready handling (scenarios, final convergence)
  NodeId next_id_ = 1;
  std::deque<AdminOp> admin_;
  bool pre_vote_ = true, check_quorum_ = true, async_ready_ = false;
  size_t max_size_ = 256, max_inflight_ = 4;
  uint64_t loss_pct_ = 5, dup_pct_ = 3, crash_permille_ = 2, partition_permille_ = 5;
  ConfState conf_;
  std::map<NodeId, SimNode> nodes_;
  std::vector<Message> net_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  std::vector<Client> clients_;
  History history_;
  SafetyChecker checker_;
  Index global_applied_ = 0;
  std::set<Term> seen_leader_terms_;
  uint64_t now_ = 0;
  uint64_t hash_ = 1469598103934665603ULL;
  SimResult res_;
};

}  // namespace

namespace {
// A broken invariant inside the core aborts (REDRAFT_CHECK); the replay line must still appear.
char g_replay[128];
void OnAbort(int) {
  ssize_t n = write(2, g_replay, std::strlen(g_replay));
  (void)n;
}
}  // namespace

SimResult RunSimulation(const SimOptions& opts) {
  static bool installed = [] { return std::signal(SIGABRT, OnAbort) != SIG_ERR; }();
  (void)installed;
  std::snprintf(g_replay, sizeof(g_replay), "replay: raft_sim --seed %llu --nodes %d --steps %d\n",
                static_cast<unsigned long long>(opts.seed), opts.nodes, opts.steps);
  Simulation sim(opts);
  return sim.Run();
}

}  // namespace redraft::raft::sim
