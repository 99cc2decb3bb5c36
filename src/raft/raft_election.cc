// Elections: ticks, PreVote, RequestVote handling, CheckQuorum (Figure 2 "Rules for Servers",
// dissertation §9.6 for PreVote and CheckQuorum).
#include "raft/quorum.h"
#include "raft/raft.h"

namespace redraft::raft {

bool Raft::Promotable() const { return IsVoter(conf_, id_) && !divergence_; }

void Raft::Campaign() {
  Hup(/*transfer=*/false);
  AfterInput();
}

void Raft::TickElection() {
  election_elapsed_++;
  // Figure 2 (followers): "If election timeout elapses without receiving AppendEntries from the
  // current leader or granting vote to candidate: convert to candidate."
  if (Promotable() && PastElectionTimeout()) {
    election_elapsed_ = 0;
    Hup(/*transfer=*/false);
  }
}

void Raft::TickHeartbeat() {
  heartbeat_elapsed_++;
  election_elapsed_++;
  if (election_elapsed_ >= cfg_.election_tick) {
    election_elapsed_ = 0;
    if (cfg_.check_quorum) {
      // CheckQuorum: a leader that has not heard from a majority within an election timeout
      // steps down, so a partitioned leader stops accepting writes and serving lease reads.
      bool active = QuorumActive(conf_.voters, [&](NodeId id) {
        if (id == id_) return true;
        auto it = progress_.find(id);
        return it != progress_.end() && it->second.recent_active;
      });
      if (!active) {
        Log("stepping down: no quorum heard from in an election timeout");
        BecomeFollower(current_term_, kNoNode);
        return;
      }
      for (auto& [id, pr] : progress_) {
        if (id != id_) pr.recent_active = false;
      }
    }
    if (lead_transferee_ != kNoNode) {
      Log("leadership transfer to " + std::to_string(lead_transferee_) + " timed out");
      AbortLeaderTransfer();
    }
  }
  if (role_ != Role::kLeader) return;
  if (heartbeat_elapsed_ >= cfg_.heartbeat_tick) {
    heartbeat_elapsed_ = 0;
    BcastHeartbeat(read_only_.LastPendingContext());
  }
}

void Raft::Hup(bool transfer) {
  if (role_ == Role::kLeader || !Promotable()) return;
  if (cfg_.pre_vote && !transfer) {
    CampaignImpl(/*pre_vote=*/true, false);
  } else {
    CampaignImpl(/*pre_vote=*/false, transfer);
  }
}

void Raft::CampaignImpl(bool pre_vote, bool transfer) {
  Term vote_term;
  if (pre_vote) {
    BecomePreCandidate();
    vote_term = current_term_ + 1;
  } else {
    BecomeCandidate();
    vote_term = current_term_;
  }
  Log(std::string(pre_vote ? "pre-campaign" : "campaign") + " for term " + std::to_string(vote_term) +
      (transfer ? " (transfer)" : ""));
  votes_[id_] = true;
  if (QuorumVoteResult(conf_.voters, votes_) == VoteResult::kWon) {
    // Single-voter group: we won outright.
    if (pre_vote) {
      CampaignImpl(false, transfer);
    } else {
      BecomeLeader();
    }
    return;
  }
  for (NodeId id : conf_.voters) {
    if (id == id_) continue;
    Message m;
    m.type = pre_vote ? MessageType::kPreVote : MessageType::kVote;
    m.to = id;
    m.term = vote_term;
    m.index = log_.LastIndex();
    m.log_term = log_.LastTerm();
    if (transfer) m.context = std::string(kCampaignTransfer);
    Send(std::move(m));
  }
}

void Raft::HandleVoteRequest(Message& m) {
  // Figure 2 RequestVote receiver: grant if we have not voted for someone else in this term and
  // the candidate's log is at least as up-to-date as ours (§5.4.1: this is what keeps a
  // candidate missing committed entries from winning). A pre-vote for a future term is granted
  // on the log check alone, without recording anything.
  bool can_vote = voted_for_ == m.from || (voted_for_ == kNoNode && leader_ == kNoNode) ||
                  (m.type == MessageType::kPreVote && m.term > current_term_);
  Message resp;
  resp.type = m.type == MessageType::kVote ? MessageType::kVoteResp : MessageType::kPreVoteResp;
  resp.to = m.from;
  if (can_vote && log_.IsUpToDate(m.index, m.log_term)) {
    resp.term = m.term;
    if (m.type == MessageType::kVote) {
      election_elapsed_ = 0;
      voted_for_ = m.from;  // persisted (HardState) before the response is sent (Ready rule)
    }
  } else {
    resp.reject = true;
  }
  Send(std::move(resp));
}

}  // namespace redraft::raft
