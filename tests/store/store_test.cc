#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>

#include "store/rocks_store.h"
#include "temp_store.h"

namespace redraft::store {
namespace {

class StoreTest : public TempStoreTest {
 protected:
  // Simulates kill -9: nothing unflushed survives (the WAL is off).
  void CrashAndReopen() {
    static_cast<RocksStore*>(store_.get())->SimulateCrashForTest();
    Reopen();
  }
  // Applies one entry: Put each (key, value), Delete keys with empty value marker.
  void Apply(uint64_t index, const std::vector<std::pair<std::string, std::optional<std::string>>>& ops) {
    auto b = store_->NewBatch();
    for (auto& [k, v] : ops) {
      if (v) b->Put(k, Str(*v)); else b->Delete(k);
    }
    ASSERT_TRUE(store_->Commit(b.get(), index).ok());
  }
  std::string GetPayload(std::string_view key, int64_t now = 0) {
    Value v;
    Status s = store_->Get(key, now, &v);
    if (s.IsNotFound()) return "<none>";
    EXPECT_TRUE(s.ok()) << s.ToString();
    return v.payload;
  }
  std::vector<std::string> AllKeys() {
    std::vector<std::string> keys;
    EXPECT_TRUE(store_->Scan("", [&](std::string_view k, const Value&) {
      keys.emplace_back(k);
      return true;
    }).ok());
    return keys;
  }

};

TEST(ValueCodingTest, RoundTripAndCorruption) {
  Value v;
  v.expire_ms = -5;  // negative survives (signed fixed64)
  v.version = 0x0102030405060708ull;
  v.payload = std::string("a\0b", 3);
  std::string enc;
  EncodeValue(v, &enc);
  ASSERT_EQ(enc.size(), 17u + 3);
  EXPECT_EQ(enc[0], 1);
  Value d;
  ASSERT_TRUE(DecodeValue(enc, &d).ok());
  EXPECT_EQ(d.type, ValueType::kString);
  EXPECT_EQ(d.expire_ms, -5);
  EXPECT_EQ(d.version, v.version);
  EXPECT_EQ(d.payload, v.payload);
  EXPECT_TRUE(DecodeValue(std::string_view(enc).substr(0, 16), &d).IsCorruption());
}

// A collection's WATCH stamp (Value::stamp) rides at the end of its record behind a flag in the
// type byte; records without the flag (format 2 stores) decode with stamp 0, and the stamp is no
// part of the payload. Strings never carry one (their version is their stamp).
TEST(ValueCodingTest, CollectionStampIsATrailerBehindAFlag) {
  Value h;
  h.type = ValueType::kHash;
  h.version = 77;
  h.payload = std::string(8, '\x02');
  std::string plain;
  EncodeValue(h, &plain);  // stamp 0: the format 2 record, byte for byte
  ASSERT_EQ(plain.size(), 17u + 8);
  EXPECT_EQ(plain[0], 2);
  h.stamp = 0x1122334455667788ull;
  std::string enc;
  EncodeValue(h, &enc);
  ASSERT_EQ(enc.size(), 17u + 8 + 8);
  EXPECT_EQ(static_cast<uint8_t>(enc[0]), 0x42);
  EXPECT_EQ(enc.substr(0, 25).substr(1), plain.substr(1));  // header and payload where they were
  Value d;
  ASSERT_TRUE(DecodeValue(enc, &d).ok());
  EXPECT_EQ(d.type, ValueType::kHash);
  EXPECT_EQ(d.version, 77u);
  EXPECT_EQ(d.stamp, h.stamp);
  EXPECT_EQ(d.payload, h.payload);
  EXPECT_EQ(CollectionSize(d), 0x0202020202020202ull);
  ASSERT_TRUE(DecodeValue(plain, &d).ok());
  EXPECT_EQ(d.stamp, 0u);
  EXPECT_EQ(d.payload, h.payload);
  EXPECT_TRUE(DecodeValue(std::string_view(enc).substr(0, 24), &d).IsCorruption());  // flag, no room for a stamp
  Value s;
  s.payload = "v";
  s.stamp = 9;
  std::string senc;
  EncodeValue(s, &senc);
  EXPECT_EQ(senc.size(), 17u + 1);
  EXPECT_EQ(senc[0], 1);
}

// The stamp survives every read path: the batch's overlay, the read cache, RocksDB after a reopen;
// rewriting a stamped record with another stamp replaces it; it is not charged as data.
TEST_F(StoreTest, CollectionStampsReadBackFromEveryPath) {
  Value h;
  h.type = ValueType::kList;
  h.version = 5;
  h.payload = std::string(24, '\0');
  h.stamp = 3;
  const uint64_t before = store_->DatasetBytes();
  auto b = store_->NewBatch();
  b->Put("l", h);
  Value got;
  ASSERT_TRUE(b->GetRaw("l", &got).ok());
  EXPECT_EQ(got.stamp, 3u);
  ASSERT_TRUE(store_->Commit(b.get(), 3).ok());
  EXPECT_EQ(store_->DatasetBytes() - before, KeyCharge(1, ValueType::kList, 24, 0));
  ASSERT_TRUE(store_->Get("l", 0, &got).ok());  // the read cache
  EXPECT_EQ(got.stamp, 3u);
  h.stamp = 4;
  b = store_->NewBatch();
  b->Put("l", h);  // same payload size: the cache entry is overwritten in place
  ASSERT_TRUE(store_->Commit(b.get(), 4).ok());
  ASSERT_TRUE(store_->Get("l", 0, &got).ok());
  EXPECT_EQ(got.stamp, 4u);
  Reopen();
  ASSERT_TRUE(store_->Get("l", 0, &got).ok());  // RocksDB
  EXPECT_EQ(got.stamp, 4u);
  EXPECT_EQ(got.payload, h.payload);
  EXPECT_EQ(store_->DatasetBytes() - before, KeyCharge(1, ValueType::kList, 24, 0));
  b = store_->NewBatch();
  ASSERT_TRUE(b->GetRaw("l", &got).ok());  // a batch reading RocksDB
  EXPECT_EQ(got.stamp, 4u);
}

TEST_F(StoreTest, EmptyStore) {
  EXPECT_EQ(store_->applied_index(), 0u);
  EXPECT_EQ(store_->KeyCount(), 0u);
  EXPECT_EQ(GetPayload("x"), "<none>");
  EXPECT_TRUE(AllKeys().empty());
}

TEST_F(StoreTest, PutGetRoundTrip) {
  auto b = store_->NewBatch();
  Value v = Str(std::string("v\0\xff", 3), 12345);
  v.version = 7;
  b->Put("k", v);
  b->Put(std::string("\0bin", 4), Str(""));
  ASSERT_TRUE(store_->Commit(b.get(), 1).ok());
  Value out;
  ASSERT_TRUE(store_->Get("k", 100, &out).ok());
  EXPECT_EQ(out.payload, v.payload);
  EXPECT_EQ(out.expire_ms, 12345);
  EXPECT_EQ(out.version, 7u);
  ASSERT_TRUE(store_->Get(std::string("\0bin", 4), 100, &out).ok());
  EXPECT_EQ(out.payload, "");
  EXPECT_EQ(store_->applied_index(), 1u);
  EXPECT_EQ(store_->KeyCount(), 2u);
}

TEST_F(StoreTest, ExpirySemantics) {
  auto b = store_->NewBatch();
  b->Put("e", Str("v", 1000));
  ASSERT_TRUE(store_->Commit(b.get(), 1).ok());
  EXPECT_EQ(GetPayload("e", 999), "v");
  EXPECT_EQ(GetPayload("e", 1000), "<none>");  // now >= expire: gone
  EXPECT_EQ(GetPayload("e", 5000), "<none>");
  // Still physically present: counted and scanned, and visible to GetRaw.
  EXPECT_EQ(store_->KeyCount(), 1u);
  EXPECT_EQ(AllKeys(), std::vector<std::string>{"e"});
  auto b2 = store_->NewBatch();
  Value out;
  EXPECT_TRUE(b2->Get("e", 1000, &out).IsNotFound());
  ASSERT_TRUE(b2->GetRaw("e", &out).ok());
  EXPECT_EQ(out.expire_ms, 1000);
  ASSERT_TRUE(b2->Get("e", 999, &out).ok());
  // Overwriting an expired key does not double count it.
  b2->Put("e", Str("w"));
  ASSERT_TRUE(store_->Commit(b2.get(), 2).ok());
  EXPECT_EQ(store_->KeyCount(), 1u);
  EXPECT_EQ(GetPayload("e", 5000), "w");
}

TEST_F(StoreTest, BatchSeesOwnWritesAndIsInvisibleUntilCommit) {
  Apply(1, {{"a", "1"}});
  auto b = store_->NewBatch();
  Value out;
  ASSERT_TRUE(b->Get("a", 0, &out).ok());
  EXPECT_EQ(out.payload, "1");
  b->Put("a", Str("2"));
  b->Put("b", Str("3"));
  ASSERT_TRUE(b->Get("a", 0, &out).ok());
  EXPECT_EQ(out.payload, "2");
  ASSERT_TRUE(b->Get("b", 0, &out).ok());
  EXPECT_EQ(out.payload, "3");
  b->Delete("a");
  EXPECT_TRUE(b->Get("a", 0, &out).IsNotFound());
  // Not visible outside the batch yet.
  EXPECT_EQ(GetPayload("a"), "1");
  EXPECT_EQ(GetPayload("b"), "<none>");
  ASSERT_TRUE(store_->Commit(b.get(), 2).ok());
  EXPECT_EQ(GetPayload("a"), "<none>");
  EXPECT_EQ(GetPayload("b"), "3");
  EXPECT_EQ(store_->KeyCount(), 1u);
}

TEST_F(StoreTest, DeleteAllThenPutInSameBatch) {
  Apply(1, {{"a", "1"}, {"b", "2"}, {"c", "3"}});
  auto b = store_->NewBatch();
  b->Put("d", Str("4"));  // dropped by the DeleteAll below
  b->DeleteAll();
  Value out;
  EXPECT_TRUE(b->Get("a", 0, &out).IsNotFound());
  EXPECT_TRUE(b->GetRaw("b", &out).IsNotFound());
  EXPECT_TRUE(b->Get("d", 0, &out).IsNotFound());
  b->Put("b", Str("new"));
  b->Put("z", Str("26"));
  b->Delete("c");  // already gone: no count change
  ASSERT_TRUE(b->Get("b", 0, &out).ok());
  EXPECT_EQ(out.payload, "new");
  ASSERT_TRUE(store_->Commit(b.get(), 2).ok());
  EXPECT_EQ(AllKeys(), (std::vector<std::string>{"b", "z"}));
  EXPECT_EQ(GetPayload("b"), "new");
  EXPECT_EQ(store_->KeyCount(), 2u);
  Reopen();
  EXPECT_EQ(AllKeys(), (std::vector<std::string>{"b", "z"}));
  EXPECT_EQ(store_->KeyCount(), 2u);
}

TEST_F(StoreTest, DeleteAllCoversBinaryAndLongKeys) {
  std::string high(300, '\xff');
  Apply(1, {{std::string(1, '\0'), "x"}, {high, "y"}, {high + "\xff", "z"}, {"", "empty"}});
  EXPECT_EQ(store_->KeyCount(), 4u);
  auto b = store_->NewBatch();
  b->DeleteAll();
  ASSERT_TRUE(store_->Commit(b.get(), 2).ok());
  EXPECT_TRUE(AllKeys().empty());
  EXPECT_EQ(store_->KeyCount(), 0u);
  // DeleteAll on an empty store is fine too.
  auto b2 = store_->NewBatch();
  b2->DeleteAll();
  ASSERT_TRUE(store_->Commit(b2.get(), 3).ok());
  EXPECT_EQ(store_->KeyCount(), 0u);
}

TEST_F(StoreTest, KeyCountAcrossPutsDeletesOverwritesAndReopen) {
  std::mt19937 rng(42);
  std::map<std::string, std::string> model;
  uint64_t index = 0;
  for (int round = 0; round < 200; round++) {
    auto b = store_->NewBatch();
    std::map<std::string, std::optional<std::string>> ops;
    int n = 1 + rng() % 5;
    for (int i = 0; i < n; i++) {
      std::string k = "k" + std::to_string(rng() % 40);
      if (rng() % 3 == 0) {
        b->Delete(k);
        model.erase(k);
      } else {
        std::string v = std::to_string(rng());
        b->Put(k, Str(v));
        model[k] = v;
      }
    }
    ASSERT_TRUE(store_->Commit(b.get(), ++index).ok());
    ASSERT_EQ(store_->KeyCount(), model.size()) << "round " << round;
    if (round % 50 == 49) {
      Reopen();
      ASSERT_EQ(store_->KeyCount(), model.size());
      ASSERT_EQ(store_->applied_index(), index);
    }
  }
  std::vector<std::string> expected;
  for (auto& [k, v] : model) {
    expected.push_back(k);
    EXPECT_EQ(GetPayload(k), v);
  }
  EXPECT_EQ(AllKeys(), expected);
}

TEST_F(StoreTest, CommitRequiresIncreasingIndex) {
  Apply(5, {{"a", "1"}});
  auto b = store_->NewBatch();
  b->Put("b", Str("2"));
  EXPECT_FALSE(store_->Commit(b.get(), 5).ok());
  EXPECT_EQ(GetPayload("b"), "<none>");
  EXPECT_FALSE(store_->SetAppliedIndex(4).ok());
  ASSERT_TRUE(store_->SetAppliedIndex(6).ok());
  EXPECT_EQ(store_->applied_index(), 6u);
  EXPECT_EQ(store_->KeyCount(), 1u);
}

TEST_F(StoreTest, AppliedIndexPersistsAcrossFlushAndReopen) {
  Apply(1, {{"a", "1"}});
  Apply(2, {{"b", "2"}});
  ASSERT_TRUE(store_->SetAppliedIndex(3).ok());
  ASSERT_TRUE(store_->Flush().ok());
  Reopen();
  EXPECT_EQ(store_->applied_index(), 3u);
  EXPECT_EQ(store_->KeyCount(), 2u);
  EXPECT_EQ(GetPayload("b"), "2");
  // Survives a crash too, since it was flushed.
  CrashAndReopen();
  EXPECT_EQ(store_->applied_index(), 3u);
  EXPECT_EQ(GetPayload("a"), "1");
}

TEST_F(StoreTest, CleanCloseFlushesWithoutExplicitFlush) {
  Apply(1, {{"a", "1"}});
  Reopen();  // destructor closes cleanly: RocksDB flushes the WAL-less memtables
  EXPECT_EQ(store_->applied_index(), 1u);
  EXPECT_EQ(GetPayload("a"), "1");
}

TEST_F(StoreTest, CrashLosesOnlyUnflushedSuffixConsistently) {
  Apply(1, {{"a", "1"}});
  Apply(2, {{"b", "2"}});
  ASSERT_TRUE(store_->Flush().ok());
  Apply(3, {{"c", "3"}, {"a", std::nullopt}});
  Apply(4, {{"d", "4"}});
  CrashAndReopen();
  // The unflushed entries 3 and 4 are gone, and applied_index says so: replay starts after 2.
  EXPECT_EQ(store_->applied_index(), 2u);
  EXPECT_EQ(store_->KeyCount(), 2u);
  EXPECT_EQ(AllKeys(), (std::vector<std::string>{"a", "b"}));
  // Replaying 3 and 4 converges to the pre-crash state.
  Apply(3, {{"c", "3"}, {"a", std::nullopt}});
  Apply(4, {{"d", "4"}});
  EXPECT_EQ(AllKeys(), (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(store_->KeyCount(), 3u);
}

TEST_F(StoreTest, BackgroundFlushesKeepDataAndIndexTogether) {
  // Enough data to fill the 4 MiB memtable several times, so RocksDB flushes on its own; with
  // atomic_flush the persisted state must always match a committed applied_index exactly.
  std::string big(4096, 'x');
  const uint64_t kEntries = 3000;
  for (uint64_t i = 1; i <= kEntries; i++) {
    auto b = store_->NewBatch();
    b->Put("key" + std::to_string(i), Str(big));
    ASSERT_TRUE(store_->Commit(b.get(), i).ok());
  }
  CrashAndReopen();
  uint64_t applied = store_->applied_index();
  EXPECT_GT(applied, 0u);
  EXPECT_LE(applied, kEntries);
  EXPECT_EQ(store_->KeyCount(), applied);
  EXPECT_EQ(AllKeys().size(), applied);
  // Exactly keys 1..applied are present: never data newer than applied_index.
  EXPECT_NE(GetPayload("key" + std::to_string(applied)), "<none>");
  EXPECT_EQ(GetPayload("key" + std::to_string(applied + 1)), "<none>");
}

// The writer half of KillNineDuringWritesLeavesAConsistentPrefix, run in a child process that
// re-executes this binary (RocksDB's background threads do not survive a plain fork()).
TEST(StoreCrashChild, WriteUntilKilled) {
  const char* dir = getenv("REDRAFT_STORE_CRASH_DIR");
  if (dir == nullptr) GTEST_SKIP() << "only runs as the child of the kill -9 test";
  StoreOptions opts;
  opts.write_buffer_bytes = 1 << 20;
  auto r = Store::Open(dir, opts);
  if (!r.ok()) _exit(2);
  auto& st = *r.value();
  std::string big(2048, 'x');
  for (uint64_t i = 1;; i++) {
    auto b = st.NewBatch();
    Value v;
    v.payload = big;
    b->Put("key" + std::to_string(i), v);
    if (i > 1) b->Delete("key" + std::to_string(i - 1));  // keep exactly one key
    if (!st.Commit(b.get(), i).ok()) _exit(3);
  }
}

TEST_F(StoreTest, KillNineDuringWritesLeavesAConsistentPrefix) {
  // A real crash: a child process commits entries (with background flushes in flight) until it
  // is SIGKILLed; the reopened store must hold exactly entries 1..applied_index.
  store_.reset();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("REDRAFT_STORE_CRASH_DIR", dir_.c_str(), 1);
    execl("/proc/self/exe", "store_test", "--gtest_filter=StoreCrashChild.WriteUntilKilled",
          static_cast<char*>(nullptr));
    _exit(4);
  }
  // Kill it mid-stream once it has flushed a few times (bounded wait even on a loaded machine).
  auto sst_files = [&] {
    int n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) n += e.path().extension() == ".sst";
    return n;
  };
  for (int i = 0; i < 1000 && sst_files() < 3; i++) usleep(10 * 1000);
  usleep(200 * 1000);
  kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early: " << WEXITSTATUS(status);
  Reopen();
  uint64_t applied = store_->applied_index();
  EXPECT_GT(applied, 0u);
  std::vector<std::string> expect = {"key" + std::to_string(applied)};
  EXPECT_EQ(AllKeys(), expect);
  EXPECT_EQ(store_->KeyCount(), 1u);
}

TEST_F(StoreTest, ScanFromStartAndStop) {
  Apply(1, {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}});
  std::vector<std::string> seen;
  ASSERT_TRUE(store_->Scan("b", [&](std::string_view k, const Value& v) {
    seen.emplace_back(k);
    return seen.size() < 2;
  }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"b", "c"}));
}

