// Transactions through the state machine (docs/transactions.md): one redraft.exec entry applied
// in one batch, reads over the batch, and WATCH decisions that depend only on replicated state
// (the same after a snapshot install, after compaction) and on the horizon.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "commands/transactions.h"
#include "commands/write_entry.h"
#include "common/coding.h"
#include "server/state_machine.h"
#include "store/db_view.h"
#include "test_util.h"  // tests/commands: TempDir, OpenTestStore, reply helpers

namespace redraft::server {
namespace {

using commands::Argv;
using commands::testing::Array;
using commands::testing::Bulk;
using commands::testing::Int;
using commands::testing::kOk;
using commands::testing::OpenTestStore;
using commands::testing::TempDir;

constexpr int64_t kNow = 1000000;

std::string Entry(Argv argv) { return commands::EncodeLogCommand(commands::LogCommand{kNow, std::move(argv)}); }

// redraft.exec's log form for the queued commands, watching keys as of applied index w.
std::string ExecEntry(const std::vector<Argv>& queued, std::vector<std::string> watch_keys = {}, uint64_t w = 0) {
  commands::WatchState watch;
  watch.active = !watch_keys.empty();
  watch.index = w;
  watch.time_ms = kNow;
  for (auto& k : watch_keys) k = store::QualifyKey(0, k);  // WATCH ran in database 0
  watch.keys = std::move(watch_keys);
  auto plan = commands::BuildExec(queued, watch, kNow, /*db=*/0, [](const commands::CommandSpec&, const Argv&) {
    return std::string("+LOCAL\r\n");
  });
  auto entry = commands::PrepareWrite(*commands::Lookup("redraft.exec"), plan.argv, kNow);
  EXPECT_TRUE(entry.ok()) << entry.status().ToString();
  return entry.ok() ? *entry : std::string();
}

// A write entry in logical database db.
std::string EntryIn(int db, Argv argv) {
  commands::LogCommand cmd{kNow, std::move(argv)};
  cmd.db = db;
  return commands::EncodeLogCommand(cmd);
}

// redraft.exec for a connection on database db; watched keys as WATCH records them ([db][key]);
// a queued SELECT answers +OK (the proposer ran it).
std::string ExecIn(int db, const std::vector<Argv>& queued, std::vector<std::string> qualified_keys = {},
                   uint64_t w = 0) {
  commands::WatchState watch;
  watch.active = !qualified_keys.empty();
  watch.index = w;
  watch.time_ms = kNow;
  watch.keys = std::move(qualified_keys);
  auto plan = commands::BuildExec(queued, watch, kNow, db, [](const commands::CommandSpec&, const Argv&) {
    return std::string("+OK\r\n");
  });
  auto entry = commands::PrepareWrite(*commands::Lookup("redraft.exec"), plan.argv, kNow, db);
  EXPECT_TRUE(entry.ok()) << entry.status().ToString();
  return entry.ok() ? *entry : std::string();
}

class TransactionsTest : public ::testing::Test {
 protected:
  void SetUp() override { a_ = Open("a"); }

  std::unique_ptr<store::Store> Open(const std::string& name) {
    auto s = OpenTestStore(dir_.path() + "/" + name);
    EXPECT_NE(s, nullptr);
    return s;
  }
  // Applies data as the next entry on sm and returns its reply.
  static std::string Apply(StateMachine& sm, const std::string& data) {
    std::string out;
    resp::ReplyBuilder rb(&out);
    sm.Apply(sm.applied_index() + 1, data, &rb);
    return out;
  }
  // A copy of `from` installed into a new store through a snapshot view, as a follower gets it.
  std::unique_ptr<store::Store> SnapshotCopy(store::Store* from, const std::string& name) {
    auto to = Open(name);
    auto view = from->NewSnapshotView();
    EXPECT_TRUE(to->StageBegin().ok());
    for (; view->Valid(); view->Next()) {
      store::Value v;
      EXPECT_TRUE(view->value(&v).ok());
      to->StagePut(view->key(), v);
    }
    EXPECT_TRUE(view->status().ok());
    EXPECT_TRUE(to->StageInstall(view->applied_index(), view->key_count(), view->log_time_ms()).ok());
    return to;
  }

