// Raft: construction, role transitions, message dispatch and the Ready/Advance handshake.
// Elections are in raft_election.cc, replication in raft_replication.cc, ReadIndex and
// leadership transfer in raft_read.cc, membership and compaction in raft_membership.cc.
#include "raft/raft.h"

#include <algorithm>

#include "raft/quorum.h"

namespace redraft::raft {

const char* RoleName(Role r) {
  switch (r) {
    case Role::kFollower: return "follower";
    case Role::kPreCandidate: return "pre-candidate";
    case Role::kCandidate: return "candidate";
    case Role::kLeader: return "leader";
  }
  return "?";
}

Raft::Raft(Config config, RestoredState restored)
    : id_(config.id),
      group_(config.group),
      cfg_(std::move(config)),
      rng_(cfg_.seed ^ (id_ * 0x2545f4914f6cdd1dULL)),
      log_(std::move(restored.snapshot), std::move(restored.entries)) {
  REDRAFT_CHECK(id_ != kNoNode);
  REDRAFT_CHECK(cfg_.heartbeat_tick > 0 && cfg_.heartbeat_tick < cfg_.election_tick);
  REDRAFT_CHECK(cfg_.max_inflight_msgs > 0);
  const SnapshotMeta& meta = log_.snapshot().meta;
  conf_ = meta.conf;
  if (conf_.voters.empty() && conf_.learners.empty()) conf_ = cfg_.initial_conf;
  std::sort(conf_.voters.begin(), conf_.voters.end());
  std::sort(conf_.learners.begin(), conf_.learners.end());
  conf_history_[meta.index] = conf_;
  conf_scan_index_ = meta.index;

  const HardState& hs = restored.hard_state;
  current_term_ = hs.term;
  voted_for_ = hs.vote;
  // A persisted commit index is a promise made by some leader; it can never exceed what we hold.
  REDRAFT_CHECK(hs.commit <= log_.LastIndex());
  log_.CommitTo(std::max(hs.commit, meta.index));
  Index applied = std::max(restored.applied, meta.index);
  REDRAFT_CHECK(applied <= log_.committed());
  log_.AppliedTo(applied);
  BecomeFollower(current_term_, kNoNode);
  prev_hard_ = hard_state();
  prev_soft_ = SoftState{leader_, role_};
  AfterInput();  // replays committed conf changes after the snapshot
}

// ---- Role transitions ----------------------------------------------------------------------

void Raft::Reset(Term term) {
  if (term != current_term_) {
    REDRAFT_CHECK(term > current_term_);  // terms never go backwards
    current_term_ = term;
    voted_for_ = kNoNode;
  }
  leader_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  votes_.clear();
  progress_.clear();
  read_only_.Clear();
  pending_reads_.clear();
  read_round_in_flight_ = false;
}

void Raft::AddMissingProgress() {
  auto add = [&](NodeId id, bool learner) {
    if (progress_.count(id)) return;
    Progress pr(cfg_.max_inflight_msgs);
    pr.next = log_.LastIndex() + 1;
    pr.is_learner = learner;
    pr.recent_active = true;
    progress_.emplace(id, std::move(pr));
  };
  for (NodeId id : conf_.voters) add(id, false);
  for (NodeId id : conf_.learners) add(id, true);
}

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ = cfg_.election_tick + static_cast<int>(rng_.Uniform(cfg_.election_tick));
}

void Raft::BecomeFollower(Term term, NodeId leader) {
  Reset(term);
  step_ = &Raft::StepFollower;
  leader_ = leader;
  role_ = Role::kFollower;
}

void Raft::BecomePreCandidate() {
  REDRAFT_CHECK(role_ != Role::kLeader);
  // PreVote (dissertation §9.6): no term change and no vote, so a node that cannot win (e.g. it
  // was partitioned away) does not disrupt the cluster by bumping the term.
  step_ = &Raft::StepCandidate;
  votes_.clear();
  leader_ = kNoNode;
  role_ = Role::kPreCandidate;
}

void Raft::BecomeCandidate() {
  REDRAFT_CHECK(role_ != Role::kLeader);
  Reset(current_term_ + 1);
  step_ = &Raft::StepCandidate;
  voted_for_ = id_;
  role_ = Role::kCandidate;
}

void Raft::BecomeLeader() {
  REDRAFT_CHECK(role_ == Role::kCandidate);
  Reset(current_term_);
  step_ = &Raft::StepLeader;
  leader_ = id_;
  role_ = Role::kLeader;
  AddMissingProgress();  // Reset() emptied progress_: every member starts optimistic
  Progress& self = SelfProgress();
  self.match = log_.stable();  // the leader counts only what it has persisted
  self.BecomeReplicate();
  self.next = log_.LastIndex() + 1;
  // A conf change may be proposed only once this term's no-op is committed (the fix for the
  // single-server change bug described on raft-dev in 2015 / the dissertation errata).
  pending_conf_index_ = log_.LastIndex() + 1;
  // Commit only entries of the current term (Figure 8): append a no-op so earlier entries can be
  // committed indirectly through it.
  std::vector<Entry> noop(1);
  AppendEntries(std::move(noop));
  Log("became leader at term " + std::to_string(current_term_));
}

