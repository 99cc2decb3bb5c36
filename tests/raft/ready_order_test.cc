// The Ready ordering rule (raft/ready_order.h): which messages may leave before the fsync.
#include <gtest/gtest.h>

#include "raft/ready_order.h"

namespace redraft::raft {
namespace {

Message Msg(MessageType t) {
  Message m;
  m.type = t;
  return m;
}

TEST(ReadyOrder, NothingToPersistSendsEverythingNow) {
  for (int t = 0; t < static_cast<int>(MessageType::kNumTypes); t++) {
    for (bool leader : {false, true}) {
      EXPECT_TRUE(MaySendBeforePersist(Msg(static_cast<MessageType>(t)), leader, false)) << t;
    }
  }
}

TEST(ReadyOrder, OnlyALeadersAppendsHeartbeatsAndSnapshotsPrecedeTheFsync) {
  for (int t = 0; t < static_cast<int>(MessageType::kNumTypes); t++) {
    auto type = static_cast<MessageType>(t);
    bool replication = type == MessageType::kApp || type == MessageType::kHeartbeat || type == MessageType::kSnapshot;
    EXPECT_EQ(MaySendBeforePersist(Msg(type), true, true), replication) << MessageTypeName(type);
    // A non-leader's messages are promises (votes, acknowledgements) or leftovers: they wait.
    EXPECT_FALSE(MaySendBeforePersist(Msg(type), false, true)) << MessageTypeName(type);
  }
}

TEST(ReadyOrder, SplitKeepsOrderAndEmptiesTheReady) {
  Ready rd;
  rd.hard_state = HardState{2, 1, 0};
  rd.must_sync = true;  // as the core sets it when term or vote changed
  for (MessageType t : {MessageType::kApp, MessageType::kAppResp, MessageType::kHeartbeat, MessageType::kVoteResp,
                        MessageType::kSnapshot}) {
    Message m = Msg(t);
    m.to = static_cast<NodeId>(t) + 1;
    rd.messages.push_back(m);
  }
  ReadySends s = SplitReadyMessages(rd, /*leader=*/true);
  EXPECT_TRUE(rd.messages.empty());
  ASSERT_EQ(s.now.size(), 3u);
  EXPECT_EQ(s.now[0].type, MessageType::kApp);
  EXPECT_EQ(s.now[1].type, MessageType::kHeartbeat);
  EXPECT_EQ(s.now[2].type, MessageType::kSnapshot);
  ASSERT_EQ(s.after_persist.size(), 2u);
  EXPECT_EQ(s.after_persist[0].type, MessageType::kAppResp);
  EXPECT_EQ(s.after_persist[1].type, MessageType::kVoteResp);

  Ready only_msgs;
  only_msgs.messages = {Msg(MessageType::kVoteResp), Msg(MessageType::kAppResp)};
  EXPECT_FALSE(ReadyNeedsPersist(only_msgs));
  ReadySends s2 = SplitReadyMessages(only_msgs, false);
  EXPECT_EQ(s2.now.size(), 2u);
  EXPECT_TRUE(s2.after_persist.empty());
}

// Only the commit index moved: nothing a message promises depends on it, so nothing waits (the
// core says so with must_sync = false; the hard state is written lazily).
TEST(ReadyOrder, CommitOnlyHardStateNeedsNoSync) {
  Config cfg;
  cfg.id = 1;
  cfg.group = 1;
  cfg.initial_conf.voters = {1, 2};
  RestoredState rs;
  rs.hard_state = HardState{2, 2, 1};
  rs.entries = {Entry{1, 1, EntryType::kNormal, "a"}, Entry{2, 2, EntryType::kNormal, "b"}};
  Raft r(std::move(cfg), std::move(rs));
  while (r.HasReady()) r.Advance(r.GetReady());
  Message hb;
  hb.type = MessageType::kHeartbeat;
  hb.group = 1;
  hb.from = 2;
  hb.to = 1;
  hb.term = 2;
  hb.commit = 2;
  ASSERT_TRUE(r.Step(hb).ok());
  Ready rd = r.GetReady();
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->commit, 2u);
  EXPECT_FALSE(rd.must_sync);
  EXPECT_FALSE(ReadyNeedsPersist(rd));
  ReadySends s = SplitReadyMessages(rd, /*leader=*/false);
  EXPECT_EQ(s.now.size(), 1u);  // the heartbeat response goes at once
  EXPECT_TRUE(s.after_persist.empty());
  EXPECT_EQ(rd.committed_entries.size(), 1u);  // entry 2, durable since an earlier Ready
  r.Advance(rd);
  // A new term is a promise: it must be synced first.
  hb.term = 3;
  ASSERT_TRUE(r.Step(hb).ok());
  Ready rd2 = r.GetReady();
  EXPECT_TRUE(rd2.must_sync);
}

// Against a real core: a candidate's vote requests and a voter's vote wait for the fsync of the
// term and vote they depend on; the new leader's appends go at once.
TEST(ReadyOrder, RealCoreElection) {
  ConfState conf{{1, 2, 3}, {}};
  auto make = [&](NodeId id) {
    Config c;
    c.id = id;
    c.group = 1;
    c.initial_conf = conf;
    c.pre_vote = false;
    return std::make_unique<Raft>(c, RestoredState{});
  };
  auto n1 = make(1), n2 = make(2);
  n1->Campaign();
  Ready rd = n1->GetReady();
  ASSERT_TRUE(ReadyNeedsPersist(rd));  // term 1, vote for self
  ReadySends s = SplitReadyMessages(rd, n1->role() == Role::kLeader);
  EXPECT_TRUE(s.now.empty());
  ASSERT_EQ(s.after_persist.size(), 2u);
  n1->Advance(rd);
  ASSERT_TRUE(n2->Step(s.after_persist[0]).ok());
  Ready rd2 = n2->GetReady();
  ReadySends s2 = SplitReadyMessages(rd2, n2->role() == Role::kLeader);
  EXPECT_TRUE(s2.now.empty());
  ASSERT_EQ(s2.after_persist.size(), 1u);
  EXPECT_EQ(s2.after_persist[0].type, MessageType::kVoteResp);
  n2->Advance(rd2);
  ASSERT_TRUE(n1->Step(s2.after_persist[0]).ok());
  ASSERT_EQ(n1->role(), Role::kLeader);
  Ready rd3 = n1->GetReady();
  ASSERT_TRUE(ReadyNeedsPersist(rd3));  // the no-op
  ReadySends s3 = SplitReadyMessages(rd3, true);
  EXPECT_EQ(s3.now.size(), 2u);  // kApp to 2 and 3
  for (const Message& m : s3.now) EXPECT_EQ(m.type, MessageType::kApp);
  EXPECT_TRUE(s3.after_persist.empty());
}

}  // namespace
}  // namespace redraft::raft
