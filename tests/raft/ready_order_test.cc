// The Ready ordering rule (raft/ready_order.h): which messages may leave before the fsync.
#include <gtest/gtest.h>

#include <memory>

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

// Pipelined Readies (raft.h Advance): a follower takes a second Ready while the first, holding
// entries, is not yet synced. A duplicate append arriving meanwhile is acknowledged from the log
// (nothing new to persist: must_sync false), but the acknowledgement promises the unsynced
// entries: it must wait for the earlier Ready. Without `earlier_unsynced` it would leave at once.
TEST(ReadyOrder, PipelinedAcknowledgementWaitsForEarlierReadies) {
  Config c;
  c.id = 2;
  c.group = 1;
  c.initial_conf = ConfState{{1, 2}, {}};
  RestoredState rs;
  rs.hard_state = HardState{1, 0, 0};
  auto r = std::make_unique<Raft>(c, std::move(rs));
  Message app;
  app.type = MessageType::kApp;
  app.group = 1;
  app.from = 1;
  app.to = 2;
  app.term = 1;
  app.index = 0;
  app.log_term = 0;
  app.entries = {Entry{1, 1, EntryType::kNormal, "a"}, Entry{1, 2, EntryType::kNormal, "b"}};
  ASSERT_TRUE(r->Step(app).ok());
  Ready first = r->GetReady();
  ASSERT_EQ(first.entries.size(), 2u);
  ASSERT_TRUE(ReadyNeedsPersist(first));
  ReadySends s1 = SplitReadyMessages(first, false, false);
  ASSERT_EQ(s1.after_persist.size(), 1u);  // the acknowledgement of index 2
  // The same append again (a retransmission), while `first` is still being synced.
  ASSERT_TRUE(r->Step(app).ok());
  ASSERT_TRUE(r->HasReady());
  Ready second = r->GetReady();
  EXPECT_TRUE(second.entries.empty());  // handed out once: they are in `first`
  EXPECT_FALSE(ReadyNeedsPersist(second));
  ASSERT_EQ(second.messages.size(), 1u);
  EXPECT_EQ(second.messages[0].type, MessageType::kAppResp);
  EXPECT_EQ(second.messages[0].index, 2u);
  Ready copy = second;
  ReadySends early = SplitReadyMessages(copy, false, /*earlier_unsynced=*/false);
  EXPECT_EQ(early.now.size(), 1u);  // what the rule would do without knowing about `first`
  ReadySends s2 = SplitReadyMessages(second, false, /*earlier_unsynced=*/true);
  EXPECT_TRUE(s2.now.empty());
  ASSERT_EQ(s2.after_persist.size(), 1u);
  r->Advance(first);
  r->Advance(second);
  EXPECT_EQ(r->log().stable(), 2u);
  EXPECT_FALSE(r->HasReady());
}

// A leader's appends still go before its own fsync while earlier Readies are in flight.
TEST(ReadyOrder, PipelinedLeaderAppendsGoAtOnce) {
  for (int t = 0; t < static_cast<int>(MessageType::kNumTypes); t++) {
    auto type = static_cast<MessageType>(t);
    bool replication = type == MessageType::kApp || type == MessageType::kHeartbeat || type == MessageType::kSnapshot;
    Ready rd;
    rd.messages = {Msg(type)};
    ReadySends s = SplitReadyMessages(rd, /*leader=*/true, /*earlier_unsynced=*/true);
    EXPECT_EQ(s.now.size(), replication ? 1u : 0u) << MessageTypeName(type);
  }
}

// A single-node leader counts its own log only after Advance, so its entries commit in the NEXT
// Ready, which here also carries a new proposal: the committed entries are already stable and may
// be applied before that Ready's fsync (AppliableBeforePersist), instead of one fsync later.
TEST(ReadyOrder, LeaderAppliesStableCommittedEntriesBeforeTheNextFsync) {
  Config c;
  c.id = 1;
  c.group = 1;
  c.initial_conf = ConfState{{1}, {}};
  auto r = std::make_unique<Raft>(c, RestoredState{});
  r->Campaign();
  while (r->HasReady()) {
    Ready rd = r->GetReady();
    r->Advance(rd);
  }
  ASSERT_EQ(r->role(), Role::kLeader);
  Index applied = r->applied_index();
  ASSERT_TRUE(r->Propose("a").ok());
  Ready first = r->GetReady();
  ASSERT_EQ(first.entries.size(), 1u);
  EXPECT_TRUE(first.committed_entries.empty());  // not counted before it is durable
  EXPECT_EQ(AppliableBeforePersist(first, r->log().stable(), applied), 0u);
  r->Advance(first);
  ASSERT_TRUE(r->Propose("b").ok());
  Ready second = r->GetReady();
  ASSERT_EQ(second.entries.size(), 1u);          // "b": must be synced
  ASSERT_EQ(second.committed_entries.size(), 1u);  // "a": committed, and stable already
  EXPECT_TRUE(ReadyNeedsPersist(second));
  EXPECT_EQ(AppliableBeforePersist(second, r->log().stable(), applied), 1u);
  // Without the earlier entries applied first, nothing may jump ahead of them.
  EXPECT_EQ(AppliableBeforePersist(second, r->log().stable(), applied - 1), 0u);
}

// A follower's committed entries may arrive in the same Ready as the entries themselves: those
// are not durable yet and wait for the fsync; an older, stable prefix may go first.
TEST(ReadyOrder, FollowerWaitsForEntriesNotYetStable) {
  Ready rd;
  rd.must_sync = true;
  for (Index i = 5; i <= 8; i++) rd.committed_entries.push_back(Entry{2, i, EntryType::kNormal, "x"});
  EXPECT_EQ(AppliableBeforePersist(rd, /*stable=*/6, /*applied=*/4), 2u);
  EXPECT_EQ(AppliableBeforePersist(rd, /*stable=*/4, /*applied=*/4), 0u);
  EXPECT_EQ(AppliableBeforePersist(rd, /*stable=*/9, /*applied=*/4), 4u);
  EXPECT_EQ(AppliableBeforePersist(rd, /*stable=*/9, /*applied=*/3), 0u);  // a gap: 4 not applied
  EXPECT_EQ(AppliableBeforePersist(rd, /*stable=*/9, /*applied=*/6), 4u);  // 5, 6 already applied
  rd.committed_entries[2].type = EntryType::kConfChange;  // index 7: waits with its Ready
  EXPECT_EQ(AppliableBeforePersist(rd, /*stable=*/9, /*applied=*/4), 2u);
  rd.committed_entries[2].type = EntryType::kNormal;
  rd.snapshot = Snapshot{};
  EXPECT_EQ(AppliableBeforePersist(rd, /*stable=*/9, /*applied=*/4), 0u);
}

}  // namespace
}  // namespace redraft::raft
