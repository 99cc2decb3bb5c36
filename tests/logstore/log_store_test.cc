// LogStore API behaviour: round trips, conflicting suffixes, hard state, rollover, compaction.
#include "logstore/log_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "logstore/log_store_mem_fs.h"

namespace redraft::raft {

inline void PrintTo(const Entry& e, std::ostream* os) {
  *os << "{t" << e.term << " i" << e.index << " " << e.data << "}";
}

namespace {

std::vector<Entry> MakeEntries(Index from, Index to, Term term, const std::string& tag = "v") {
  std::vector<Entry> out;
  for (Index i = from; i <= to; i++) {
    out.push_back(Entry{term, i, EntryType::kNormal, tag + std::to_string(i)});
  }
  return out;
}

class LogStoreTest : public ::testing::Test {
 protected:
  LogStoreTest() {
    fs_ = std::make_shared<MemFileSystem>();
    opts_.fs = fs_;
    opts_.segment_bytes = 1024;
  }

  std::unique_ptr<LogStore> Open() {
    store_.reset();
    auto r = LogStore::Open("/log", opts_, &rec_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r.value()) : nullptr;
  }
  void Reopen() { store_ = Open(); }

  std::vector<Entry> All() {
    auto r = store_->Entries(store_->FirstIndex(), store_->LastIndex() + 1);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : std::vector<Entry>();
  }

