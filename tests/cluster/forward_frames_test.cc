#include "cluster/forward_frames.h"

#include <gtest/gtest.h>

namespace redraft::cluster {
namespace {

using namespace std::string_literals;

TEST(ForwardFrames, KindNamesAreTheWireNames) {
  for (FwdKind k : {FwdKind::kWriteBatch, FwdKind::kReplyBatch, FwdKind::kWrite, FwdKind::kReply,
                    FwdKind::kNotExecuted}) {
    EXPECT_EQ(ParseFwdKind(FwdKindName(k)), k);
  }
  EXPECT_EQ(FwdKindName(FwdKind::kWriteBatch), "fwdb"s);
  EXPECT_EQ(FwdKindName(FwdKind::kReplyBatch), "fwdrb"s);
  EXPECT_FALSE(ParseFwdKind("raft"));
  EXPECT_FALSE(ParseFwdKind("pub"));
  EXPECT_FALSE(ParseFwdKind("fwdx"));
}

// The exact bytes of docs/exactly_once.md "Wire": nodes of other versions parse these.
TEST(ForwardFrames, WriteBatchBytesAreFrozen) {
  ForwardBatchWriter w;
  w.Add(5, 3, "ab");
  w.Add(300, 2, "");
  EXPECT_EQ(w.count(), 2u);
  std::string p = w.Take(7);
  EXPECT_EQ(p, "\x07\x02" "\x05\x03\x02" "ab" "\xac\x02\x02\x00"s);
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.Take(1), "\x01\x00"s);

  ForwardBatch b = DecodeForwardBatch(FwdKind::kWriteBatch, p);
  EXPECT_EQ(b.term, 7u);
  ASSERT_EQ(b.writes.size(), 2u);
  EXPECT_EQ(b.writes[0].req, 5u);
  EXPECT_EQ(b.writes[0].proto, 3);
  EXPECT_EQ(b.writes[0].entry, "ab");
  EXPECT_EQ(b.writes[1].req, 300u);
  EXPECT_EQ(b.writes[1].proto, 2);
  EXPECT_EQ(b.writes[1].entry, "");
}

TEST(ForwardFrames, OutcomeBytesAreFrozen) {
  ForwardOutcomeWriter w;
  w.AddReplied(5, "+OK\r\n");
  w.AddNotExecuted(6, 9);
  std::string p = w.Take();
  EXPECT_EQ(p, "r\x05\x05+OK\r\n" "n\x06\x09"s);
  EXPECT_TRUE(w.empty());
  auto out = DecodeForwardOutcomes(FwdKind::kReplyBatch, p);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, ForwardOutcome::Kind::kReplied);
  EXPECT_EQ(out[0].req, 5u);
  EXPECT_EQ(out[0].reply, "+OK\r\n");
  EXPECT_EQ(out[1].kind, ForwardOutcome::Kind::kNotExecuted);
  EXPECT_EQ(out[1].req, 6u);
  EXPECT_EQ(out[1].term, 9u);
}

TEST(ForwardFrames, OldSingleFramesStillDecode) {
  // Decoded items are views into the payload: it must outlive them.
  const std::string write = "\x05\x07\x04\x02xy"s;  // seq proto term entry
  ForwardBatch b = DecodeForwardBatch(FwdKind::kWrite, write);
  EXPECT_EQ(b.term, 4u);
  ASSERT_EQ(b.writes.size(), 1u);
  EXPECT_EQ(b.writes[0].req, 5u);
  EXPECT_EQ(b.writes[0].proto, 2);  // anything but 3 is RESP2
  EXPECT_EQ(b.writes[0].entry, "xy");

  const std::string reply = "\x05\x02:1"s;
  auto r = DecodeForwardOutcomes(FwdKind::kReply, reply);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ForwardOutcome::Kind::kReplied);
  EXPECT_EQ(r[0].reply, ":1");
  const std::string not_executed = "\x05\x03"s;
  auto n = DecodeForwardOutcomes(FwdKind::kNotExecuted, not_executed);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, ForwardOutcome::Kind::kNotExecuted);
  EXPECT_EQ(n[0].term, 3u);
}

// A malformed item ends the frame; the items before it still count (as before the types).
TEST(ForwardFrames, MalformedTailKeepsThePrefix) {
  ForwardBatchWriter w;
  w.Add(1, 2, "a");
  std::string p = w.Take(3);
  p[1] = 2;                 // claims two writes
  p += "\x02\x02\x09xx"s;  // the second's length runs past the end
  ForwardBatch b = DecodeForwardBatch(FwdKind::kWriteBatch, p);
  ASSERT_EQ(b.writes.size(), 1u);
  EXPECT_EQ(b.writes[0].entry, "a");
  EXPECT_TRUE(DecodeForwardBatch(FwdKind::kWriteBatch, "\x80"s).writes.empty());
  EXPECT_TRUE(DecodeForwardBatch(FwdKind::kReplyBatch, "\x01\x00"s).writes.empty());

  const std::string outcomes = "n\x01\x02" "z\x01\x02" "n\x03\x04"s;
  auto out = DecodeForwardOutcomes(FwdKind::kReplyBatch, outcomes);
  ASSERT_EQ(out.size(), 1u);  // unknown item kind 'z': the rest cannot be parsed
  EXPECT_EQ(out[0].req, 1u);
  EXPECT_TRUE(DecodeForwardOutcomes(FwdKind::kReply, "\x05\x09:1"s).empty());
  EXPECT_TRUE(DecodeForwardOutcomes(FwdKind::kWriteBatch, "n\x01\x02"s).empty());
}

}  // namespace
}  // namespace redraft::cluster