// ---- Inputs --------------------------------------------------------------------------------

void Raft::Tick() {
  if (divergence_) return;
  if (role_ == Role::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
  AfterInput();
}

Status Raft::Step(const Message& m) {
  Message copy = m;
  return Step(std::move(copy));
}

Status Raft::Step(Message&& m) {
  if (m.group != group_) return Status::InvalidArgument("message for another group");
  if (m.to != id_) return Status::InvalidArgument("message for another node");
  if (divergence_) return Status::OK();  // out of the group: see Divergence
  // Structural sanity (a peer bug or a corrupted frame must not trip our invariant checks):
  // entries are contiguous after (index, log_term), of non-decreasing terms <= the message term.
  Term prev_term = m.log_term;
  for (size_t i = 0; i < m.entries.size(); i++) {
    const Entry& e = m.entries[i];
    if (e.index != m.index + 1 + i || e.term < prev_term || e.term > m.term) {
      return Status::InvalidArgument("malformed entries in " + DescribeMessage(m));
    }
    prev_term = e.term;
  }
  if (m.type == MessageType::kSnapshot && !m.snapshot) return Status::InvalidArgument("snapshot missing");
  if (m.from == kNoNode || m.from == id_) return Status::InvalidArgument("bad sender");
  Status st = StepImpl(m);
  AfterInput();
  return st;
}

Status Raft::StepImpl(Message& m) {
  if (m.term > current_term_) {
    if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
      bool force = m.context == kCampaignTransfer;
      // Leader stickiness: with CheckQuorum, a node that heard from a live leader within the
      // minimum election timeout ignores vote requests, so a partitioned node cannot depose a
      // healthy leader just because its term is higher.
      bool in_lease = cfg_.check_quorum && leader_ != kNoNode && election_elapsed_ < cfg_.election_tick;
      if (!force && in_lease) return Status::OK();
    }
    if (m.type == MessageType::kPreVote) {
      // Never change our term in response to a PreVote.
    } else if (m.type == MessageType::kPreVoteResp && !m.reject) {
      // A granted pre-vote carries the future term; ours changes only when we really campaign.
    } else if (m.type == MessageType::kApp || m.type == MessageType::kHeartbeat ||
               m.type == MessageType::kSnapshot) {
      BecomeFollower(m.term, m.from);
    } else {
      BecomeFollower(m.term, kNoNode);
    }
  } else if (m.term < current_term_) {
    if (m.type == MessageType::kHeartbeat || m.type == MessageType::kApp) {
      // A stale leader (e.g. one whose term we out-grew while partitioned) learns our term and
      // steps down (Figure 2: AppendEntries is answered with currentTerm); without this it could
      // keep us from ever hearing a leader again. etcd answers only with CheckQuorum or PreVote
      // and relies on vote requests otherwise, but a node holding a stale configuration in which
      // the leader is a learner never sends it one (simulation seed 47131, both options off).
      Message resp;
      resp.type = MessageType::kAppResp;
      resp.to = m.from;
      Send(std::move(resp));
    } else if (m.type == MessageType::kPreVote || m.type == MessageType::kVote) {
      // Figure 2: a stale RequestVote is rejected with our term "for the candidate to update
      // itself". etcd stays silent for MsgVote; but then a candidate whose term is behind that
      // of a voter that never contacts it (e.g. one holding a stale configuration without it)
      // can stay behind for a long time, and the cluster cannot elect a leader meanwhile.
      Message resp;
      resp.type = m.type == MessageType::kVote ? MessageType::kVoteResp : MessageType::kPreVoteResp;
      resp.to = m.from;
      resp.reject = true;
      Send(std::move(resp));
    }
    return Status::OK();
  }

  if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
    HandleVoteRequest(m);
  } else {
    (this->*step_)(m);
  }
  return Status::OK();
}

void Raft::StepFollower(Message& m) {
  switch (m.type) {
    case MessageType::kApp:
      election_elapsed_ = 0;
      leader_ = m.from;
      HandleAppendEntries(m);
      break;
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      leader_ = m.from;
      HandleHeartbeat(m);
      break;
    case MessageType::kSnapshot:
      election_elapsed_ = 0;
      leader_ = m.from;
      HandleSnapshot(m);
      break;
    case MessageType::kTimeoutNow:
      Hup(/*transfer=*/true);
      break;
    case MessageType::kReadIndexResp:
      read_states_.push_back(ReadState{m.index, std::move(m.context)});
      break;
    default:
      break;
  }
}