  TempDir dir_;
  std::unique_ptr<store::Store> a_;
};

TEST_F(TransactionsTest, OneEntryOneBatchAndReadsSeeTheTransactionsWrites) {
  StateMachine sm(a_.get());
  Apply(sm, Entry({"set", "old", "x"}));
  Apply(sm, Entry({"set", "zz", "x"}));
  std::string reply = Apply(sm, ExecEntry({{"set", "a", "1"},
                                           {"get", "a"},
                                           {"incr", "a"},
                                           {"del", "old"},
                                           {"exists", "old", "a"},
                                           {"dbsize"},
                                           {"keys", "*"},
                                           {"set", "k", "v", "badopt"},
                                           {"ping"},
                                           {"incr", "zz"},
                                           {"flushall"},
                                           {"set", "b", "2"},
                                           {"dbsize"},
                                           {"keys", "*"}}));
  EXPECT_EQ(reply, Array({kOk, Bulk("1"), Int(2), Int(1), Int(1), Int(2), Array({Bulk("a"), Bulk("zz")}),
                          "-ERR syntax error\r\n", "+LOCAL\r\n",
                          "-ERR value is not an integer or out of range\r\n", kOk, kOk, Int(1),
                          Array({Bulk("b")})}));
  EXPECT_EQ(sm.applied_index(), 3u);
  EXPECT_EQ(a_->KeyCount(), 1u);
  store::Value v;
  EXPECT_TRUE(store::DbStore(*a_, 0).Get("b", kNow, &v).ok());
  EXPECT_TRUE(store::DbStore(*a_, 0).Get("a", kNow, &v).IsNotFound());
}

TEST_F(TransactionsTest, WatchDecisionsAreTheSameAfterASnapshotInstall) {
  StateMachine sm(a_.get());
  Apply(sm, Entry({"set", "s", "1"}));            // 1
  Apply(sm, Entry({"hset", "h", "f", "1"}));      // 2
  Apply(sm, Entry({"set", "gone", "1"}));         // 3
  Apply(sm, Entry({"set", "other", "1"}));        // 4: W for the checks below
  Apply(sm, Entry({"set", "s", "2"}));            // 5: a string rewritten (its record's stamp)
  Apply(sm, Entry({"hset", "h", "f", "2"}));      // 6: a hash field changed (its record's stamp)
  Apply(sm, Entry({"del", "gone"}));              // 7: a deleted key (a stamp record)
  ASSERT_TRUE(a_->CompactAll().ok());             // young stamps survive compaction
  auto b = SnapshotCopy(a_.get(), "b");
  StateMachine sm_b(b.get());
  ASSERT_EQ(sm_b.applied_index(), 7u);

  const std::string kNullArray = "*-1\r\n";
  for (StateMachine* m : {&sm, &sm_b}) {
    SCOPED_TRACE(m == &sm ? "original" : "installed from a snapshot");
    EXPECT_EQ(Apply(*m, ExecEntry({{"get", "s"}}, {"s"}, 4)), kNullArray);
    EXPECT_EQ(Apply(*m, ExecEntry({{"get", "s"}}, {"h"}, 4)), kNullArray);
    EXPECT_EQ(Apply(*m, ExecEntry({{"get", "s"}}, {"gone"}, 4)), kNullArray);
    EXPECT_EQ(Apply(*m, ExecEntry({{"get", "s"}}, {"other", "missing"}, 4)), Array({Bulk("2")}));
    EXPECT_EQ(Apply(*m, ExecEntry({{"get", "s"}}, {"s", "h", "gone"}, 7)), Array({Bulk("2")}));
  }
  // FLUSHALL after the WATCH conflicts with every key; a WATCH after it does not.
  for (StateMachine* m : {&sm, &sm_b}) {
    uint64_t w = m->applied_index();
    Apply(*m, Entry({"flushall"}));
    EXPECT_EQ(Apply(*m, ExecEntry({{"set", "x", "1"}}, {"missing"}, w)), kNullArray);
    EXPECT_EQ(Apply(*m, ExecEntry({{"set", "x", "1"}}, {"missing"}, w + 1)), Array({kOk}));
  }
}

TEST_F(TransactionsTest, TheLastChangeInABatchWins) {
  StateMachine sm(a_.get());
  Apply(sm, Entry({"set", "k", "1"}));
  auto batch = a_->NewBatch();
  commands::TxnBatch tb(a_.get(), batch.get());
  EXPECT_EQ(tb.LastChange(store::QualifyKey(0, "k")), 1u);  // the string's own stamp (stored key)
  tb.BeginEntry(2);
  tb.Delete("k");
  EXPECT_EQ(tb.LastChange("k"), 2u);  // a pending stamp
  tb.BeginEntry(3);
  tb.Put("k", store::Value{});
  EXPECT_EQ(tb.LastChange("k"), 3u);  // re-created: its record's stamp is newer than the delete's
  tb.BeginEntry(4);
  tb.PutSub("h", 7, "f", "v");
  tb.WriteStamps();
  EXPECT_EQ(tb.LastChange("h"), 4u);
  EXPECT_EQ(tb.LastFlush(), 0u);
  tb.BeginEntry(5);
  tb.DeleteAll();
  EXPECT_EQ(tb.LastFlush(), 5u);
  tb.WriteStamps();
  EXPECT_EQ(tb.LastFlush(), 5u);
  EXPECT_EQ(tb.LastChange("h"), 0u);  // gone with the flush, which the flush stamp covers
}

TEST_F(TransactionsTest, AWatchOlderThanTheHorizonConflicts) {
  StateMachine sm(a_.get());
  Apply(sm, Entry({"set", "k", "1"}));
  ASSERT_TRUE(a_->SetAppliedIndex(store::kWatchHorizon).ok());
  EXPECT_EQ(Apply(sm, ExecEntry({{"get", "k"}}, {"k"}, 1)), Array({Bulk("1")}));  // W + horizon == E
  ASSERT_TRUE(a_->SetAppliedIndex(store::kWatchHorizon + 5).ok());
  EXPECT_EQ(Apply(sm, ExecEntry({{"get", "k"}}, {"k"}, 1)), "*-1\r\n");
}

TEST_F(TransactionsTest, AMalformedEntryIsAnsweredNotApplied) {
  StateMachine sm(a_.get());
  EXPECT_EQ(Apply(sm, Entry({"redraft.exec", "0", "0", "5"})), "-ERR invalid log entry: malformed redraft.exec\r\n");
  EXPECT_EQ(Apply(sm, Entry({"redraft.exec", "0", "0", "0", "Cgarbage"})),
            "*1\r\n-ERR invalid log entry: malformed redraft.exec item\r\n");
  EXPECT_FALSE(StateMachine::ValidateEntry(Entry({"redraft.exec", "0", "0", "0", "Cgarbage"})).ok());
  EXPECT_EQ(sm.applied_index(), 2u);
  EXPECT_EQ(a_->KeyCount(), 0u);
}

}  // namespace
}  // namespace redraft::server

