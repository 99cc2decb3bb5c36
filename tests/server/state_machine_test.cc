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

}  // namespace
}  // namespace redraft::server
