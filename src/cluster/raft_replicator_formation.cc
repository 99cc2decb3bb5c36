// RaftReplicator's startup: the address book, the log and the identity bound to it, Raft's
// construction, and formation — how a node with an empty log finds its place (formation.h).
#include <spdlog/spdlog.h>

#include "cluster/raft_replicator.h"
#include "raft/conf_change.h"

namespace redraft::cluster {
namespace {

std::string HexString(uint64_t v) {
  char buf[17];
  snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

bool IsEmptyLog(const raft::RecoveredState& rec) {
  return rec.hard_state == raft::HardState{} && rec.entries.empty() && rec.snapshot.index == 0;
}

}  // namespace

Status RaftReplicator::LoadAddressBook() {
  auto loaded = NodeIdentity::Load(opts_.dir + "/nodes.conf");
  if (loaded.ok()) {
    identity_ = std::move(loaded).value();
    return Status::OK();
  }
  if (!loaded.status().IsNotFound()) return loaded.status();
  identity_.members = opts_.initial_members;
  if (!opts_.cluster_id.empty()) {
    identity_.cluster_id = opts_.cluster_id;
  } else if (!opts_.initial_members.empty()) {
    // Every statically configured node derives the same id from the same member list.
    uint64_t h = 1469598103934665603ull;
    for (auto& [id, a] : opts_.initial_members) {
      for (char c : std::to_string(id) + a.Encode()) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    }
    identity_.cluster_id = "c" + HexString(h);
  } else {
    identity_.cluster_id = opts_.join ? "joining" : "c" + HexString(RandomId());
  }
  return Status::OK();
}

MemberAddr RaftReplicator::SelfAddr() const {
  // Advertise the address the static configuration gives our slot (it may differ from `bind`,
  // e.g. 0.0.0.0), so that peers recognise it.
  uint64_t slot = opts_.initial_members.empty() ? 0 : ChooseSlot();
  MemberAddr a = slot ? opts_.initial_members.at(slot) : MemberAddr{opts_.bind, opts_.port, opts_.cluster_port};
  a.incarnation = incarnation_;
  return a;
}

uint64_t RaftReplicator::ChooseSlot() const {
  if (opts_.node_id && opts_.initial_members.count(opts_.node_id)) return opts_.node_id;
  MemberAddr self{opts_.bind, opts_.port, opts_.cluster_port};
  for (auto& [id, a] : opts_.initial_members) {
    if (a.SameAddress(self) || (a.port == opts_.port && (a.host == "127.0.0.1" || a.host == "localhost"))) return id;
  }
  return 0;
}

Status RaftReplicator::OpenLog(raft::RecoveredState* rec, bool* log_empty) {
  std::string dir = opts_.dir + "/log";
  raft::LogStoreOptions log_opts;
  log_opts.segment_bytes = opts_.segment_bytes;
  auto log = raft::LogStore::Open(dir, log_opts, rec);
  if (!log.ok()) return log.status();
  log_ = std::move(log).value();
  if (rec->dropped_bytes) spdlog::warn("log recovery: {}", rec->recovery_note);
  *log_empty = IsEmptyLog(*rec);

  bool is_static = !opts_.join && !opts_.initial_members.empty();
  if (is_static && opts_.node_id && !opts_.initial_members.count(opts_.node_id)) {
    return Status::InvalidArgument("cluster-node-id " + std::to_string(opts_.node_id) + " is not in cluster-members");
  }
  if (is_static && ChooseSlot() == 0) {
    return Status::InvalidArgument("this node's address is not in cluster-members; set cluster-node-id");
  }
  std::string path = dir + "/IDENTITY";
  auto li = LogIdentity::Load(path);
  if (!li.ok() && !li.status().IsNotFound()) return li.status();
  if (!li.ok()) {
    if (!*log_empty) {
      return Status::Corruption("the log in " + dir + " has no IDENTITY file, so this node cannot tell who wrote "
                                "it; to bring the node back, empty its whole data directory: it rejoins as a new node");
    }
    // A new log directory: a new incarnation. A static node starts out under its slot id; the
    // formation decides whether the cluster accepts that (formation.h).
    LogIdentity fresh;
    fresh.incarnation = RandomId();
    fresh.id = is_static ? ChooseSlot() : (opts_.node_id && !opts_.join ? opts_.node_id : RandomId());
    REDRAFT_RETURN_IF_ERROR(fresh.Save(path));
    li = fresh;
  }
  identity_.self_id = li->id;
  incarnation_ = li->incarnation;
  if (!opts_.join || identity_.members.count(identity_.self_id)) identity_.members[identity_.self_id] = SelfAddr();
  SaveIdentity();

  uint64_t applied = sm_->applied_index();
  if (applied < rec->snapshot.index) {
    return Status::Corruption("store applied index " + std::to_string(applied) + " is behind the log's snapshot " +
                              std::to_string(rec->snapshot.index) +
                              "; to bring the node back, empty its whole data directory: it rejoins as a new node");
  }
  return Status::OK();
}

Status RaftReplicator::StartRaft(raft::RecoveredState rec) {
  raft::Config cfg;
  cfg.id = identity_.self_id;
  cfg.group = kGroup;
  // No initial_conf: the membership is what the log and the snapshot say, from the bootstrap
  // entries on. A node with an empty log knows no voters and waits for the leader.
  cfg.election_tick = opts_.election_tick;
  cfg.heartbeat_tick = 1;
  cfg.seed = RandomId();
  cfg.logger = [](std::string_view line) { spdlog::debug("raft: {}", line); };

  uint64_t applied = sm_->applied_index();
  raft::RestoredState rs;
  rs.hard_state = rec.hard_state;
  rs.snapshot.meta = rec.snapshot;
  rs.entries = std::move(rec.entries);
  // Raft re-delivers committed entries the store already has; the state machine skips them.
  rs.applied = std::min<uint64_t>(applied, std::max<uint64_t>(rec.hard_state.commit, rec.snapshot.index));
  compaction_.Recovered(rec.snapshot.index);
  NoteStamp(sm_->store()->log_time_ms());
  NoteStamps(rs.entries);
  raft_ = std::make_unique<raft::Raft>(std::move(cfg), std::move(rs));
  durable_ = raft_->last_index();
  spdlog::info("raft node {} of cluster {}: {} voter(s), {} learner(s), log {}..{}, store applied {}",
               NodeIdHex(identity_.self_id), identity_.cluster_id, raft_->conf().voters.size(),
               raft_->conf().learners.size(), raft_->first_index(), raft_->last_index(), applied);
  // A lone voter need not wait for an election timeout.
  const auto& voters = raft_->conf().voters;
  if (voters.size() == 1 && voters[0] == identity_.self_id) raft_->Campaign();
  return Status::OK();
}

Status RaftReplicator::Bootstrap(const std::map<uint64_t, MemberAddr>& voters) {
  // Runs before any Ready was handed to the storage thread (raft_ is null): the loop owns log_.
  std::vector<raft::Entry> entries = BootstrapEntries(voters);
  raft::HardState hs{1, raft::kNoNode, entries.size()};
  REDRAFT_RETURN_IF_ERROR(log_->Append(entries));
  REDRAFT_RETURN_IF_ERROR(log_->SetHardState(hs));
  REDRAFT_RETURN_IF_ERROR(log_->Sync());
  for (auto& [id, a] : voters) identity_.members[id] = a;
  SaveIdentity();
  spdlog::info("bootstrapped cluster {} with {} voter(s)", identity_.cluster_id, voters.size());
  raft::RecoveredState rec;
  rec.hard_state = hs;
  rec.entries = std::move(entries);
  formation_.reset();
  if (transport_) transport_->SetAcceptUnknownSenders(false);
  return StartRaft(std::move(rec));
}

// ---------------------------------------------------------------------------------------------
// Formation

Probe RaftReplicator::SelfProbe() const {
  Probe p;
  p.id = identity_.self_id;
  p.incarnation = incarnation_;
  p.addr = SelfAddr();
  p.member = raft_ != nullptr;
  if (!raft_) return p;
  p.leader = raft_->leader();
  auto add = [&](uint64_t id, bool voter) {
    Probe::Member m;
    m.id = id;
    m.voter = voter;
    auto it = identity_.members.find(id);
    if (it != identity_.members.end()) m.addr = it->second;
    p.conf.push_back(std::move(m));
  };
  for (uint64_t id : raft_->conf().voters) add(id, true);
  for (uint64_t id : raft_->conf().learners) add(id, false);
  return p;
}

void RaftReplicator::FormationTick() {
  if (!formation_ || !transport_) return;
  std::string probe = SelfProbe().Encode();
  for (auto& [id, a] : formation_->slots()) {
    if (id != formation_->slot()) SendPeer(id, PeerKind::kProbe, probe);
  }
}

void RaftReplicator::OnProbe(uint64_t from, PeerKind kind, const std::string& payload) {
  auto p = Probe::Decode(payload);
  if (!p.ok()) {
    spdlog::warn("undecodable {} from {}: {}", PeerKindName(kind), NodeIdHex(from), p.status().ToString());
    return;
  }
  if (kind == PeerKind::kJoin) {  // a member forwarded a join request to us, the leader it knows
    HandleJoinRequest(*p);
    return;
  }
  if (kind == PeerKind::kProbe) SendPeer(from, PeerKind::kProbeReply, SelfProbe().Encode());
  if (raft_) {
    // A probe whose id is not the sender's slot comes from a node that took a new id: it asks to join.
    if (kind == PeerKind::kProbe && p->id != from) HandleJoinRequest(*p);
    return;
  }
  if (!formation_) return;
  // Members that rejoined under new ids answer under those: the configured slot is the one at
  // the address they give.
  uint64_t slot = from;
  for (auto& [id, a] : opts_.initial_members) {
    if (a.SameAddress(p->addr)) slot = id;
  }
  formation_->Observe(slot, *p);
  Formation::Decision d = formation_->Decide();
  switch (d.action) {
    case Formation::Action::kWait:
      return;
    case Formation::Action::kNewId: {
      uint64_t id = RandomId();
      while (opts_.initial_members.count(id)) id = RandomId();
      LogIdentity li{id, incarnation_};
      Status st = li.Save(opts_.dir + "/log/IDENTITY");
      if (!st.ok()) REDRAFT_PANIC("saving the log identity: " + st.ToString());
      spdlog::warn("the cluster knows slot {} with another data directory (this one was wiped or replaced): this "
                   "node rejoins as new node {}; the leader replaces the old member, then promotes this one",
                   formation_->slot(), NodeIdHex(id));
      identity_.members.erase(identity_.self_id);
      identity_.self_id = id;
      identity_.members[id] = SelfAddr();
      formation_->SetSelf(id);
      SaveIdentity();
      FormationTick();  // ask to join now
      return;
    }
    case Formation::Action::kBootstrap: {
      Status st = Bootstrap(d.book);
      if (!st.ok()) REDRAFT_PANIC("bootstrap failed: " + st.ToString());
      break;
    }
    case Formation::Action::kRun: {
      Status st = RunAfterFormation(d.book);
      if (!st.ok()) REDRAFT_PANIC("starting raft: " + st.ToString());
      break;
    }
  }
  SyncPeers();
  Pump();
}

Status RaftReplicator::RunAfterFormation(const std::map<uint64_t, MemberAddr>& book) {
  uint64_t slot = formation_->slot();
  for (auto& [id, a] : book) {
    if (id != identity_.self_id) identity_.members[id] = a;
  }
  formation_.reset();
  transport_->SetAcceptUnknownSenders(false);
  if (identity_.self_id != slot) transport_->SetSelfId(identity_.self_id);
  SaveIdentity();
  spdlog::info("cluster {} has this node as {}: waiting for the leader's log", identity_.cluster_id,
               NodeIdHex(identity_.self_id));
  return StartRaft(raft::RecoveredState{});
}

void RaftReplicator::HandleJoinRequest(const Probe& p) {
  if (!raft_ || p.id == raft::kNoNode) return;
  const raft::ConfState& conf = raft_->conf();
  if (raft::IsVoter(conf, p.id) || raft::IsLearner(conf, p.id)) return;
  if (raft_->role() != raft::Role::kLeader) {
    uint64_t leader = raft_->leader();
    if (leader != raft::kNoNode && leader != identity_.self_id) SendPeer(leader, PeerKind::kJoin, p.Encode());
    return;
  }
  // First remove the member at the joiner's address: the incarnation whose log was lost. It is
  // silent (the new one never answers as it), so it counts as a crashed voter until then.
  std::vector<uint64_t> ids = conf.voters;
  ids.insert(ids.end(), conf.learners.begin(), conf.learners.end());
  raft::ConfChange cc;
  cc.type = raft::ConfChangeType::kAddLearner;
  cc.node_id = p.id;
  for (uint64_t id : ids) {
    auto it = identity_.members.find(id);
    if (id == identity_.self_id || it == identity_.members.end() || !it->second.SameAddress(p.addr)) continue;
    // The same log directory is already a member under that id (a stale or replayed probe from
    // before it took its new id): nothing to replace.
    if (it->second.incarnation == p.addr.incarnation) return;
    cc.type = raft::ConfChangeType::kRemoveNode;
    cc.node_id = id;
    break;
  }
  if (cc.type == raft::ConfChangeType::kAddLearner) {
    cc.context = p.addr.Encode();
    identity_.members[p.id] = p.addr;
    SyncPeers();
  }
  Status st = raft_->ProposeConfChange(cc);
  if (st.ok()) {
    spdlog::info("node {} at {} asks to join: proposing to {} {}", NodeIdHex(p.id), p.addr.Encode(),
                 cc.type == raft::ConfChangeType::kRemoveNode ? "remove the old member" : "add it as learner",
                 NodeIdHex(cc.node_id));
  }
  Pump();
}

}  // namespace redraft::cluster