TEST_F(StoreTest, Introspection) {
  Apply(1, {{"a", std::string(1000, 'a')}});
  EXPECT_GT(store_->ApproximateMemoryBytes(), 0u);
  ASSERT_TRUE(store_->Flush().ok());
  EXPECT_GT(store_->ApproximateDiskBytes(), 0u);
}

// ---- Snapshot views and staged installs (store.h "snapshots") ----

// The read cache (read_cache.h) is written through by Commit: every read sees the latest
// committed record, whatever replaced it (overwrite, delete, FLUSHALL, snapshot install), and
// nothing of a batch that failed to commit.
TEST_F(StoreTest, ReadsOfCachedKeysFollowEveryKindOfWrite) {
  const ReadCache& cache = static_cast<RocksStore*>(store_.get())->read_cache();  // until Reopen
  Apply(1, {{"a", "1"}, {"b", "1"}});
  EXPECT_EQ(cache.entries(), 2u);  // just written: served by the cache
  EXPECT_EQ(GetPayload("a"), "1");
  Apply(2, {{"a", "2"}, {"b", std::nullopt}});
  EXPECT_EQ(GetPayload("a"), "2");
  EXPECT_EQ(GetPayload("b"), "<none>");
  {
    auto b = store_->NewBatch();
    b->Put("a", Str("uncommitted"));
    EXPECT_FALSE(store_->Commit(b.get(), 2).ok());  // index not increasing: nothing applied
  }
  EXPECT_EQ(GetPayload("a"), "2");
  {
    auto b = store_->NewBatch();
    b->Put("c", Str("gone"));
    b->DeleteAll();
    b->Put("d", Str("after"));
    ASSERT_TRUE(store_->Commit(b.get(), 3).ok());
  }
  EXPECT_EQ(GetPayload("a"), "<none>");
  EXPECT_EQ(GetPayload("c"), "<none>");
  EXPECT_EQ(GetPayload("d"), "after");
  {
    Value exp = Str("soon", 500);
    auto b = store_->NewBatch();
    b->Put("e", exp);
    ASSERT_TRUE(store_->Commit(b.get(), 4).ok());
  }
  EXPECT_EQ(GetPayload("e", 499), "soon");
  EXPECT_EQ(GetPayload("e", 500), "<none>");  // expiry is judged on the cached record too
  ASSERT_TRUE(store_->StageBegin().ok());
  store_->StagePut("d", Str("staged"));
  ASSERT_TRUE(store_->StageInstall(10, 1, 0).ok());
  EXPECT_EQ(GetPayload("d"), "staged");
  EXPECT_EQ(GetPayload("e", 0), "<none>");
  Apply(11, {{"d", "live"}});
  Reopen();  // a fresh cache: reads come from RocksDB
  EXPECT_EQ(static_cast<RocksStore*>(store_.get())->read_cache().entries(), 0u);
  EXPECT_EQ(GetPayload("d"), "live");
}

