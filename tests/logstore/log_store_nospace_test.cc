// A full disk (MemFileSystem::SetCapacity): every write method fails with NoSpace, leaves the log
// consistent and succeeds when retried after space came back; nothing synced is lost, and a crash
// in the middle of it all recovers cleanly (never Corruption).
#include <gtest/gtest.h>

#include "logstore/log_store.h"
#include "logstore/log_store_mem_fs.h"

namespace redraft::raft {

namespace {

std::vector<Entry> MakeEntries(Index from, Index to, Term term, size_t size = 40) {
  std::vector<Entry> out;
  for (Index i = from; i <= to; i++) {
    std::string data = "value" + std::to_string(i) + "-t" + std::to_string(term);
    data.resize(size, 'x');
    out.push_back(Entry{term, i, EntryType::kNormal, data});
  }
  return out;
}

class LogStoreNoSpaceTest : public ::testing::Test {
 protected:
  LogStoreNoSpaceTest() {
    fs_ = std::make_shared<MemFileSystem>();
    opts_.fs = fs_;
    opts_.segment_bytes = 4096;
  }
  std::unique_ptr<LogStore> Open() {
    auto r = LogStore::Open("/log", opts_, &rec_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r.value()) : nullptr;
  }
  // Fills the disk: only `slack` bytes are left.
  void FillDisk(uint64_t slack = 0) { fs_->SetCapacity(static_cast<int64_t>(fs_->used_bytes() + slack)); }

  std::shared_ptr<MemFileSystem> fs_;
  LogStoreOptions opts_;
  RecoveredState rec_;
};

// Appends inside the preallocated active segment need no space; the rollover does.
TEST_F(LogStoreNoSpaceTest, WritesInsideThePreallocatedSegmentNeedNoSpace) {
  auto s = Open();
  ASSERT_TRUE(s->Append(MakeEntries(1, 5, 1)).ok());
  ASSERT_TRUE(s->Sync().ok());
  FillDisk();
  ASSERT_TRUE(s->Append(MakeEntries(6, 20, 1)).ok());  // 20 x ~70 bytes < 4096
  ASSERT_TRUE(s->SetHardState({1, 1, 20}).ok());
  ASSERT_TRUE(s->Sync().ok());
  EXPECT_EQ(s->SegmentCount(), 1u);
}

TEST_F(LogStoreNoSpaceTest, RolloverOnAFullDiskFailsAndSucceedsWhenRetriedWithSpace) {
  auto s = Open();
  ASSERT_TRUE(s->Append(MakeEntries(1, 10, 1)).ok());
  ASSERT_TRUE(s->SetHardState({1, 1, 10}).ok());
  ASSERT_TRUE(s->Sync().ok());
  FillDisk();
  auto batch = MakeEntries(11, 200, 1);  // needs several new segments
  Status st = s->Append(batch);
  ASSERT_TRUE(st.IsNoSpace()) << st.ToString();
  // Retrying without space keeps failing the same way, without damaging anything.
  for (int i = 0; i < 3; i++) ASSERT_TRUE(s->Append(batch).IsNoSpace());
  // Reads of what is there still work.
  auto got = s->Entries(1, 11);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got.value(), MakeEntries(1, 10, 1));
  fs_->SetCapacity(-1);  // space is back: the same call succeeds
  ASSERT_TRUE(s->Append(batch).ok());
  ASSERT_TRUE(s->SetHardState({1, 1, 200}).ok());
  ASSERT_TRUE(s->Sync().ok());
  EXPECT_EQ(s->LastIndex(), 200u);
  got = s->Entries(1, 201);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value(), MakeEntries(1, 200, 1));
  s.reset();
  fs_->Crash(CrashMode::kDropUnsynced);
  s = Open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(rec_.entries, MakeEntries(1, 200, 1));
  EXPECT_EQ(rec_.hard_state, (HardState{1, 1, 200}));
}

// A failed segment creation gives its (partially) allocated space back at once.
TEST_F(LogStoreNoSpaceTest, AFailedSegmentCreationLeavesNoFileBehind) {
  auto s = Open();
  ASSERT_TRUE(s->Append(MakeEntries(1, 50, 1)).ok());
  ASSERT_TRUE(s->Sync().ok());
  uint64_t before = fs_->used_bytes();
  FillDisk(1000);  // some room, but less than a segment
  ASSERT_TRUE(s->Append(MakeEntries(51, 200, 1)).IsNoSpace());
  std::vector<std::string> names;
  ASSERT_TRUE(fs_->ListDir("/log", &names).ok());
  EXPECT_LE(fs_->used_bytes(), before + 1000);
  size_t segs = 0;
  for (auto& n : names) segs += n.rfind("log-", 0) == 0;
  EXPECT_EQ(segs, s->SegmentCount());
}

