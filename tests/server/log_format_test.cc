#include "server/log_format.h"

#include <gtest/gtest.h>

namespace redraft::server {
namespace {

TEST(LogFormat, JsonLineHasEveryField) {
  SetLogContext(0xabc, 7, "leader");
  std::string line = JsonLogLine(1796623948123, "info", "raft: role leader term 7 leader x");
  EXPECT_EQ(line,
            "{\"time\":\"2026-12-07T06:12:28.123Z\",\"level\":\"info\",\"node\":\"0000000000000000000000000000000000000abc\","
            "\"term\":7,\"role\":\"leader\",\"component\":\"raft\",\"msg\":\"raft: role leader term 7 leader x\"}");
  SetLogContext(0, 0, "none");
}

TEST(LogFormat, EscapesControlCharactersAndQuotes) {
  std::string line = JsonLogLine(0, "warning", "a \"b\"\\\n\x01");
  EXPECT_NE(line.find("\"msg\":\"a \\\"b\\\"\\\\\\n\\u0001\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"node\":\"\""), std::string::npos) << line;  // unknown yet
}

TEST(LogFormat, Components) {
  EXPECT_EQ(LogComponent("raft: role follower"), "raft");
  EXPECT_EQ(LogComponent("membership: removed x at index 5"), "membership");
  EXPECT_EQ(LogComponent("installed snapshot at index 9"), "snapshot");
  EXPECT_EQ(LogComponent("snapshot transfer 1 to x delivered"), "snapshot");
  EXPECT_EQ(LogComponent("slow request: 12000 us 'SET k' from 127.0.0.1:5"), "slowlog");
  EXPECT_EQ(LogComponent("redraft ready to accept connections on 127.0.0.1:6379"), "server");
  EXPECT_EQ(LogComponent("CLUSTER MEET 1.2.3.4:5: refused"), "cluster");
}

}  // namespace
}  // namespace redraft::server