namespace redraft::server {
namespace {

// SELECT inside MULTI: the commands queued after it run in the database it selected, writes and
// reads alike, from the database the connection was on when EXEC ran.
TEST_F(TransactionsTest, CommandsAfterASelectRunInThatDatabase) {
  StateMachine sm(a_.get());
  std::string reply = Apply(sm, ExecIn(2, {{"set", "a", "two"},
                                           {"select", "1"},
                                           {"set", "a", "one"},
                                           {"get", "a"},
                                           {"dbsize"},
                                           {"select", "2"},
                                           {"get", "a"},
                                           {"move", "a", "3"},
                                           {"select", "3"},
                                           {"get", "a"},
                                           {"swapdb", "3", "4"},
                                           {"get", "a"}}));
  EXPECT_EQ(reply, Array({kOk, kOk, kOk, Bulk("one"), Int(1), kOk, Bulk("two"), Int(1), kOk, Bulk("two"), kOk,
                          "$-1\r\n"}));
  store::Value v;
  ASSERT_TRUE(store::DbStore(*a_, 1).Get("a", kNow, &v).ok());
  EXPECT_EQ(v.payload, "one");
  ASSERT_TRUE(store::DbStore(*a_, 4).Get("a", kNow, &v).ok());
  EXPECT_EQ(v.payload, "two");
  EXPECT_TRUE(store::DbStore(*a_, 0).Get("a", kNow, &v).IsNotFound());
  EXPECT_TRUE(store::DbStore(*a_, 2).Get("a", kNow, &v).IsNotFound());
  EXPECT_TRUE(store::DbStore(*a_, 3).Get("a", kNow, &v).IsNotFound());
}

// WATCH is per database, and FLUSHDB, SWAPDB and MOVE count as changes: a spurious abort is
// allowed (FLUSHDB or SWAPDB of other databases), a missed conflict is not.
TEST_F(TransactionsTest, WatchSeesChangesByDatabaseFlushdbSwapdbAndMove) {
  StateMachine sm(a_.get());
  const std::string kNullArray = "*-1\r\n";
  const std::string k0 = store::QualifyKey(0, "k"), k1 = store::QualifyKey(1, "k");
  Apply(sm, EntryIn(0, {"set", "k", "0"}));
  Apply(sm, EntryIn(1, {"set", "k", "1"}));
  auto watch_then = [&](const std::string& change_entry, const std::string& key) {
    uint64_t w = sm.applied_index();
    Apply(sm, change_entry);
    return Apply(sm, ExecIn(0, {{"ping"}}, {key}, w));
  };
  EXPECT_EQ(watch_then(EntryIn(1, {"set", "k", "x"}), k0), Array({kOk}));  // another database's k
  EXPECT_EQ(watch_then(EntryIn(1, {"set", "k", "x"}), k1), kNullArray);
  EXPECT_EQ(watch_then(EntryIn(0, {"swapdb", "0", "1"}), k0), kNullArray);
  EXPECT_EQ(watch_then(EntryIn(0, {"flushdb"}), k0), kNullArray);
  EXPECT_EQ(watch_then(EntryIn(5, {"flushdb"}), k0), kNullArray);  // spurious, allowed
  Apply(sm, EntryIn(0, {"set", "k", "0"}));
  EXPECT_EQ(watch_then(EntryIn(0, {"move", "k", "7"}), k0), kNullArray);
  EXPECT_EQ(watch_then(EntryIn(0, {"set", "m", "1"}), store::QualifyKey(7, "k")), Array({kOk}));
  EXPECT_EQ(watch_then(EntryIn(7, {"move", "k", "0"}), store::QualifyKey(7, "k")), kNullArray);
}

// The stamp of a stored key as the store holds it: the record's (a string's version, a
// collection's stamp) and the stamp record's (0 when absent).
struct Stamps {
  uint64_t record = 0;
  uint64_t sub_record = 0;
};
Stamps StampsOf(store::Store& s, std::string_view user_key) {
  Stamps out;
  const std::string key = store::QualifyKey(0, user_key);
  store::Value v;
  if (s.Get(key, kNow, &v).ok()) out.record = v.type == store::ValueType::kString ? v.version : v.stamp;
  std::string raw;
  if (s.GetSub(key, store::kWatchVersion, "", &raw).ok() && raw.size() == 8) out.sub_record = DecodeFixed64(raw.data());
  return out;
}

// A collection's WATCH stamp is in its metadata record (docs/transactions.md): a write of the
// collection writes no stamp record, whether it rewrote the record anyway (RPUSH, XADD) or changed
// only elements (LSET: the record is rewritten with the stamp). A delete leaves a stamp record.
// Each change conflicts with a WATCH before it and not with one after it.
TEST_F(TransactionsTest, CollectionsCarryTheirStampInTheirRecord) {
  StateMachine sm(a_.get());
  const std::string kNullArray = "*-1\r\n";
  Apply(sm, Entry({"rpush", "l", "a", "b"}));                // 1
  Apply(sm, Entry({"xadd", "s", "1-1", "f", "v"}));          // 2
  Apply(sm, Entry({"hset", "h", "f", "1"}));                 // 3
  Apply(sm, Entry({"lset", "l", "0", "c"}));                 // 4: elements only
  Apply(sm, Entry({"hset", "h", "f", "2"}));                 // 5
  EXPECT_EQ(StampsOf(*a_, "l").record, 4u);
  EXPECT_EQ(StampsOf(*a_, "s").record, 2u);
  EXPECT_EQ(StampsOf(*a_, "h").record, 5u);
  for (const char* k : {"l", "s", "h"}) EXPECT_EQ(StampsOf(*a_, k).sub_record, 0u) << k;
  EXPECT_EQ(Apply(sm, ExecEntry({{"ping"}}, {"l"}, 3)), kNullArray);
  EXPECT_EQ(Apply(sm, ExecEntry({{"ping"}}, {"h"}, 4)), kNullArray);
  EXPECT_EQ(Apply(sm, ExecEntry({{"ping"}}, {"l", "s", "h"}, 5)), Array({"+LOCAL\r\n"}));
  uint64_t w = sm.applied_index();
  Apply(sm, Entry({"del", "l"}));
  EXPECT_EQ(StampsOf(*a_, "l").sub_record, w + 1);
  EXPECT_EQ(Apply(sm, ExecEntry({{"ping"}}, {"l"}, w)), kNullArray);
  // Several entries of one batch: the record ends with the last change's index.
  std::string out;
  resp::ReplyBuilder rb(&out);
  w = sm.applied_index();
  std::vector<raft::Entry> entries(3);
  entries[0].data = Entry({"rpush", "l2", "a"});
  entries[1].data = Entry({"lset", "l2", "0", "b"});
  entries[2].data = Entry({"set", "x", "1"});
  for (size_t i = 0; i < entries.size(); i++) entries[i].index = w + 1 + i;
  sm.ApplyBatch(entries, [&](size_t) { return &rb; });
  EXPECT_EQ(StampsOf(*a_, "l2").record, w + 2);
  EXPECT_EQ(StampsOf(*a_, "l2").sub_record, 0u);
  EXPECT_EQ(Apply(sm, ExecEntry({{"ping"}}, {"l2"}, w + 1)), kNullArray);
}

// Rewrites a store as a redraft from before stamps moved into metadata records left it: format 2,
// no stamp in any record, a stamp record for every collection instead.
void RewriteAsFormat2(const std::string& dir) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, cfs, &handles, &db).ok());
  auto cf = [&](const std::string& name) {
    for (size_t i = 0; i < names.size(); i++) {
      if (names[i] == name) return handles[i];
    }
    ADD_FAILURE() << "no column family " << name;
    return handles[0];
  };
  rocksdb::WriteBatch wb;
  int stamped = 0;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf("meta")));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string rec = it->value().ToString();
    if (!(static_cast<uint8_t>(rec[0]) & 0x40)) continue;
    std::string stamp = rec.substr(rec.size() - 8);
    rec.resize(rec.size() - 8);
    rec[0] = static_cast<char>(static_cast<uint8_t>(rec[0]) & ~0x40);
    wb.Put(cf("meta"), it->key(), rec);
    wb.Put(cf("sub"), store::EncodeSubKey(it->key().ToString(), store::kWatchVersion, ""), stamp);
    stamped++;
  }
  EXPECT_GT(stamped, 0);
  std::string format;
  PutFixed32(&format, 2);
  wb.Put(cf("state"), "format", format);
  ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &wb).ok());
  it.reset();
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

