// The replay rules of the segment format (logstore/log_store_replay.h), without any file.
#include "logstore/log_store_replay.h"

#include <gtest/gtest.h>

namespace redraft::raft {
namespace {

Status Add(LogReplay* r, Index i, Term t, uint64_t seq = 1) {
  return r->OnEntry(Entry{t, i, EntryType::kNormal, "x"}, EntryLoc{t, seq, i * 100, 30});
}

TEST(LogReplayTest, LaterEntryReplacesTheSuffix) {
  LogReplay r;
  for (Index i = 1; i <= 5; i++) ASSERT_TRUE(Add(&r, i, 1).ok());
  ASSERT_TRUE(Add(&r, 3, 2).ok());
  ASSERT_TRUE(r.Finish().ok());
  ASSERT_EQ(r.last(), 3u);
  EXPECT_EQ(r.entries()[2].term, 2u);
  EXPECT_EQ(r.locs()[1].term, 1u);
}

TEST(LogReplayTest, GapCoveredByTheSnapshotIsAccepted) {
  LogReplay r;
  ASSERT_TRUE(Add(&r, 40, 3, 5).ok());  // entries 1..39 were in deleted segments
  ASSERT_TRUE(Add(&r, 41, 3, 5).ok());
  ASSERT_TRUE(r.OnSnapshot({40, 3, {}}, true).ok());
  ASSERT_TRUE(r.Finish().ok());
  EXPECT_EQ(r.base(), 40u);
  ASSERT_EQ(r.entries().size(), 1u);
  EXPECT_EQ(r.entries()[0].index, 41u);
}

TEST(LogReplayTest, GapAboveTheSnapshotIsCorruption) {
  LogReplay r;
  ASSERT_TRUE(Add(&r, 1, 1).ok());
  ASSERT_TRUE(Add(&r, 3, 1).ok());  // 2 is missing: a lost segment
  EXPECT_TRUE(r.Finish().IsCorruption());
}

TEST(LogReplayTest, EntryAtOrBelowTheSnapshotIsCorruption) {
  LogReplay r;
  ASSERT_TRUE(r.OnSnapshot({10, 1, {}}, false).ok());
  EXPECT_TRUE(Add(&r, 10, 1).IsCorruption());
}

TEST(LogReplayTest, SnapshotGoingBackwardsIsCorruption) {
  LogReplay r;
  ASSERT_TRUE(r.OnSnapshot({10, 1, {}}, false).ok());
  EXPECT_TRUE(r.OnSnapshot({9, 1, {}}, true).IsCorruption());
}

TEST(LogReplayTest, SnapshotThatDiscardedTheLogDropsEverything) {
  LogReplay r;
  for (Index i = 1; i <= 5; i++) ASSERT_TRUE(Add(&r, i, 1).ok());
  ASSERT_TRUE(r.OnSnapshot({3, 2, {}}, false).ok());
  ASSERT_TRUE(r.Finish().ok());
  EXPECT_EQ(r.last(), 3u);
  EXPECT_TRUE(r.entries().empty());
}

TEST(LogReplayTest, LastHardStateWins) {
  LogReplay r;
  r.OnHardState({1, 1, 0});
  r.OnHardState({2, 0, 0});
  EXPECT_EQ(r.hard_state(), (HardState{2, 0, 0}));
}

}  // namespace
}  // namespace redraft::raft