// A point read of a key written long ago, with the memtable full of other keys' overwrites,
// returns the right record (the memtable bloom filter must not hide it).
TEST_F(StoreTest, ReadsThroughAFullMemtableAndFlushedFiles) {
  Apply(1, {{"early", "e"}});
  ASSERT_TRUE(store_->Flush().ok());
  Reopen();  // empty read cache: the read goes to RocksDB
  uint64_t index = 2;
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 2000; i++) Apply(index++, {{"k" + std::to_string(i), std::string(64, 'a' + round)}});
  }
  Reopen();
  EXPECT_EQ(GetPayload("early"), "e");
  EXPECT_EQ(GetPayload("k1999"), std::string(64, 'c'));
  EXPECT_EQ(GetPayload("absent"), "<none>");
}

TEST_F(StoreTest, SnapshotViewIsConsistentWhileWritesContinue) {
  Apply(1, {{"a", "1"}, {"b", "2"}, {"c", "3"}});
  auto view = store_->NewSnapshotView();
  Apply(2, {{"a", "changed"}, {"b", std::nullopt}, {"d", "4"}});
  EXPECT_EQ(view->applied_index(), 1u);
  EXPECT_EQ(view->key_count(), 3u);
  std::vector<std::pair<std::string, std::string>> seen;
  for (; view->Valid(); view->Next()) {
    Value v;
    ASSERT_TRUE(view->value(&v).ok());
    seen.emplace_back(std::string(view->key()), v.payload);
  }
  ASSERT_TRUE(view->status().ok());
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
}