uint32_t FormatOf(const std::string& dir) {
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  EXPECT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, cfs, &handles, &db).ok());
  std::string v;
  for (size_t i = 0; i < names.size(); i++) {
    if (names[i] == "state") EXPECT_TRUE(db->Get(rocksdb::ReadOptions(), handles[i], "format", &v).ok());
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  return v.size() == 4 ? DecodeFixed32(v.data()) : 0;
}

// A data directory written before stamps moved into metadata records opens, reads the same, and
// decides WATCH the same (from its stamp records), before and after new writes, compaction and a
// snapshot install; opening it marks it format 3, so an older binary refuses it afterwards.
TEST_F(TransactionsTest, AStoreFromBeforeRecordStampsReadsAndWatchesAlike) {
  const std::string kNullArray = "*-1\r\n";
  {
    StateMachine sm(a_.get());
    Apply(sm, Entry({"rpush", "l", "a", "b"}));      // 1
    Apply(sm, Entry({"hset", "h", "f", "1"}));       // 2
    Apply(sm, Entry({"set", "s", "1"}));             // 3
    Apply(sm, Entry({"xadd", "x", "1-1", "f", "v"}));  // 4
    Apply(sm, Entry({"lset", "l", "0", "c"}));       // 5
  }
  a_.reset();
  RewriteAsFormat2(dir_.path() + "/a");
  ASSERT_EQ(FormatOf(dir_.path() + "/a"), 2u);
  a_ = Open("a");
  ASSERT_NE(a_, nullptr);
  StateMachine sm(a_.get());
  EXPECT_EQ(sm.applied_index(), 5u);
  EXPECT_EQ(StampsOf(*a_, "l").record, 0u);  // as the old binary left it
  EXPECT_EQ(StampsOf(*a_, "l").sub_record, 5u);
  EXPECT_EQ(Apply(sm, ExecEntry({{"lrange", "l", "0", "-1"}, {"hget", "h", "f"}, {"xlen", "x"}, {"get", "s"}})),
            Array({Array({Bulk("c"), Bulk("b")}), Bulk("1"), Int(1), Bulk("1")}));
  EXPECT_EQ(Apply(sm, ExecEntry({{"ping"}}, {"l"}, 4)), kNullArray);           // the stamp record decides
  EXPECT_EQ(Apply(sm, ExecEntry({{"ping"}}, {"l", "h", "x", "s"}, 5)), Array({"+LOCAL\r\n"}));
  uint64_t w = sm.applied_index();
  Apply(sm, Entry({"hset", "h", "f", "2"}));  // a new write stamps the record; the old record stays
  EXPECT_EQ(StampsOf(*a_, "h").record, w + 1);
  EXPECT_EQ(StampsOf(*a_, "h").sub_record, 2u);
  ASSERT_TRUE(a_->CompactAll().ok());
  auto b = SnapshotCopy(a_.get(), "b");
  StateMachine sm_b(b.get());
  for (StateMachine* m : {&sm, &sm_b}) {
    SCOPED_TRACE(m == &sm ? "upgraded" : "installed from a snapshot");
    EXPECT_EQ(Apply(*m, ExecEntry({{"ping"}}, {"h"}, w)), kNullArray);
    EXPECT_EQ(Apply(*m, ExecEntry({{"ping"}}, {"l"}, 4)), kNullArray);
    EXPECT_EQ(Apply(*m, ExecEntry({{"hget", "h", "f"}}, {"h", "l", "x"}, w + 1)), Array({Bulk("2")}));
  }
  a_.reset();
  EXPECT_EQ(FormatOf(dir_.path() + "/a"), 3u);
}

}  // namespace
}  // namespace redraft::server
