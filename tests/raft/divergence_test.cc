// Divergence is loud (issue 7): a leader whose log contradicts one of our COMMITTED entries means
// safety was broken, a disk lied or data directories were copied. The node must say so and leave
// the group (no answers, no votes, no campaigns), never sit silently behind.
#include <gtest/gtest.h>

#include "raft/raft.h"

namespace redraft::raft {
namespace {

Entry E(Index i, Term t) { return Entry{t, i, EntryType::kNormal, "x"}; }

Raft Follower() {
  Config cfg;
  cfg.id = 1;
  cfg.group = 1;
  cfg.initial_conf.voters = {1, 2, 3};
  RestoredState rs;
  rs.hard_state = HardState{2, 2, 3};
  rs.entries = {E(1, 1), E(2, 1), E(3, 2)};
  return Raft(std::move(cfg), std::move(rs));
}

Message App(Index prev, Term prev_term, std::vector<Entry> ents, Term term = 5) {
  Message m;
  m.type = MessageType::kApp;
  m.group = 1;
  m.from = 2;
  m.to = 1;
  m.term = term;
  m.index = prev;
  m.log_term = prev_term;
  m.entries = std::move(ents);
  m.commit = 3;
  return m;
}

void Drain(Raft& r) {
  while (r.HasReady()) r.Advance(r.GetReady());
}

TEST(Divergence, AppendMatchingCommittedEntriesIsNotDivergence) {
  Raft r = Follower();
  Drain(r);
  ASSERT_TRUE(r.Step(App(2, 1, {E(3, 2), E(4, 5)})).ok());  // below our commit: answered, matches
  EXPECT_FALSE(r.divergence().has_value());
  ASSERT_TRUE(r.Step(App(3, 2, {E(4, 5)})).ok());
  EXPECT_EQ(r.last_index(), 4u);
}

TEST(Divergence, UncommittedConflictIsOrdinaryTruncation) {
  Raft r = Follower();
  Drain(r);
  ASSERT_TRUE(r.Step(App(3, 2, {E(4, 4)})).ok());
  Drain(r);
  ASSERT_TRUE(r.Step(App(3, 2, {E(4, 5)})).ok());  // entry 4 is not committed: replaced
  EXPECT_FALSE(r.divergence().has_value());
  EXPECT_EQ(r.TermAt(4), 5u);
}

TEST(Divergence, ConflictWithACommittedEntryStopsTheNode) {
  Raft r = Follower();
  Drain(r);
  // The leader says entry 3 has term 3; ours, committed, has term 2.
  ASSERT_TRUE(r.Step(App(2, 1, {E(3, 3), E(4, 5)})).ok());
  ASSERT_TRUE(r.divergence().has_value());
  EXPECT_EQ(r.divergence()->index, 3u);
  EXPECT_EQ(r.divergence()->local_term, 2u);
  EXPECT_EQ(r.divergence()->leader_term, 3u);
  EXPECT_EQ(r.divergence()->leader, 2u);
  EXPECT_EQ(r.TermAt(3), 2u) << "a committed entry was overwritten";
  EXPECT_EQ(r.leader(), kNoNode);
  Drain(r);
  // From now on: no answers, no votes, no campaigns.
  Message vote;
  vote.type = MessageType::kVote;
  vote.group = 1;
  vote.from = 3;
  vote.to = 1;
  vote.term = 9;
  vote.index = 100;
  vote.log_term = 9;
  ASSERT_TRUE(r.Step(vote).ok());
  ASSERT_TRUE(r.Step(App(3, 2, {E(4, 5)})).ok());
  for (int i = 0; i < 100; i++) r.Tick();
  r.Campaign();
  if (r.HasReady()) EXPECT_TRUE(r.GetReady().messages.empty());
  EXPECT_EQ(r.role(), Role::kFollower);
  EXPECT_NE(r.voted_for(), 3u);
  EXPECT_EQ(r.term(), 5u);
}

TEST(Divergence, PrevEntryConflictIsDetectedToo) {
  Raft r = Follower();
  Drain(r);
  ASSERT_TRUE(r.Step(App(3, 4, {E(4, 5)})).ok());
  ASSERT_TRUE(r.divergence().has_value());
  EXPECT_EQ(r.divergence()->index, 3u);
  EXPECT_EQ(r.divergence()->leader_term, 4u);
}

}  // namespace
}  // namespace redraft::raft

namespace redraft::raft {
namespace {

TEST(Divergence, HeartbeatCarriesTheTermAtItsCommitIndex) {
  Raft r = Follower();
  Drain(r);
  Message hb;
  hb.type = MessageType::kHeartbeat;
  hb.group = 1;
  hb.from = 2;
  hb.to = 1;
  hb.term = 5;
  hb.commit = hb.index = 3;
  hb.log_term = 2;
  ASSERT_TRUE(r.Step(hb).ok());
  EXPECT_FALSE(r.divergence().has_value());
  hb.log_term = 4;
  ASSERT_TRUE(r.Step(hb).ok());
  ASSERT_TRUE(r.divergence().has_value());
  EXPECT_EQ(r.divergence()->index, 3u);
}

}  // namespace
}  // namespace redraft::raft
