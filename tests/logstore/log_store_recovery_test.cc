// Recovery by byte surgery on the segment files (LevelDB db/log_test.cc style): each case is named
// after the damage, and checks that a torn tail is dropped while damage before synced data refuses.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/coding.h"
#include "logstore/log_store.h"
#include "logstore/log_store_format.h"
#include "logstore/log_store_mem_fs.h"

namespace redraft::raft {

inline void PrintTo(const Entry& e, std::ostream* os) {
  *os << "{t" << e.term << " i" << e.index << " " << e.data << "}";
}

namespace {

using log_format::Kind;

std::vector<Entry> MakeEntries(Index from, Index to, Term term) {
  std::vector<Entry> out;
  for (Index i = from; i <= to; i++)
    out.push_back(Entry{term, i, EntryType::kNormal, "value" + std::to_string(i)});
  return out;
}

struct RecordPos {
  size_t offset, size;
  Kind kind;
  Index index;  // entries only
};

class LogStoreRecoveryTest : public ::testing::Test {
 protected:
  LogStoreRecoveryTest() {
    fs_ = std::make_shared<MemFileSystem>();
    opts_.fs = fs_;
    opts_.segment_bytes = 4096;
  }

  std::string Seg(uint64_t seq) { return "/log/" + SegmentName(seq); }
  static std::string SegmentName(uint64_t seq) {
    std::string n = std::to_string(seq);
    return "log-" + std::string(20 - n.size(), '0') + n + ".seg";
  }

  Result<std::unique_ptr<LogStore>> Open() { return LogStore::Open("/log", opts_, &rec_); }

  // Writes entries 1..n, one Sync per entry when sync_each, else a single batch.
  void Write(Index n, bool sync_each) {
    auto s = Open();
    ASSERT_TRUE(s.ok());
    for (Index i = 1; i <= n; i++) {
      ASSERT_TRUE(s.value()->Append(MakeEntries(i, i, 1)).ok());
      if (sync_each) {
        ASSERT_TRUE(s.value()->Sync().ok());
      }
    }
    ASSERT_TRUE(s.value()->Sync().ok());
  }

  std::vector<RecordPos> Records(uint64_t seq) {
    std::vector<RecordPos> out;
    std::string* d = fs_->MutableData(Seg(seq));
    size_t off = 0;
    log_format::Record rec;
    while (log_format::ParseRecord(*d, off, &rec) == log_format::Parse::kOk) {
      Entry e;
      if (rec.kind == Kind::kEntry) log_format::DecodeEntry(rec.payload, &e);
      out.push_back({off, rec.size, rec.kind, e.index});
      off += rec.size;
    }
    return out;
  }
  RecordPos EntryRecord(uint64_t seq, Index i) {
    for (const RecordPos& r : Records(seq)) {
      if (r.kind == Kind::kEntry && r.index == i) return r;
    }
    ADD_FAILURE() << "entry " << i << " not in segment " << seq;
    return {};
  }
  void IncrementByte(uint64_t seq, size_t off) { (*fs_->MutableData(Seg(seq)))[off]++; }
  void ZeroRange(uint64_t seq, size_t off, size_t n) {
    std::string* d = fs_->MutableData(Seg(seq));
    std::fill(d->begin() + off, d->begin() + off + n, '\0');
  }
  void SetLength(uint64_t seq, size_t off, uint32_t len) {
    std::string b;
    PutFixed32(&b, len);
    fs_->MutableData(Seg(seq))->replace(off + 4, 4, b);
  }

  void ExpectRecovered(Index last) {
    auto s = Open();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(rec_.entries, MakeEntries(1, last, 1));
    // The store stays usable: append after the repaired tail and recover again.
    ASSERT_TRUE(s.value()->Append(MakeEntries(last + 1, last + 1, 1)).ok());
    ASSERT_TRUE(s.value()->Sync().ok());
    s.value().reset();
    auto again = Open();
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(rec_.entries, MakeEntries(1, last + 1, 1));
    EXPECT_EQ(rec_.dropped_bytes, 0u);
  }
  void ExpectCorruption() {
    auto s = Open();
    EXPECT_TRUE(s.status().IsCorruption()) << s.status().ToString();
  }

