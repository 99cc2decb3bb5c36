#include "cluster/errors.h"

#include <string_view>

#include "resp/reply_builder.h"

namespace redraft::cluster {

namespace {
// The code words a cluster error may start with (each followed by a space).
constexpr std::string_view kCodes[] = {"CLUSTERDOWN", "UNCERTAIN", "DIVERGED"};

bool HasCode(const std::string& msg) {
  for (std::string_view c : kCodes) {
    if (msg.size() > c.size() && msg.compare(0, c.size(), c) == 0 && msg[c.size()] == ' ') return true;
  }
  return false;
}
}  // namespace

Status NoLeaderError() { return Status::Aborted("CLUSTERDOWN The cluster is down: no leader is known"); }

Status UncertainError() {
  return Status::IOError("UNCERTAIN The write's outcome is unknown: no leader confirmed it within cluster-request-timeout");
}

Status ReadTimeoutError() {
  return Status::Aborted("CLUSTERDOWN The cluster is down: no quorum confirmed the read in time");
}

Status DivergedError(const raft::Divergence& d) {
  return Status::Corruption("DIVERGED This node's log conflicts with the leader's at index " + std::to_string(d.index) +
                            " (term " + std::to_string(d.local_term) + " here, " + std::to_string(d.leader_term) +
                            " at the leader); it stopped serving: use another node");
}

std::string ErrorText(const Status& st) { return HasCode(st.message()) ? st.message() : "ERR " + st.message(); }

std::string ErrorReply(const Status& st) {
  std::string out;
  resp::ReplyBuilder(&out).Error(ErrorText(st));
  return out;
}

}  // namespace redraft::cluster