TEST_F(StoreTest, StagedInstallReplacesEverythingAtOnce) {
  Apply(1, {{"old1", "x"}, {"old2", "y"}});
  ASSERT_TRUE(store_->StageBegin().ok());
  store_->StagePut("new1", Str("n1"));
  ASSERT_TRUE(store_->StageWrite().ok());
  store_->StagePut("new2", Str("n2", 99));
  // Nothing visible before the switch: reads and applies use the live data.
  EXPECT_EQ(GetPayload("new1"), "<none>");
  Apply(2, {{"old3", "z"}});
  EXPECT_EQ(store_->KeyCount(), 3u);
  ASSERT_TRUE(store_->StageInstall(50, 2, 1234).ok());
  EXPECT_EQ(store_->applied_index(), 50u);
  EXPECT_EQ(store_->KeyCount(), 2u);
  EXPECT_EQ(store_->log_time_ms(), 1234);
  EXPECT_EQ(AllKeys(), (std::vector<std::string>{"new1", "new2"}));
  // The store goes on from there; and it survives a crash (the install was flushed).
  Apply(51, {{"new3", "n3"}});
  CrashAndReopen();
  EXPECT_EQ(store_->applied_index(), 50u);
  EXPECT_EQ(AllKeys(), (std::vector<std::string>{"new1", "new2"}));
  // A second install switches back to the first slot.
  ASSERT_TRUE(store_->StageBegin().ok());
  store_->StagePut("third", Str("t"));
  ASSERT_TRUE(store_->StageInstall(80, 1, 0).ok());
  Reopen();
  EXPECT_EQ(store_->applied_index(), 80u);
  EXPECT_EQ(AllKeys(), (std::vector<std::string>{"third"}));
  EXPECT_EQ(store_->log_time_ms(), 1234);  // never goes backwards
}