// Sync's pwrite fails part-way (bytes written beyond the preallocated space): the retry rewrites.
TEST_F(LogStoreNoSpaceTest, SyncOfABufferedBatchFailsAndRetries) {
  opts_.preallocate = false;  // every write grows the file: any of them can hit ENOSPC
  auto s = Open();
  ASSERT_TRUE(s->Append(MakeEntries(1, 5, 1)).ok());
  ASSERT_TRUE(s->Sync().ok());
  FillDisk(100);  // part of the next batch fits
  ASSERT_TRUE(s->Append(MakeEntries(6, 15, 2)).ok());  // buffered
  ASSERT_TRUE(s->SetHardState({2, 1, 5}).ok());
  Status st = s->Sync();
  ASSERT_TRUE(st.IsNoSpace()) << st.ToString();
  ASSERT_TRUE(s->Sync().IsNoSpace());
  fs_->SetCapacity(-1);
  ASSERT_TRUE(s->Sync().ok());
  for (CrashMode mode : {CrashMode::kDropUnsynced, CrashMode::kRandomPages}) {
    s.reset();
    fs_->Crash(mode, 7);
    s = Open();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(rec_.entries.size(), 15u);
    EXPECT_EQ(rec_.hard_state, (HardState{2, 1, 5}));
  }
}

// A crash while the disk is full, after failed attempts, recovers the synced log: the failed
// attempts' bytes were never vouched for by a batch-start flag, so they are a torn tail at worst.
TEST_F(LogStoreNoSpaceTest, CrashAfterFailedAttemptsRecoversTheSyncedLog) {
  for (CrashMode mode : {CrashMode::kDropUnsynced, CrashMode::kKeepUnsynced, CrashMode::kRandomPrefix,
                         CrashMode::kRandomPages}) {
    for (uint64_t seed = 0; seed < 20; seed++) {
      SCOPED_TRACE(::testing::Message() << "mode " << static_cast<int>(mode) << " seed " << seed);
      fs_ = std::make_shared<MemFileSystem>();
      opts_.fs = fs_;
      auto s = Open();
      ASSERT_TRUE(s->Append(MakeEntries(1, 40, 1)).ok());
      ASSERT_TRUE(s->Sync().ok());
      FillDisk(seed * 300);
      Status st = s->Append(MakeEntries(41, 400, 1));
      if (st.ok()) st = s->Sync();
      ASSERT_TRUE(st.IsNoSpace()) << st.ToString();
      (void)s->Append(MakeEntries(41, 400, 1));  // a retry, still failing
      s.reset();
      fs_->SetCapacity(-1);
      fs_->Crash(mode, seed);
      s = Open();
      ASSERT_NE(s, nullptr);
      ASSERT_GE(rec_.entries.size(), 40u);
      EXPECT_EQ(rec_.entries, MakeEntries(1, rec_.entries.size(), 1));
    }
  }
}

// A conflicting suffix (a new leader's entries) written in attempts interrupted by a full disk.
TEST_F(LogStoreNoSpaceTest, RetriedOverwriteOfASuffixKeepsTheNewTerm) {
  auto s = Open();
  ASSERT_TRUE(s->Append(MakeEntries(1, 30, 1)).ok());
  ASSERT_TRUE(s->Sync().ok());
  FillDisk(500);
  auto batch = MakeEntries(20, 150, 2);
  ASSERT_TRUE(s->Append(batch).IsNoSpace());
  ASSERT_TRUE(s->Append(batch).IsNoSpace());
  fs_->SetCapacity(-1);
  ASSERT_TRUE(s->Append(batch).ok());
  ASSERT_TRUE(s->Sync().ok());
  s.reset();
  fs_->Crash(CrashMode::kDropUnsynced);
  s = Open();
  ASSERT_NE(s, nullptr);
  auto want = MakeEntries(1, 19, 1);
  for (auto& e : batch) want.push_back(e);
  EXPECT_EQ(rec_.entries, want);
}

// Compact frames its snapshot record, changes its state, then syncs: a NoSpace from that sync
// (here: no preallocation, so the write grows the file) must leave it retryable too.
TEST_F(LogStoreNoSpaceTest, CompactOnAFullDiskIsRetryable) {
  opts_.preallocate = false;
  auto s = Open();
  ASSERT_TRUE(s->Append(MakeEntries(1, 200, 1)).ok());  // several segments
  ASSERT_TRUE(s->Sync().ok());
  ASSERT_GT(s->SegmentCount(), 2u);
  FillDisk();
  SnapshotMeta meta;
  meta.index = 150;
  meta.term = 1;
  meta.conf.voters = {1};
  ASSERT_TRUE(s->Compact(meta).IsNoSpace());
  ASSERT_TRUE(s->Compact(meta).IsNoSpace());
  fs_->SetCapacity(-1);
  ASSERT_TRUE(s->Compact(meta).ok());
  EXPECT_EQ(s->FirstIndex(), 151u);
  EXPECT_LE(s->SegmentCount(), 2u);
  s.reset();
  fs_->Crash(CrashMode::kDropUnsynced);
  s = Open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(rec_.snapshot.index, 150u);
  EXPECT_EQ(rec_.entries, MakeEntries(151, 200, 1));
}

}  // namespace
}  // namespace redraft::raft
