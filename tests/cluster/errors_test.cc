// The cluster's error replies are pinned byte for byte (clients and server/blocking.cc match on
// them), and every other Status renders as Redis's generic ERR.
#include "cluster/errors.h"

#include <gtest/gtest.h>

namespace redraft::cluster {
namespace {

TEST(ClusterErrors, RepliesAreUnchangedByteForByte) {
  EXPECT_EQ(ErrorReply(NoLeaderError()), "-CLUSTERDOWN The cluster is down: no leader is known\r\n");
  EXPECT_EQ(ErrorReply(UncertainError()),
            "-UNCERTAIN The write's outcome is unknown: no leader confirmed it within cluster-request-timeout\r\n");
  EXPECT_EQ(ErrorReply(ReadTimeoutError()),
            "-CLUSTERDOWN The cluster is down: no quorum confirmed the read in time\r\n");
  raft::Divergence d{.index = 12, .local_term = 3, .leader_term = 4, .leader = 2};
  EXPECT_EQ(ErrorReply(DivergedError(d)),
            "-DIVERGED This node's log conflicts with the leader's at index 12 (term 3 here, 4 at the leader); it "
            "stopped serving: use another node\r\n");
}

TEST(ClusterErrors, OtherStatusesAreErrAndStayOneLine) {
  EXPECT_EQ(ErrorText(Status::InvalidArgument("CLUSTER MEET must be sent to the leader")),
            "ERR CLUSTER MEET must be sent to the leader");
  EXPECT_EQ(ErrorText(Status::Aborted("CLUSTERDOWNx")), "ERR CLUSTERDOWNx");  // a code is a whole word
  EXPECT_EQ(ErrorReply(Status::IOError("bad\r\nline")), "-ERR bad  line\r\n");
}

}  // namespace
}  // namespace redraft::cluster
