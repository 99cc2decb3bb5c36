// Fault injection through MemFileSystem (LevelDB db/fault_injection_test.cc style): a crash loses
// what was not synced, never what was; a failed fsync kills the process.
#include <gtest/gtest.h>

#include "logstore/log_store.h"
#include "logstore/log_store_mem_fs.h"

namespace redraft::raft {

inline void PrintTo(const Entry& e, std::ostream* os) {
  *os << "{t" << e.term << " i" << e.index << " " << e.data << "}";
}

namespace {

std::vector<Entry> MakeEntries(Index from, Index to, Term term) {
  std::vector<Entry> out;
  for (Index i = from; i <= to; i++)
    out.push_back(Entry{term, i, EntryType::kNormal, "value" + std::to_string(i)});
  return out;
}

class LogStoreFaultTest : public ::testing::Test {
 protected:
  LogStoreFaultTest() {
    fs_ = std::make_shared<MemFileSystem>();
    opts_.fs = fs_;
    opts_.segment_bytes = 512;
  }
  std::unique_ptr<LogStore> Open() {
    auto r = LogStore::Open("/log", opts_, &rec_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r.value()) : nullptr;
  }

  std::shared_ptr<MemFileSystem> fs_;
  LogStoreOptions opts_;
  RecoveredState rec_;
};

TEST_F(LogStoreFaultTest, UnsyncedWritesAreLostOnCrash) {
  auto s = Open();
  ASSERT_TRUE(s->Append(MakeEntries(1, 10, 1)).ok());
  ASSERT_TRUE(s->SetHardState({1, 1, 5}).ok());
  ASSERT_TRUE(s->Sync().ok());
  ASSERT_TRUE(s->Append(MakeEntries(11, 40, 1)).ok());  // rolls over into unsynced new segments
  ASSERT_TRUE(s->SetHardState({2, 0, 5}).ok());
  s.reset();
  fs_->Crash(CrashMode::kDropUnsynced);
  s = Open();
  EXPECT_EQ(rec_.entries, MakeEntries(1, 10, 1));
  EXPECT_EQ(rec_.hard_state, (HardState{1, 1, 5}));
}

TEST_F(LogStoreFaultTest, SyncedWritesSurviveEveryKindOfCrash) {
  for (CrashMode mode : {CrashMode::kDropUnsynced, CrashMode::kKeepUnsynced,
                         CrashMode::kRandomPrefix, CrashMode::kRandomPages}) {
    for (uint64_t seed = 0; seed < 30; seed++) {
      SCOPED_TRACE(::testing::Message() << "mode " << static_cast<int>(mode) << " seed " << seed);
      fs_ = std::make_shared<MemFileSystem>();
      opts_.fs = fs_;
      auto s = Open();
      ASSERT_TRUE(s->Append(MakeEntries(1, 20, 1)).ok());
      ASSERT_TRUE(s->Sync().ok());
      ASSERT_TRUE(s->Append(MakeEntries(21, 30, 1)).ok());
      ASSERT_TRUE(s->Sync().ok());
      ASSERT_TRUE(s->Append(MakeEntries(31, 30 + seed * 3, 1)).ok());
      s.reset();
      fs_->Crash(mode, seed);
      s = Open();
      ASSERT_NE(s, nullptr);
      ASSERT_GE(rec_.entries.size(), 30u);
      EXPECT_EQ(rec_.entries, MakeEntries(1, rec_.entries.size(), 1));
    }
  }
}

TEST_F(LogStoreFaultTest, OpenMakesWhatItRecoveredDurable) {
  // The process dies with records written (rollovers flush them) but not synced: they sit in the
  // page cache, the restarted process acknowledges on top of them, so Open must fsync them (and the
  // directory entries of their segments) before the machine can crash.
  auto s = Open();
  ASSERT_TRUE(s->Append(MakeEntries(1, 30, 1)).ok());
  s.reset();  // no Sync: a kill -9
  s = Open();
  size_t n = rec_.entries.size();
  ASSERT_GT(n, 10u);
  ASSERT_GT(s->SegmentCount(), 1u);
  s.reset();
  fs_->Crash(CrashMode::kDropUnsynced);
  s = Open();
  EXPECT_EQ(rec_.entries, MakeEntries(1, n, 1));
}

TEST_F(LogStoreFaultTest, CompactionIsDurableWhenItReturns) {
  auto s = Open();
  ASSERT_TRUE(s->Append(MakeEntries(1, 60, 1)).ok());
  ASSERT_TRUE(s->Compact({50, 1, {{1, 2}, {3}}}).ok());
  size_t segments = s->SegmentCount();
  s.reset();
  fs_->Crash(CrashMode::kDropUnsynced);
  s = Open();
  EXPECT_EQ(rec_.snapshot, (SnapshotMeta{50, 1, {{1, 2}, {3}}}));
  EXPECT_EQ(rec_.entries, MakeEntries(51, 60, 1));
  EXPECT_EQ(s->SegmentCount(), segments);
}

TEST_F(LogStoreFaultTest, CrashDuringConflictingAppendKeepsTheSyncedLog) {
  auto s = Open();
  ASSERT_TRUE(s->Append(MakeEntries(1, 30, 1)).ok());
  ASSERT_TRUE(s->Sync().ok());
  ASSERT_TRUE(s->Append(MakeEntries(5, 6, 2)).ok());  // replaces 5..30, not synced
  s.reset();
  fs_->Crash(CrashMode::kDropUnsynced);
  s = Open();
  EXPECT_EQ(rec_.entries, MakeEntries(1, 30, 1));
}

using LogStoreFaultDeathTest = LogStoreFaultTest;

TEST_F(LogStoreFaultDeathTest, FsyncFailurePanics) {
  auto s = Open();
  ASSERT_TRUE(s->Append(MakeEntries(1, 3, 1)).ok());
  fs_->FailSyncsAfter(0);
  EXPECT_DEATH(s->Sync().ok(), "fdatasync failed");
}

TEST_F(LogStoreFaultDeathTest, FsyncFailureDuringCompactionPanics) {
  auto s = Open();
  ASSERT_TRUE(s->Append(MakeEntries(1, 30, 1)).ok());
  ASSERT_TRUE(s->Sync().ok());
  fs_->FailSyncsAfter(0);
  EXPECT_DEATH(s->Compact({20, 1, {}}).ok(), "fdatasync failed");
}

}  // namespace
}  // namespace redraft::raft