TEST_F(StoreTest, CrashBeforeTheSwitchLeavesTheOldStateAndNoStagingLeftovers) {
  Apply(1, {{"old", "x"}});
  ASSERT_TRUE(store_->Flush().ok());
  ASSERT_TRUE(store_->StageBegin().ok());
  for (int i = 0; i < 2000; i++) store_->StagePut("s" + std::to_string(i), Str(std::string(1000, 'v')));
  ASSERT_TRUE(store_->StageWrite().ok());
  ASSERT_TRUE(store_->Flush().ok());  // staged data durable, switch not written
  CrashAndReopen();
  EXPECT_EQ(store_->applied_index(), 1u);
  EXPECT_EQ(AllKeys(), (std::vector<std::string>{"old"}));
  // The leftovers were cleared: a new staging starts empty and installs only its own records.
  ASSERT_TRUE(store_->StageBegin().ok());
  store_->StagePut("fresh", Str("f"));
  ASSERT_TRUE(store_->StageInstall(10, 1, 0).ok());
  EXPECT_EQ(AllKeys(), (std::vector<std::string>{"fresh"}));
}

TEST_F(StoreTest, AbortedStagingChangesNothing) {
  Apply(1, {{"old", "x"}});
  ASSERT_TRUE(store_->StageBegin().ok());
  store_->StagePut("s", Str("v"));
  ASSERT_TRUE(store_->StageWrite().ok());
  ASSERT_TRUE(store_->StageAbort().ok());
  ASSERT_TRUE(store_->StageBegin().ok());
  ASSERT_TRUE(store_->StageInstall(5, 0, 0).ok());  // an empty snapshot is a valid one
  EXPECT_EQ(AllKeys(), std::vector<std::string>{});
  EXPECT_EQ(store_->KeyCount(), 0u);
  Reopen();
  EXPECT_EQ(store_->applied_index(), 5u);
  EXPECT_EQ(AllKeys(), std::vector<std::string>{});
}