  std::shared_ptr<MemFileSystem> fs_;
  LogStoreOptions opts_;
  RecoveredState rec_;
};

TEST_F(LogStoreRecoveryTest, ZeroFilledTailIsEndOfLog) {
  Write(10, true);
  EXPECT_EQ(fs_->MutableData(Seg(1))->size(), 4096u);  // preallocated zeros after the records
  ExpectRecovered(10);
  EXPECT_EQ(rec_.dropped_bytes, 0u);
}

TEST_F(LogStoreRecoveryTest, PartialLastRecordIsDropped) {
  Write(10, true);
  RecordPos r = EntryRecord(1, 10);
  ZeroRange(1, r.offset + r.size / 2, r.size - r.size / 2);  // torn: second half never written
  auto s = Open();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_GT(rec_.dropped_bytes, 0u);
  EXPECT_FALSE(rec_.recovery_note.empty());
  s.value().reset();
  ExpectRecovered(9);
}

TEST_F(LogStoreRecoveryTest, ZeroedLastRecordIsDropped) {
  Write(10, true);
  RecordPos r = EntryRecord(1, 10);
  ZeroRange(1, r.offset, r.size);
  ExpectRecovered(9);
}

TEST_F(LogStoreRecoveryTest, ChecksumMismatchInLastRecordIsDropped) {
  Write(10, true);
  IncrementByte(1, EntryRecord(1, 10).offset + 20);
  ExpectRecovered(9);
}

TEST_F(LogStoreRecoveryTest, ChecksumMismatchInMiddleIsCorruption) {
  Write(10, true);
  IncrementByte(1, EntryRecord(1, 5).offset + 20);
  ExpectCorruption();
}

TEST_F(LogStoreRecoveryTest, ZeroedRecordInMiddleIsCorruption) {
  Write(10, true);
  RecordPos r = EntryRecord(1, 5);
  ZeroRange(1, r.offset, r.size);
  ExpectCorruption();
}

TEST_F(LogStoreRecoveryTest, BadLengthInMiddleIsCorruption) {
  Write(10, true);
  SetLength(1, EntryRecord(1, 5).offset, 100000);
  ExpectCorruption();
}

TEST_F(LogStoreRecoveryTest, BadLengthInLastRecordIsDropped) {
  Write(10, true);
  SetLength(1, EntryRecord(1, 10).offset, 100000);
  ExpectRecovered(9);
}

TEST_F(LogStoreRecoveryTest, DamageInsideTheLastUnsyncedBatchIsATornWrite) {
  // Pages of one batch can reach the disk in any order: a hole followed by valid records of the
  // same batch (no later Sync) was never acknowledged, so it is dropped, not refused.
  Write(5, true);
  auto s = Open();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.value()->Append(MakeEntries(6, 12, 1)).ok());
  ASSERT_TRUE(s.value()->Sync().ok());
  s.value().reset();
  RecordPos r = EntryRecord(1, 8);
  ZeroRange(1, r.offset, r.size);
  ExpectRecovered(7);
}

TEST_F(LogStoreRecoveryTest, DamageToTheFirstRecordOfTheLastBatchIsATornWrite) {
  Write(5, true);
  auto s = Open();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.value()->Append(MakeEntries(6, 12, 1)).ok());
  ASSERT_TRUE(s.value()->Sync().ok());
  s.value().reset();
  IncrementByte(1, EntryRecord(1, 6).offset + 3);  // the record carrying the batch-start flag
  ExpectRecovered(5);
}

TEST_F(LogStoreRecoveryTest, DamagedEndOfEarlierSegmentIsCorruption) {
  opts_.segment_bytes = 512;
  Write(40, true);
  std::vector<RecordPos> recs = Records(1);
  ASSERT_EQ(recs.back().kind, Kind::kEntry);
  IncrementByte(1, recs.back().offset + 12);
  ExpectCorruption();
}

TEST_F(LogStoreRecoveryTest, TornBatchSpanningRolloverDropsTheNextSegment) {
  opts_.segment_bytes = 512;
  Write(3, true);
  auto s = Open();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.value()->Append(MakeEntries(4, 30, 1)).ok());  // one batch over several segments
  ASSERT_TRUE(s.value()->Sync().ok());
  ASSERT_GE(s.value()->SegmentCount(), 2u);
  s.value().reset();
  IncrementByte(1, EntryRecord(1, 6).offset + 12);
  ExpectRecovered(5);
  EXPECT_FALSE(fs_->Exists(Seg(3)));
}

