// StateMachine: an entry that should never have been committed (forged, or from an old log) is
// answered with an error, changes nothing and does not stop the replica.
#include "server/state_machine.h"

#include <gtest/gtest.h>

#include "store/db_view.h"
#include "test_util.h"  // tests/commands: TempDir, OpenTestStore

namespace redraft::server {
namespace {

using commands::Argv;
using commands::testing::OpenTestStore;
using commands::testing::TempDir;

std::string Entry(Argv argv) { return commands::EncodeLogCommand(commands::LogCommand{1000, std::move(argv)}); }

TEST(StateMachine, BadEntriesAreAnsweredNotAppliedAndDoNotStopTheLog) {
  TempDir dir;
  auto store = OpenTestStore(dir.path() + "/db");
  ASSERT_NE(store, nullptr);
  StateMachine sm(store.get());
  std::vector<raft::Entry> entries;
  auto add = [&](std::string data) {
    raft::Entry e;
    e.index = entries.size() + 1;
    e.term = 1;
    e.data = std::move(data);
    entries.push_back(std::move(e));
  };
  add(Entry({"set", "k", "v1"}));
  add(Entry({"get", "k"}));          // a read proposed into the log (the forged forward)
  add("\x01\x05garbage");             // does not decode
  add(Entry({"setnx", "k"}));        // wrong arity: apply would index past argv
  add(Entry({"nosuch\r\n:42", "x"}));  // unknown, with CR/LF in the name
  add(Entry({"append", "k", "2"}));
  std::vector<std::string> replies(entries.size());
  std::vector<resp::ReplyBuilder> builders;
  for (auto& r : replies) builders.emplace_back(&r);
  sm.ApplyBatch(entries, [&](size_t i) { return &builders[i]; });

  EXPECT_EQ(replies[0], "+OK\r\n");
  EXPECT_EQ(replies[1], "-ERR invalid log entry: 'get' is not a write command\r\n");
  EXPECT_EQ(replies[2], "-ERR invalid log entry: it does not decode\r\n");
  EXPECT_EQ(replies[3], "-ERR wrong number of arguments for 'setnx' command\r\n");
  EXPECT_EQ(replies[4], "-ERR unknown command 'nosuch  :42', with args beginning with: 'x' \r\n");
  EXPECT_EQ(replies[5], ":3\r\n");
  EXPECT_EQ(sm.applied_index(), entries.size());
  store::Value v;
  store::DbStore db0(*store, 0);  // entries without a database apply to database 0
  ASSERT_TRUE(db0.Get("k", 0, &v).ok());
  EXPECT_EQ(v.payload, "v12");
  EXPECT_EQ(store->KeyCount(), 1u);

  // The same bad entry applied alone (as on a replica replaying its log) gives the same reply.
  std::string again;
  resp::ReplyBuilder rb(&again);
  sm.Apply(sm.applied_index() + 1, Entry({"get", "k"}), &rb);
  EXPECT_EQ(again, replies[1]);
  EXPECT_EQ(sm.applied_index(), entries.size() + 1);
}

TEST(StateMachine, ValidateEntryIsTheProposersGate) {
  EXPECT_TRUE(StateMachine::ValidateEntry(Entry({"set", "k", "v"})).ok());
  EXPECT_FALSE(StateMachine::ValidateEntry(Entry({"get", "k"})).ok());
}

// Entries carry their database; one apply batch sees a SWAPDB applied earlier in it; stored keys
// (active expiry) are for internal commands only.
TEST(StateMachine, EntriesApplyToTheirDatabase) {
  TempDir dir;
  auto store = OpenTestStore(dir.path() + "/db");
  ASSERT_NE(store, nullptr);
  StateMachine sm(store.get());
  auto in_db = [](int db, Argv argv, int64_t now = 1000) {
    commands::LogCommand cmd{now, std::move(argv)};
    cmd.db = db;
    return commands::EncodeLogCommand(cmd);
  };
  std::vector<raft::Entry> entries;
  for (std::string data : {in_db(3, {"set", "k", "three"}), in_db(0, {"set", "k", "zero"}),
                           in_db(0, {"swapdb", "0", "3"}), in_db(0, {"append", "k", "+"}),
                           in_db(3, {"set", "gone", "x", "pxat", "1500"}),
                           in_db(commands::kStoredKeys, {"set", "k", "raw"}),
                           in_db(commands::kStoredKeys, {"redraft.expired", std::string("\x00gone", 5)}, 2000)}) {
    raft::Entry e;
    e.index = entries.size() + 1;
    e.term = 1;
    e.data = std::move(data);
    entries.push_back(std::move(e));
  }
  std::vector<std::string> replies(entries.size());
  std::vector<resp::ReplyBuilder> builders;
  for (auto& r : replies) builders.emplace_back(&r);
  sm.ApplyBatch(entries, [&](size_t i) { return &builders[i]; });
  EXPECT_EQ(replies[3], ":6\r\n");  // "three" + "+": database 0 is the old database 3
  EXPECT_EQ(replies[5], "-ERR invalid log entry: 'set' with stored keys\r\n");
  EXPECT_EQ(replies[6], ":1\r\n");  // "gone" went to database 3 = physical 0
  store::Value v;
  ASSERT_TRUE(store::DbStore(*store, 0).Get("k", 0, &v).ok());
  EXPECT_EQ(v.payload, "three+");
  ASSERT_TRUE(store::DbStore(*store, 3).Get("k", 0, &v).ok());
  EXPECT_EQ(v.payload, "zero");
  EXPECT_EQ(store->DbKeyCount(3), 1u);
  EXPECT_EQ(store->KeyCount(), 2u);
}

}  // namespace
}  // namespace redraft::server