// The batch's metadata overlay (rocks_batch.cc): reads inside a batch see its own Puts/Deletes and
// FLUSHDBs, and the key/expiry counts stay exact, whether a key's state comes from the batch,
// the read cache, the known-absent set or RocksDB (reopens empty the caches).
TEST_F(StoreTest, BatchOverlayAgreesWithAModel) {
  std::mt19937 rng(7);
  std::map<std::string, std::pair<std::string, int64_t>> model;  // stored key -> (payload, expiry)
  uint64_t index = 0;
  auto count = [&](uint8_t db, bool expiring) {
    uint64_t n = 0;
    for (auto& [k, v] : model) n += static_cast<uint8_t>(k[0]) == db && (!expiring || v.second != 0);
    return n;
  };
  for (int round = 0; round < 1000; round++) {
    auto b = store_->NewBatch();
    int n = 1 + rng() % 12;
    for (int i = 0; i < n; i++) {
      const uint8_t db = rng() % 2;
      const std::string k = QualifyKey(db, "k" + std::to_string(rng() % 12));
      switch (rng() % 6) {
        case 0:
          b->Delete(k);
          model.erase(k);
          break;
        case 1:
          if (rng() % 8 == 0) {
            b->DeleteDb(db);
            std::erase_if(model, [&](const auto& e) { return static_cast<uint8_t>(e.first[0]) == db; });
            break;
          }
          [[fallthrough]];
        case 2: {
          Value out;
          Status s = b->GetRaw(k, &out);
          auto it = model.find(k);
          ASSERT_EQ(s.ok(), it != model.end()) << "round " << round << " key " << k.substr(1);
          if (it != model.end()) {
            EXPECT_EQ(out.payload, it->second.first);
            EXPECT_EQ(out.expire_ms, it->second.second);
          }
          break;
        }
        default: {
          std::string v = std::to_string(rng());
          int64_t exp = rng() % 3 == 0 ? 1000000 + rng() % 1000 : 0;
          b->Put(k, Str(v, exp));
          model[k] = {v, exp};
        }
      }
    }
    ASSERT_TRUE(store_->Commit(b.get(), ++index).ok());
    ASSERT_EQ(store_->KeyCount(), model.size()) << "round " << round;
    for (uint8_t db = 0; db < 2; db++) {
      ASSERT_EQ(store_->DbKeyCount(db), count(db, false)) << "round " << round;
      ASSERT_EQ(store_->DbExpiresCount(db), count(db, true)) << "round " << round;
    }
    if (round % 97 == 96) Reopen();
  }
  for (auto& [k, v] : model) EXPECT_EQ(GetPayload(k), v.first);
}


