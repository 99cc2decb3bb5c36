// Linearizable reads (ReadIndex, dissertation §6.4) and leadership transfer (§3.10), plus the
// transport's feedback (unreachable peers, snapshot outcomes).
#include "raft/quorum.h"
#include "raft/raft.h"

namespace redraft::raft {

bool Raft::CommittedEntryInCurrentTerm() const { return log_.TermAt(log_.committed()) == current_term_; }

Status Raft::ReadIndex(std::string context) {
  Status st;
  if (role_ == Role::kLeader) {
    HandleReadIndexRequest(id_, std::move(context));
  } else if (role_ == Role::kFollower && leader_ != kNoNode) {
    Message m;
    m.type = MessageType::kReadIndex;
    m.to = leader_;
    m.context = std::move(context);
    Send(std::move(m));
  } else {
    st = Status::Aborted("no leader");
  }
  AfterInput();
  return st;
}

// Answers a ReadIndex request with the current commit index, no heartbeat round.
void Raft::ReleaseReadIndexNow(NodeId from, std::string context) {
  std::vector<ReadIndexStatus> done(1);
  done[0].index = log_.committed();
  done[0].from = from;
  done[0].context = std::move(context);
  ReleaseReadStates(std::move(done));
}

void Raft::HandleReadIndexRequest(NodeId from, std::string context) {
  if (conf_.voters.size() == 1 && conf_.voters[0] == id_) {
    // We are the only voter: our commit index is trivially current.
    ReleaseReadIndexNow(from, std::move(context));
    return;
  }
  if (!CommittedEntryInCurrentTerm()) {
    // §6.4 step 1: until this term's no-op commits, our commit index may be behind entries an
    // earlier leader committed. Hold the request until then.
    pending_reads_.emplace_back(from, std::move(context));
    return;
  }
  if (cfg_.read_only_option == ReadOnlyOption::kLeaseBased && cfg_.check_quorum) {
    ReleaseReadIndexNow(from, std::move(context));
    return;
  }
  std::string ctx = context;
  if (!read_only_.Add(log_.committed(), from, std::move(context))) return;
  // Batching: one heartbeat round at a time. Requests arriving while a round is in flight wait
  // for it to finish, then share the next round (see ReleaseReadStates); lost rounds are retried
  // by the periodic heartbeat, which always carries the newest pending context.
  if (!read_round_in_flight_) {
    read_round_in_flight_ = true;
    BcastHeartbeat(ctx);
  }
}

void Raft::ReleaseReadStates(std::vector<ReadIndexStatus>&& done) {
  for (ReadIndexStatus& st : done) {
    if (st.from == id_) {
      read_states_.push_back(ReadState{st.index, std::move(st.context)});
    } else {
      Message m;
      m.type = MessageType::kReadIndexResp;
      m.to = st.from;
      m.index = st.index;
      m.context = std::move(st.context);
      Send(std::move(m));
    }
  }
  read_round_in_flight_ = false;
  if (role_ == Role::kLeader && read_only_.Pending() > 0) {
    read_round_in_flight_ = true;
    BcastHeartbeat(read_only_.LastPendingContext());
  }
}

Status Raft::TransferLeadership(NodeId to) {
  if (role_ != Role::kLeader) return Status::Aborted("not leader");
  if (to == id_) return Status::InvalidArgument("already leader");
  if (!IsVoter(conf_, to)) return Status::InvalidArgument("transferee is not a voter");
  if (lead_transferee_ == to) return Status::OK();
  lead_transferee_ = to;
  election_elapsed_ = 0;  // the transfer is aborted if it takes longer than an election timeout
  Log("transferring leadership to " + std::to_string(to));
  if (progress_.at(to).match == log_.LastIndex()) {
    SendTimeoutNow(to);
  } else {
    SendAppend(to);
  }
  AfterInput();
  return Status::OK();
}

void Raft::SendTimeoutNow(NodeId to) {
  Message m;
  m.type = MessageType::kTimeoutNow;
  m.to = to;
  Send(std::move(m));
}

void Raft::ReportUnreachable(NodeId id) {
  if (role_ != Role::kLeader) return;
  auto it = progress_.find(id);
  if (it != progress_.end() && it->second.state == ProgressState::kReplicate) it->second.BecomeProbe();
}

void Raft::ReportSnapshot(NodeId id, bool success) {
  if (role_ != Role::kLeader) return;
  auto it = progress_.find(id);
  if (it == progress_.end() || it->second.state != ProgressState::kSnapshot) return;
  Progress& pr = it->second;
  if (!success) pr.pending_snapshot = 0;
  pr.BecomeProbe();
  // Wait for the next heartbeat response before probing again (etcd does the same).
  pr.probe_sent = true;
}

}  // namespace redraft::raft
