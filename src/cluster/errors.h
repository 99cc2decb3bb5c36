// Errors on the cluster paths (forwarding, read barriers, divergence, administration) are Status
// values; ErrorReply renders one as the RESP error a client receives. It is the one place in
// cluster/ that writes error bytes: nothing here builds "-...\r\n" by hand. Both delegate to
// resp/error_text.h, the one renderer every layer shares (commands/ cannot include cluster/).
//
// The replies a cluster node gives beyond Redis's own (README "Errors a client can get") are made
// by the functions below; their message starts with the error code word (CLUSTERDOWN, UNCERTAIN,
// DIVERGED), which ErrorText keeps. Any other Status renders as "ERR <message>", as Redis's
// generic errors do. The "not executed" reply (CLUSTERDOWN) is only ever given for commands that
// were not applied; UNCERTAIN only when the outcome could not be learned in time.
#pragma once

#include <string>

#include "common/status.h"
#include "raft/raft.h"

namespace redraft::cluster {

// CLUSTERDOWN, no leader: the request was never proposed (server/blocking.cc relies on it).
Status NoLeaderError();
// UNCERTAIN: a write was sent, and no leader confirmed its outcome within cluster-request-timeout.
Status UncertainError();
// CLUSTERDOWN, a read barrier got no quorum's confirmation in time (nothing was read).
Status ReadTimeoutError();
// DIVERGED: this node's committed log contradicts the leader's; it stopped serving.
Status DivergedError(const raft::Divergence& d);

// The error's text without the leading '-': "<CODE> <message>", CODE = ERR unless the message
// starts with one of the codes above. REQUIRES: !st.ok().
std::string ErrorText(const Status& st);
// The RESP error bytes for st ("-<ErrorText>\r\n", CR and LF in the text turned into spaces).
std::string ErrorReply(const Status& st);

}  // namespace redraft::cluster