// Commit writes a batch's sub-key changes from its index, in key order (rocks_batch.cc Emit),
// not in the order the batch made them: each sub-key's last change must win, deletes included,
// whatever the order, and a batch with a range delete (DeleteAll) keeps its own order.
// Sub-keys live only under their collection's metadata record: without one (or with another
// version) the compaction filter drops them as garbage (SubKeyIsStale). So each key has a hash
// record of version 1, written again after a DeleteAll, and every reopen is followed by a full
// compaction, so the model is also checked against what the filter keeps.
TEST_F(StoreTest, SubKeysOfABatchAgreeWithAModelWhateverTheOrder) {
  std::mt19937 rng(11);
  std::map<std::string, std::string> model;  // EncodeSubKey -> value
  uint64_t index = 0;
  const std::string keys[] = {QualifyKey(0, "a"), QualifyKey(0, "b"), QualifyKey(1, "a")};
  constexpr uint64_t kVersion = 1;
  auto put_records = [&](Store::Batch* b) {
    for (const std::string& k : keys) {
      Value v;
      v.type = ValueType::kHash;
      v.version = kVersion;
      SetCollectionSize(&v, 1);  // the size is not what this test checks
      b->Put(k, v);
    }
  };
  for (int round = 0; round < 600; round++) {
    auto b = store_->NewBatch();
    put_records(b.get());
    int n = 1 + rng() % 40;
    for (int i = 0; i < n; i++) {
      const std::string& k = keys[rng() % 3];
      const std::string field = "f" + std::to_string(rng() % 40);
      const std::string sk = EncodeSubKey(k, kVersion, field);
      switch (rng() % 8) {
        case 0:
        case 1:
          b->DeleteSub(k, kVersion, field);
          model.erase(sk);
          break;
        case 2: {
          std::string out;
          Status s = b->GetSub(k, kVersion, field, &out);
          auto it = model.find(sk);
          ASSERT_EQ(s.ok(), it != model.end()) << "round " << round;
          if (it != model.end()) EXPECT_EQ(out, it->second);
          break;
        }
        case 3:
          if (rng() % 30 == 0) {
            b->DeleteAll();
            model.clear();
            put_records(b.get());
            break;
          }
          [[fallthrough]];
        default: {
          std::string v = std::to_string(rng());
          b->PutSub(k, kVersion, field, v);
          model[sk] = v;
        }
      }
    }
    ASSERT_TRUE(store_->Commit(b.get(), ++index).ok());
    std::map<std::string, std::string> seen;
    for (const std::string& k : keys) {
      ASSERT_TRUE(store_->ScanSub(k, kVersion, "", [&](std::string_view f, std::string_view v) {
        seen[EncodeSubKey(k, kVersion, f)] = std::string(v);
        return true;
      }).ok());
    }
    ASSERT_EQ(seen, model) << "round " << round;
    if (round % 101 == 100) {
      Reopen();
      ASSERT_TRUE(store_->CompactAll().ok());
    }
  }
}

