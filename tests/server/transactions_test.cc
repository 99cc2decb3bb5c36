// Transactions through the state machine (docs/transactions.md): one redraft.exec entry applied
// in one batch, reads over the batch, and WATCH decisions that depend only on replicated state
// (the same after a snapshot install, after compaction) and on the horizon.
#include <gtest/gtest.h>

#include "commands/transactions.h"
#include "commands/write_entry.h"
#include "server/state_machine.h"
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
  watch.keys = std::move(watch_keys);
  auto plan = commands::BuildExec(queued, watch, kNow, [](const commands::CommandSpec&, const Argv&) {
    return std::string("+LOCAL\r\n");
  });
  auto entry = commands::PrepareWrite(*commands::Lookup("redraft.exec"), plan.argv, kNow);
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
  EXPECT_TRUE(a_->Get("b", kNow, &v).ok());
  EXPECT_TRUE(a_->Get("a", kNow, &v).IsNotFound());
}

TEST_F(TransactionsTest, WatchDecisionsAreTheSameAfterASnapshotInstall) {
  StateMachine sm(a_.get());
  Apply(sm, Entry({"set", "s", "1"}));            // 1
  Apply(sm, Entry({"hset", "h", "f", "1"}));      // 2
  Apply(sm, Entry({"set", "gone", "1"}));         // 3
  Apply(sm, Entry({"set", "other", "1"}));        // 4: W for the checks below
  Apply(sm, Entry({"set", "s", "2"}));            // 5: a string rewritten (its record's stamp)
  Apply(sm, Entry({"hset", "h", "f", "2"}));      // 6: a hash field changed (a stamp record)
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
  EXPECT_EQ(tb.LastChange("k"), 1u);  // the string's own stamp
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