  std::shared_ptr<MemFileSystem> fs_;
  LogStoreOptions opts_;
  RecoveredState rec_;
  std::unique_ptr<LogStore> store_;
};

TEST(LogStorePosixTest, RoundTripAcrossReopen) {
  char tmpl[] = "/tmp/log_store_test.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = std::string(tmpl) + "/data/group-1";  // parents are created too
  LogStoreOptions opts;
  opts.segment_bytes = 4096;
  RecoveredState rec;
  std::vector<Entry> want = MakeEntries(1, 200, 3);
  want[7].type = EntryType::kConfChange;
  want[8].data.clear();
  {
    auto s = LogStore::Open(dir, opts, &rec);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_TRUE(rec.entries.empty());
    ASSERT_TRUE(s.value()->Append(want).ok());
    ASSERT_TRUE(s.value()->SetHardState({3, 2, 150}).ok());
    ASSERT_TRUE(s.value()->Sync().ok());
  }
  auto s = LogStore::Open(dir, opts, &rec);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(rec.entries, want);
  EXPECT_EQ(rec.hard_state, (HardState{3, 2, 150}));
  EXPECT_EQ(rec.dropped_bytes, 0u);
  EXPECT_GT(s.value()->SegmentCount(), 1u);
  EXPECT_EQ(s.value()->Entries(1, 201).value(), want);
  s.value().reset();
  std::filesystem::remove_all(tmpl);
}

TEST_F(LogStoreTest, NewLogIsEmpty) {
  Reopen();
  EXPECT_EQ(store_->FirstIndex(), 1u);
  EXPECT_EQ(store_->LastIndex(), 0u);
  EXPECT_EQ(store_->TermAt(0).value(), 0u);
  EXPECT_FALSE(store_->TermAt(1).ok());
  EXPECT_TRUE(fs_->Exists("/log/log-00000000000000000001.seg"));
  EXPECT_EQ(rec_.hard_state, HardState{});
}

TEST_F(LogStoreTest, ConflictingSuffixIsReplaced) {
  Reopen();
  ASSERT_TRUE(store_->Append(MakeEntries(1, 10, 1)).ok());
  ASSERT_TRUE(store_->Append(MakeEntries(6, 8, 2, "w")).ok());
  std::vector<Entry> want = MakeEntries(1, 5, 1);
  for (const Entry& e : MakeEntries(6, 8, 2, "w")) want.push_back(e);
  EXPECT_EQ(store_->LastIndex(), 8u);
  EXPECT_EQ(store_->TermAt(6).value(), 2u);
  EXPECT_EQ(All(), want);
  ASSERT_TRUE(store_->Sync().ok());
  Reopen();
  EXPECT_EQ(rec_.entries, want);
  EXPECT_EQ(All(), want);
}

TEST_F(LogStoreTest, ConflictingSuffixAcrossSegmentBoundary) {
  Reopen();
  ASSERT_TRUE(store_->Append(MakeEntries(1, 100, 1)).ok());
  ASSERT_TRUE(store_->Sync().ok());
  size_t segments = store_->SegmentCount();
  ASSERT_GE(segments, 3u);
  // Index 5 lives in the first segment; the new entries go to the last one.
  ASSERT_TRUE(store_->Append(MakeEntries(5, 7, 2, "w")).ok());
  ASSERT_TRUE(store_->Sync().ok());
  std::vector<Entry> want = MakeEntries(1, 4, 1);
  for (const Entry& e : MakeEntries(5, 7, 2, "w")) want.push_back(e);
  EXPECT_EQ(All(), want);
  Reopen();
  EXPECT_EQ(rec_.entries, want);
  // And appending after the replaced suffix continues from it.
  ASSERT_TRUE(store_->Append(MakeEntries(8, 9, 2, "x")).ok());
  ASSERT_TRUE(store_->Sync().ok());
  Reopen();
  EXPECT_EQ(store_->LastIndex(), 9u);
  EXPECT_EQ(rec_.entries[7].data, "x8");
}

TEST_F(LogStoreTest, AppendRejectsGapsAndNonContiguousBatches) {
  Reopen();
  ASSERT_TRUE(store_->Append(MakeEntries(1, 3, 1)).ok());
  EXPECT_EQ(store_->Append(MakeEntries(5, 6, 1)).code(), Status::Code::kInvalidArgument);
  std::vector<Entry> bad = MakeEntries(4, 5, 1);
  bad[1].index = 7;
  EXPECT_EQ(store_->Append(bad).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->LastIndex(), 3u);
  ASSERT_TRUE(store_->Compact({2, 1, {}}).ok());
  EXPECT_EQ(store_->Append(MakeEntries(2, 2, 1)).code(), Status::Code::kInvalidArgument);
}

TEST_F(LogStoreTest, HardStatePersists) {
  Reopen();
  ASSERT_TRUE(store_->SetHardState({1, 1, 0}).ok());
  ASSERT_TRUE(store_->Sync().ok());
  Reopen();
  EXPECT_EQ(rec_.hard_state, (HardState{1, 1, 0}));
  EXPECT_EQ(store_->hard_state(), (HardState{1, 1, 0}));
  ASSERT_TRUE(store_->SetHardState({2, 0, 0}).ok());
  ASSERT_TRUE(store_->SetHardState({2, 3, 0}).ok());
  ASSERT_TRUE(store_->Sync().ok());
  Reopen();
  EXPECT_EQ(rec_.hard_state, (HardState{2, 3, 0}));
}

TEST_F(LogStoreTest, HardStateSurvivesDeletionOfTheSegmentItWasWrittenIn) {
  Reopen();
  ASSERT_TRUE(store_->SetHardState({7, 2, 0}).ok());
  ASSERT_TRUE(store_->Append(MakeEntries(1, 80, 7)).ok());
  ASSERT_TRUE(store_->Sync().ok());
  ASSERT_TRUE(store_->Compact({78, 7, {{1, 2, 3}, {}}}).ok());
  EXPECT_FALSE(fs_->Exists("/log/log-00000000000000000001.seg"));
  Reopen();
  EXPECT_EQ(rec_.hard_state, (HardState{7, 2, 0}));
  EXPECT_EQ(rec_.snapshot, (SnapshotMeta{78, 7, {{1, 2, 3}, {}}}));
  EXPECT_EQ(rec_.entries, MakeEntries(79, 80, 7));
}

TEST_F(LogStoreTest, SegmentRollover) {
  Reopen();
  for (Index i = 1; i <= 100; i += 10) {
    ASSERT_TRUE(store_->Append(MakeEntries(i, i + 9, 1)).ok());
    ASSERT_TRUE(store_->Sync().ok());
  }
  EXPECT_GT(store_->SegmentCount(), 3u);
  EXPECT_TRUE(fs_->Exists("/log/log-00000000000000000002.seg"));
  std::string* first = fs_->MutableData("/log/log-00000000000000000001.seg");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->size(), opts_.segment_bytes);  // preallocated
  Reopen();
  EXPECT_EQ(rec_.entries, MakeEntries(1, 100, 1));
}

TEST_F(LogStoreTest, EntryLargerThanSegmentGetsItsOwnSegment) {
  Reopen();
  std::vector<Entry> big = {Entry{1, 1, EntryType::kNormal, std::string(5000, 'x')}};
  ASSERT_TRUE(store_->Append(big).ok());
  ASSERT_TRUE(store_->Append(MakeEntries(2, 3, 1)).ok());
  ASSERT_TRUE(store_->Sync().ok());
  Reopen();
  ASSERT_EQ(rec_.entries.size(), 3u);
  EXPECT_EQ(rec_.entries[0], big[0]);
}

TEST_F(LogStoreTest, CompactionDeletesOldSegmentsAndMovesFirstIndex) {
  Reopen();
  ASSERT_TRUE(store_->Append(MakeEntries(1, 100, 1)).ok());
  ASSERT_TRUE(store_->Sync().ok());
  size_t before = store_->SegmentCount();
  ASSERT_TRUE(store_->Compact({90, 1, {{1}, {}}}).ok());
  EXPECT_LT(store_->SegmentCount(), before);
  EXPECT_EQ(store_->FirstIndex(), 91u);
  EXPECT_EQ(store_->LastIndex(), 100u);
  EXPECT_EQ(store_->TermAt(90).value(), 1u);
  EXPECT_FALSE(store_->TermAt(89).ok());
  EXPECT_FALSE(store_->Entries(90, 92).ok());
  EXPECT_EQ(All(), MakeEntries(91, 100, 1));
  Reopen();
  EXPECT_EQ(rec_.snapshot.index, 90u);
  EXPECT_EQ(rec_.entries, MakeEntries(91, 100, 1));
  EXPECT_EQ(store_->FirstIndex(), 91u);
}

TEST_F(LogStoreTest, CompactionWithOtherTermDiscardsTheLog) {
  Reopen();
  ASSERT_TRUE(store_->Append(MakeEntries(1, 20, 1)).ok());
  ASSERT_TRUE(store_->Compact({10, 2, {}}).ok());  // a leader's snapshot that conflicts
  EXPECT_EQ(store_->LastIndex(), 10u);
  EXPECT_EQ(store_->FirstIndex(), 11u);
  ASSERT_TRUE(store_->Compact({50, 3, {}}).ok());  // beyond the last index
  EXPECT_EQ(store_->LastIndex(), 50u);
  ASSERT_TRUE(store_->Append(MakeEntries(51, 52, 3)).ok());
  ASSERT_TRUE(store_->Sync().ok());
  Reopen();
  EXPECT_EQ(rec_.snapshot.index, 50u);
  EXPECT_EQ(rec_.entries, MakeEntries(51, 52, 3));
}

TEST_F(LogStoreTest, DiscardingCompactionSurvivesDeletionOfTheConflictingEntry) {
  // Replay cannot re-check the term at the snapshot index once that entry's segment is gone: the
  // snapshot record carries Compact's decision.
  Reopen();
  ASSERT_TRUE(store_->Append(MakeEntries(1, 100, 1)).ok());
  ASSERT_TRUE(store_->Compact({90, 2, {}}).ok());
  EXPECT_EQ(store_->SegmentCount(), 1u);
  Reopen();
  EXPECT_TRUE(rec_.entries.empty());
  EXPECT_EQ(store_->LastIndex(), 90u);
  EXPECT_EQ(store_->TermAt(90).value(), 2u);
}

TEST_F(LogStoreTest, ConflictAfterRolloverThenCompactionKeepsTheNewSuffix) {
  // Entries 1..30, then 10.. replaced from a later segment, then the segments holding the old
  // 1..9 are deleted: replay must accept the gap below the snapshot.
  Reopen();
  ASSERT_TRUE(store_->Append(MakeEntries(1, 30, 1)).ok());
  ASSERT_TRUE(store_->Sync().ok());
  ASSERT_TRUE(store_->Append(MakeEntries(10, 40, 2, "w")).ok());
  ASSERT_TRUE(store_->Sync().ok());
  ASSERT_TRUE(store_->Compact({35, 2, {}}).ok());
  EXPECT_FALSE(fs_->Exists("/log/log-00000000000000000001.seg"));
  Reopen();
  EXPECT_EQ(rec_.entries, MakeEntries(36, 40, 2, "w"));
}

TEST_F(LogStoreTest, EntriesReadsUnsyncedAndSyncedRecords) {
  Reopen();
  ASSERT_TRUE(store_->Append(MakeEntries(1, 5, 1)).ok());
  EXPECT_EQ(store_->Entries(2, 4).value(), MakeEntries(2, 3, 1));
  ASSERT_TRUE(store_->Sync().ok());
  ASSERT_TRUE(store_->Append(MakeEntries(6, 40, 1)).ok());
  EXPECT_EQ(All(), MakeEntries(1, 40, 1));
  EXPECT_TRUE(store_->Entries(3, 3).value().empty());
  EXPECT_FALSE(store_->Entries(3, 42).ok());
}

TEST_F(LogStoreTest, OneSyncPerBatch) {
  Reopen();
  int before = fs_->sync_count();
  ASSERT_TRUE(store_->Append(MakeEntries(1, 5, 1)).ok());
  ASSERT_TRUE(store_->SetHardState({1, 1, 3}).ok());
  ASSERT_TRUE(store_->Sync().ok());
  EXPECT_EQ(fs_->sync_count() - before, 1);
  ASSERT_TRUE(store_->Sync().ok());  // nothing new: no fdatasync
  EXPECT_EQ(fs_->sync_count() - before, 1);
}

}  // namespace
}  // namespace redraft::raft
