// The HTTP layer's pure parts: request targets (decoding, traversal refusal), Basic credentials,
// RESP replies of the internal session and the fallback /metrics text.
#include <gtest/gtest.h>

#include "http/base64.h"
#include "http/fallback_metrics.h"
#include "http/http_server.h"
#include "http/resp_reply.h"

namespace redraft::http {
namespace {

TEST(Target, DecodesSegmentsAndQuery) {
  Request r;
  ASSERT_TRUE(ParseTarget("/v1/keys/a%2Fb%00c?match=us%2A+x&count=5", &r));
  ASSERT_EQ(r.segments.size(), 3u);
  EXPECT_EQ(r.segments[2], std::string("a/b\0c", 5));
  EXPECT_EQ(r.Query("match"), "us* x");
  EXPECT_EQ(r.Query("count"), "5");
  ASSERT_TRUE(ParseTarget("/", &r));
  EXPECT_TRUE(r.segments.empty());
  ASSERT_TRUE(ParseTarget("/v1/cluster/", &r));
  EXPECT_EQ(r.segments, (std::vector<std::string>{"v1", "cluster"}));
}

TEST(Target, RefusesTraversalAndMalformed) {
  Request r;
  for (const char* bad : {"/../etc/passwd", "/console/..", "/console/%2e%2e/x", "/a/./b", "/a/%2E/b", "x",
                          "http://h/x", "/a%zz", "/a%2", "/a#frag"}) {
    EXPECT_FALSE(ParseTarget(bad, &r)) << bad;
  }
}

TEST(Base64, RoundTripsAndRejects) {
  std::string out;
  ASSERT_TRUE(Base64Decode("ZGVmYXVsdDpzM2NyZXQ=", &out));
  EXPECT_EQ(out, "default:s3cret");
  EXPECT_EQ(Base64Encode("default:s3cret"), "ZGVmYXVsdDpzM2NyZXQ=");
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    ASSERT_TRUE(Base64Decode(Base64Encode(s), &out));
    EXPECT_EQ(out, s);
  }
  EXPECT_FALSE(Base64Decode("ab$c", &out));
  EXPECT_FALSE(Base64Decode("ab=c", &out));
}

TEST(RespReply, ParsesWholeRepliesOnly) {
  RespReply r;
  std::string in = "*3\r\n$3\r\nfoo\r\n:-7\r\n*-1\r\n";
  for (size_t n = 0; n < in.size(); n++) EXPECT_EQ(ParseRespReply(std::string_view(in).substr(0, n), &r), 0u) << n;
  ASSERT_EQ(ParseRespReply(in, &r), in.size());
  ASSERT_EQ(r.type, RespReply::kArray);
  EXPECT_EQ(r.elements[0].str, "foo");
  EXPECT_EQ(r.elements[1].integer, -7);
  EXPECT_EQ(r.elements[2].type, RespReply::kNil);
  ASSERT_EQ(ParseRespReply("-ERR x\r\n", &r), 8u);
  EXPECT_TRUE(r.is_error());
  EXPECT_EQ(ParseRespReply("?x\r\n", &r), std::string_view::npos);
  std::string cmd;
  AppendRespCommand({"SET", std::string("k\r\n", 3)}, &cmd);
  EXPECT_EQ(cmd, "*2\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n");
}

TEST(FallbackMetrics, RendersRaftGauges) {
  std::string info =
      "# Raft\r\nraft_node_id:abc\r\nraft_cluster_id:c1\r\nraft_role:leader\r\nraft_term:7\r\n"
      "raft_commit_index:10\r\nraft_applied_index:10\r\nraft_last_index:11\r\n"
      "raft_peer0:id=def,match=9,lag=2,connected=1\r\n\r\n# Clients\r\nconnected_clients:3\r\n"
      "\r\n# Stats\r\ntotal_commands_processed:42\r\n";
  std::string m = RenderFallbackMetrics(info);
  EXPECT_NE(m.find("redraft_raft_term 7\n"), std::string::npos);
  EXPECT_NE(m.find("redraft_raft_is_leader 1\n"), std::string::npos);
  EXPECT_NE(m.find("redraft_raft_role{role=\"leader\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("redraft_raft_peer_lag_entries{peer=\"def\"} 2\n"), std::string::npos);
  EXPECT_NE(m.find("# TYPE redraft_commands_processed_total counter\nredraft_commands_processed_total 42\n"),
            std::string::npos);
}

}  // namespace
}  // namespace redraft::http