void Raft::StepCandidate(Message& m) {
  MessageType my_resp = role_ == Role::kPreCandidate ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  switch (m.type) {
    case MessageType::kApp:
    case MessageType::kHeartbeat:
    case MessageType::kSnapshot:
      // A leader exists in our term (Figure 2: "if AppendEntries received from new leader:
      // convert to follower").
      BecomeFollower(m.term, m.from);
      StepFollower(m);
      break;
    case MessageType::kVoteResp:
    case MessageType::kPreVoteResp: {
      if (m.type != my_resp) break;
      votes_[m.from] = !m.reject;
      VoteResult r = QuorumVoteResult(conf_.voters, votes_);
      if (r == VoteResult::kWon) {
        if (role_ == Role::kPreCandidate) {
          CampaignImpl(/*pre_vote=*/false, /*transfer=*/false);
        } else {
          BecomeLeader();
          BcastAppend();
        }
      } else if (r == VoteResult::kLost) {
        BecomeFollower(current_term_, kNoNode);
      }
      break;
    }
    default:
      break;
  }
}

void Raft::StepLeader(Message& m) {
  switch (m.type) {
    case MessageType::kReadIndex:
      if (progress_.count(m.from)) HandleReadIndexRequest(m.from, std::move(m.context));
      return;
    case MessageType::kApp:
    case MessageType::kHeartbeat:
    case MessageType::kSnapshot:
      // Another leader in our own term would violate Election Safety.
      Log("ignoring " + DescribeMessage(m) + ": two leaders in one term?");
      return;
    default:
      break;
  }
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return;
  Progress& pr = it->second;
  switch (m.type) {
    case MessageType::kAppResp:
      pr.recent_active = true;
      HandleAppendResponse(m, pr);
      break;
    case MessageType::kHeartbeatResp:
      pr.recent_active = true;
      HandleHeartbeatResponse(m, pr);
      break;
    default:
      break;
  }
}

// ---- Ready ---------------------------------------------------------------------------------

bool Raft::HasReady() const {
  return SoftState{leader_, role_} != prev_soft_ || hard_state() != prev_hard_ ||
         log_.HasUnstableEntries() || log_.snapshot_to_hand_out() || !msgs_.empty() ||
         log_.HasNextCommittedEntries() || !read_states_.empty();
}

Ready Raft::GetReady() {
  Ready rd;
  SoftState ss{leader_, role_};
  if (ss != prev_soft_) {
    rd.soft_state = ss;
    prev_soft_ = ss;
  }
  HardState hs = hard_state();
  bool vote_or_term_changed = hs.term != prev_hard_.term || hs.vote != prev_hard_.vote;
  if (hs != prev_hard_) {
    rd.hard_state = hs;
    prev_hard_ = hs;
  }
  rd.entries = log_.UnstableEntries();
  log_.AcceptInProgress();
  if (log_.snapshot_to_hand_out()) rd.snapshot = log_.snapshot();
  log_.AcceptSnapshotInProgress();
  rd.must_sync = !rd.entries.empty() || rd.snapshot || (rd.hard_state && vote_or_term_changed);
  rd.committed_entries = log_.NextCommittedEntries(cfg_.max_committed_size_per_ready);
  if (!rd.committed_entries.empty()) log_.AcceptApplying(rd.committed_entries.back().index);
  rd.messages = std::move(msgs_);
  msgs_.clear();
  rd.read_states = std::move(read_states_);
  read_states_.clear();
  return rd;
}

std::vector<ReadState> Raft::TakeReadStates() {
  std::vector<ReadState> out = std::move(read_states_);
  read_states_.clear();
  return out;
}

void Raft::Advance(const Ready& rd) {
  if (rd.snapshot) {
    log_.StableSnapshotTo(rd.snapshot->meta.index);
    if (rd.snapshot->meta.index <= log_.committed()) log_.AppliedTo(rd.snapshot->meta.index);
  }
  if (!rd.entries.empty()) log_.StableTo(rd.entries.back().index, rd.entries.back().term);
  if (!rd.committed_entries.empty()) log_.AppliedTo(rd.committed_entries.back().index);
  if (role_ == Role::kLeader) UpdateSelfMatch();
  AfterInput();
}

// ---- Accessors and helpers -----------------------------------------------------------------

std::vector<PeerStatus> Raft::PeerStatuses() const {
  std::vector<PeerStatus> out;
  for (const auto& [id, pr] : progress_) out.push_back(PeerStatus{id, pr});
  return out;
}

const Progress* Raft::GetProgress(NodeId id) const {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

Progress& Raft::SelfProgress() {
  auto it = progress_.find(id_);
  REDRAFT_CHECK(it != progress_.end());
  return it->second;
}

void Raft::Send(Message m) {
  m.group = group_;
  m.from = id_;
  // Vote requests and responses set their own term (PreVote uses term + 1); everything else
  // carries our current term.
  if (m.term == 0) m.term = current_term_;
  msgs_.push_back(std::move(m));
}

void Raft::Log(const std::string& msg) const {
  if (cfg_.logger) cfg_.logger("[" + std::to_string(id_) + " t" + std::to_string(current_term_) + "] " + msg);
}

}  // namespace redraft::raft