// The exported RocksDB tickers (rocks_tickers.h): block cache misses, then hits, are counted.
class StoreStatisticsTest : public TempStoreTest {
 protected:
  StoreStatisticsTest() : TempStoreTest(Options()) {}
  static StoreOptions Options() {
    StoreOptions o = SmallOptions();
    o.read_cache_bytes = 0;  // reads go to RocksDB
    o.statistics = true;
    return o;
  }
  double Figure(std::string_view name) {
    for (const EngineFigure& f : store_->EngineFigures()) {
      if (name == f.name) return f.value;
    }
    ADD_FAILURE() << "no figure " << name;
    return -1;
  }
};

TEST_F(StoreStatisticsTest, BlockCacheHitsAndMissesAreCounted) {
  auto b = store_->NewBatch();
  Value val;
  val.payload = std::string(100, 'x');
  for (int i = 0; i < 1000; i++) b->Put("key" + std::to_string(i), val);
  ASSERT_TRUE(store_->Commit(b.get(), 1).ok());
  ASSERT_TRUE(store_->Flush().ok());
  Reopen();  // an empty block cache
  Value v;
  ASSERT_TRUE(store_->Get("key7", 0, &v).ok());
  double misses = Figure("redraft_rocksdb_block_cache_misses_total");
  EXPECT_GT(misses, 0);
  double hits = Figure("redraft_rocksdb_block_cache_hits_total");
  for (int i = 0; i < 10; i++) ASSERT_TRUE(store_->Get("key7", 0, &v).ok());
  EXPECT_GE(Figure("redraft_rocksdb_block_cache_hits_total"), hits + 10);
  EXPECT_EQ(Figure("redraft_rocksdb_block_cache_misses_total"), misses);
  EXPECT_EQ(Figure("redraft_rocksdb_write_stall_seconds_total"), 0);
}

}  // namespace
}  // namespace redraft::store
