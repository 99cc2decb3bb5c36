// resp::ErrorText is the one Status -> error reply renderer (error_text.h): a bare message gets
// Redis's generic ERR code, a message that starts with a cluster reply code keeps it.
#include "resp/error_text.h"

#include <gtest/gtest.h>

#include "resp/reply_builder.h"

namespace redraft::resp {
namespace {

TEST(ErrorText, BareMessageIsErr) {
  EXPECT_EQ(ErrorText(Status::InvalidArgument("Unknown node abc")), "ERR Unknown node abc");
  EXPECT_EQ(ErrorText(Status::IOError("CLUSTER MEET must be sent to the leader")),
            "ERR CLUSTER MEET must be sent to the leader");
  EXPECT_EQ(ErrorReply(Status::Aborted("no leader is known")), "-ERR no leader is known\r\n");
}

TEST(ErrorText, ClusterCodesAreKeptAsWholeWords) {
  EXPECT_EQ(ErrorText(Status::Aborted("CLUSTERDOWN The cluster is down")), "CLUSTERDOWN The cluster is down");
  EXPECT_EQ(ErrorText(Status::IOError("UNCERTAIN x")), "UNCERTAIN x");
  EXPECT_EQ(ErrorText(Status::Corruption("DIVERGED y")), "DIVERGED y");
  EXPECT_EQ(ErrorText(Status::Aborted("CLUSTERDOWNx")), "ERR CLUSTERDOWNx");
  EXPECT_EQ(ErrorText(Status::Aborted("CLUSTERDOWN")), "ERR CLUSTERDOWN");  // a code needs a message
  EXPECT_EQ(ErrorText(Status::Aborted("clusterdown x")), "ERR clusterdown x");
}

TEST(ErrorText, ReplyIsOneLine) {
  EXPECT_EQ(ErrorReply(Status::IOError("bad\r\nline")), "-ERR bad  line\r\n");
  std::string rb;
  ReplyBuilder(&rb, 3).Error(ErrorText(Status::IOError("x")));
  EXPECT_EQ(rb, ErrorReply(Status::IOError("x")));  // RESP3 errors are the same bytes
}

}  // namespace
}  // namespace redraft::resp