TEST_F(LogStoreRecoveryTest, TornHeaderCopiesAreWrittenAgainBeforeOlderSegmentsGo) {
  // The log ends inside a new segment's HardState copy; if Open did not write the copies again, a
  // compaction deleting the older segments would take the latest hard state with it.
  opts_.segment_bytes = 512;
  {
    auto s = Open();
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s.value()->SetHardState({5, 2, 0}).ok());
    ASSERT_TRUE(s.value()->Append(MakeEntries(1, 3, 1)).ok());
    ASSERT_TRUE(s.value()->Sync().ok());
    ASSERT_TRUE(s.value()->Append(MakeEntries(4, 40, 1)).ok());  // one batch over several segments
    ASSERT_TRUE(s.value()->Sync().ok());
  }
  std::vector<RecordPos> recs = Records(2);
  ASSERT_EQ(recs[0].kind, Kind::kHeader);
  ASSERT_EQ(recs[1].kind, Kind::kHardState);
  std::string* d = fs_->MutableData(Seg(2));
  std::fill(d->begin() + static_cast<ptrdiff_t>(recs[1].offset), d->end(), '\0');
  Index last = 0;
  {
    auto s = Open();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(rec_.hard_state, (HardState{5, 2, 0}));
    last = s.value()->LastIndex();
    ASSERT_GE(last, 3u);
    ASSERT_TRUE(s.value()->Compact({last, 1, {}}).ok());
    EXPECT_FALSE(fs_->Exists(Seg(1)));
  }
  auto s = Open();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(rec_.hard_state, (HardState{5, 2, 0}));
  EXPECT_EQ(rec_.snapshot.index, last);
}

TEST_F(LogStoreRecoveryTest, MissingMiddleSegmentIsCorruption) {
  opts_.segment_bytes = 512;
  Write(60, true);
  ASSERT_TRUE(fs_->Exists(Seg(3)));
  ASSERT_TRUE(fs_->RemoveFile(Seg(2)).ok());
  ExpectCorruption();
}

TEST_F(LogStoreRecoveryTest, SegmentWithoutHeaderIsCorruption) {
  Write(10, true);
  IncrementByte(1, 9);  // the header's payload: checksum fails, synced records follow
  ExpectCorruption();
}

TEST_F(LogStoreRecoveryTest, OldestSegmentWithoutHeaderAfterCompactionIsCorruption) {
  opts_.segment_bytes = 512;
  {
    auto s = Open();
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s.value()->Append(MakeEntries(1, 40, 1)).ok());
    ASSERT_TRUE(s.value()->Compact({40, 1, {}}).ok());  // only the active segment is left
    ASSERT_EQ(s.value()->SegmentCount(), 1u);
  }
  std::vector<std::string> names;
  ASSERT_TRUE(fs_->ListDir("/log", &names).ok());
  ASSERT_EQ(names.size(), 1u);
  ASSERT_NE(names[0], SegmentName(1));
  std::string* d = fs_->MutableData("/log/" + names[0]);
  std::fill(d->begin(), d->end(), '\0');  // nothing flagged survives to prove it was synced
  ExpectCorruption();
}

TEST_F(LogStoreRecoveryTest, UnknownVersionIsCorruption) {
  Write(3, true);
  std::string* d = fs_->MutableData(Seg(1));
  log_format::Record rec;
  ASSERT_EQ(log_format::ParseRecord(*d, 0, &rec), log_format::Parse::kOk);
  std::string header = log_format::EncodeHeader({99, 1, 0});
  std::string framed;
  log_format::AppendRecord(&framed, Kind::kHeader, true, header);
  ASSERT_EQ(framed.size(), rec.size);
  d->replace(0, framed.size(), framed);
  ExpectCorruption();
}

TEST_F(LogStoreRecoveryTest, NotPreallocatedTruncatedFileIsTorn) {
  opts_.preallocate = false;
  Write(10, true);
  std::string* d = fs_->MutableData(Seg(1));
  RecordPos r = EntryRecord(1, 10);
  EXPECT_EQ(d->size(), r.offset + r.size);
  d->resize(r.offset + 5);  // ShrinkSize
  ExpectRecovered(9);
}

TEST(LogStorePosixRecoveryTest, TornTailInARealFileIsDroppedAndTheSegmentStaysPreallocated) {
  char tmpl[] = "/tmp/log_store_recovery_test.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  LogStoreOptions opts;
  opts.segment_bytes = 1 << 16;
  RecoveredState rec;
  {
    auto s = LogStore::Open(dir, opts, &rec);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    for (Index i = 1; i <= 20; i++) {
      ASSERT_TRUE(s.value()->Append(MakeEntries(i, i, 1)).ok());
      ASSERT_TRUE(s.value()->Sync().ok());
    }
  }
  std::string path = dir + "/log-00000000000000000001.seg";
  std::string data;
  {
    std::ifstream in(path, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_EQ(data.size(), opts.segment_bytes);
  size_t end = log_format::NonZeroEnd(data, 0);
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(end - 3));
    f.write("\xff\xff\xff", 3);  // damage the last record's data
  }
  auto s = LogStore::Open(dir, opts, &rec);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(rec.entries, MakeEntries(1, 19, 1));
  EXPECT_GT(rec.dropped_bytes, 0u);
  EXPECT_EQ(std::filesystem::file_size(path), opts.segment_bytes);
  s.value().reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace redraft::raft
