#include "cluster/errors.h"

#include <string>

#include "resp/error_text.h"

namespace redraft::cluster {

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

// Rendered by resp/error_text.h, the renderer commands/ uses too (the code list lives there).
std::string ErrorText(const Status& st) { return resp::ErrorText(st); }

std::string ErrorReply(const Status& st) { return resp::ErrorReply(st); }

}  // namespace redraft::cluster
