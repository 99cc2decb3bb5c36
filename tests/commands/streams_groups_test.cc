// Consumer groups against a real Store, through prepare -> log -> apply (test_util.h). Replies
// byte-exact against redis-server 7.0 are in tests/integration/compat_cases_stream_groups.txt;
// these cover what a transcript cannot: PEL times come from the entry's clock (so replaying the
// log elsewhere yields the same PEL), the sub-key layout, and groups going with their key.
#include <gtest/gtest.h>

#include "commands/streams_blocking.h"
#include "commands/streams_groups.h"
#include "commands/streams_groups_store.h"
#include "commands/streams_nodes.h"
#include "test_util.h"

namespace redraft::commands::testing {
namespace {

using streams::StreamId;

class StreamGroupsTest : public CommandTest {
 protected:
  // As the server routes them: XGROUP's writes and XINFO's reads run as their internal forms.
  std::string R(Argv argv) {
    XgroupFormInMulti(&argv);
    std::string out = Run(argv);
    if (has_log()) logs_.push_back(last_log());
    return out;
  }
  void E(Argv argv, const std::string& want) { EXPECT_EQ(R(std::move(argv)), want); }

  std::vector<LogCommand> logs_;
};

TEST_F(StreamGroupsTest, DeliveryTimesAndIdleComeFromTheEntryClock) {
  set_now(1000);
  E({"XADD", "s", "1-1", "a", "1"}, Bulk("1-1"));
  E({"XADD", "s", "2-1", "b", "2"}, Bulk("2-1"));
  E({"XGROUP", "CREATE", "s", "g", "0"}, "+OK\r\n");
  R({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
  set_now(5000);
  // Idle = the read's clock minus the delivering entry's clock, exactly.
  E({"XPENDING", "s", "g", "-", "+", "10"},
    Array({Array({Bulk("1-1"), Bulk("alice"), Int(4000), Int(1)}), Array({Bulk("2-1"), Bulk("alice"), Int(4000), Int(1)})}));
  // min-idle-time is judged with the XCLAIM entry's clock: 4000 >= 3999, and IDLE sets the time.
  E({"XCLAIM", "s", "g", "bob", "3999", "1-1", "IDLE", "300", "JUSTID"}, Array({Bulk("1-1")}));
  E({"XCLAIM", "s", "g", "bob", "4001", "2-1", "JUSTID"}, Array({}));
  set_now(6000);
  E({"XPENDING", "s", "g", "-", "+", "10", "bob"}, Array({Array({Bulk("1-1"), Bulk("bob"), Int(1300), Int(1)})}));
  // The consumer's seen time is the entry's clock too.
  E({"XINFO", "CONSUMERS", "s", "g"},
    Array({Array({Bulk("name"), Bulk("alice"), Bulk("pending"), Int(1), Bulk("idle"), Int(5000)}),
           Array({Bulk("name"), Bulk("bob"), Bulk("pending"), Int(1), Bulk("idle"), Int(1000)})}));
  // XAUTOCLAIM: 2-1 was delivered at 1000, idle 5000 at 6000.
  E({"XAUTOCLAIM", "s", "g", "carol", "4999", "0", "JUSTID"}, Array({Bulk("0-0"), Array({Bulk("2-1")}), Array({})}));
}

TEST_F(StreamGroupsTest, ReplayingTheLogElsewhereGivesTheSamePel) {
  set_now(100);
  R({"XADD", "s", "*", "a", "1"});
  R({"XADD", "s", "*", "b", "2"});
  R({"XADD", "s", "*", "c", "3"});
  R({"XGROUP", "CREATE", "s", "g", "0"});
  R({"XGROUP", "CREATE", "s", "h", "$"});
  set_now(200);
  R({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"});
  set_now(300);
  R({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"});
  R({"XCLAIM", "s", "g", "bob", "0", "100-0", "RETRYCOUNT", "5"});
  R({"XACK", "s", "g", "100-1"});
  R({"XGROUP", "CREATECONSUMER", "s", "h", "zed"});
  ASSERT_FALSE(logs_.empty());
  TempDir other_dir;
  auto other = OpenTestStore(other_dir.path() + "/db");
  uint64_t index = 0;
  for (const auto& log : logs_) ApplyLog(*other, log, ++index, 2);
  uint64_t version = VersionOf("s");
  std::vector<std::pair<std::string, std::string>> theirs;
  ASSERT_TRUE(other->ScanSub("s", version, "", [&](std::string_view f, std::string_view v) {
    theirs.emplace_back(f, v);
    return true;
  }).ok());
  EXPECT_EQ(SubKeyList("s", version), theirs);
}

TEST_F(StreamGroupsTest, GroupRecordsSortAfterEntriesAndGoWithTheKey) {
  R({"XADD", "s", "1-1", "a", "1"});
  R({"XGROUP", "CREATE", "s", "g", "0"});
  R({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
  auto subs = SubKeyList("s", VersionOf("s"));
  ASSERT_EQ(subs.size(), 5u);  // entry, group, consumer, PEL entry, consumer PEL entry
  EXPECT_EQ(subs[0].first, streams::EntryField({1, 1}));
  EXPECT_EQ(subs[1].first, streams::GroupField("g"));
  EXPECT_EQ(subs[2].first, streams::ConsumerField("g", "alice"));
  EXPECT_EQ(subs[3].first, streams::PelField("g", {1, 1}));
  EXPECT_EQ(subs[4].first, streams::ConsumerPelField("g", "alice", {1, 1}));
  // Entry scans stop at the first non-entry field: XRANGE/XREVRANGE see only the entry.
  E({"XREVRANGE", "s", "+", "-"}, Array({Array({Bulk("1-1"), Array({Bulk("a"), Bulk("1")})})}));
  // DESTROY drops every record of the group.
  E({"XGROUP", "DESTROY", "s", "g"}, Int(1));
  EXPECT_EQ(SubKeyList("s", VersionOf("s")).size(), 1u);
  // A deleted and re-created key has no groups.
  R({"XGROUP", "CREATE", "s", "g", "0"});
  R({"DEL", "s"});
  R({"XADD", "s", "1-1", "a", "1"});
  E({"XINFO", "GROUPS", "s"}, Array({}));
}

TEST_F(StreamGroupsTest, CountersFollowThePel) {
  R({"XADD", "s", "1-1", "a", "1"});
  R({"XADD", "s", "2-1", "a", "1"});
  R({"XGROUP", "CREATE", "s", "g", "0"});
  R({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
  R({"XCLAIM", "s", "g", "bob", "0", "2-1"});
  E({"XPENDING", "s", "g"}, Array({Int(2), Bulk("1-1"), Bulk("2-1"),
                                   Array({Array({Bulk("alice"), Bulk("1")}), Array({Bulk("bob"), Bulk("1")})})}));
  E({"XGROUP", "DELCONSUMER", "s", "g", "bob"}, Int(1));
  E({"XPENDING", "s", "g"}, Array({Int(1), Bulk("1-1"), Bulk("1-1"), Array({Array({Bulk("alice"), Bulk("1")})})}));
  R({"XDEL", "s", "1-1"});
  // XCLAIM of a deleted entry clears it from the PEL and from its owner's.
  E({"XCLAIM", "s", "g", "bob", "0", "1-1"}, Array({}));
  E({"XPENDING", "s", "g"}, Array({Int(0), "$-1\r\n", "$-1\r\n", "*-1\r\n"}));
  E({"XINFO", "CONSUMERS", "s", "g"},
    Array({Array({Bulk("name"), Bulk("alice"), Bulk("pending"), Int(0), Bulk("idle"), Int(0)})}));
}

TEST_F(StreamGroupsTest, BlockingReadsWaitForAnEntryAfterTheirIdOrTheGroups) {
  R({"XADD", "s", "1-1", "a", "1"});
  R({"XGROUP", "CREATE", "s", "g", "$"});
  BlockingWait w;
  ASSERT_TRUE(DescribeBlocking({"XREADGROUP", "GROUP", "g", "c", "BLOCK", "250", "STREAMS", "s", ">"}, &w));
  EXPECT_EQ(w.keys, std::vector<std::string>{"s"});
  EXPECT_EQ(w.timeout_ms, 250);
  EXPECT_EQ(w.type, store::ValueType::kStream);
  EXPECT_FALSE(DescribeBlocking({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}, &w));  // no BLOCK: a plain write
  Argv group_read{"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"};
  EXPECT_FALSE(StreamWaitReady(store(), group_read, "s", 0));
  // XREAD BLOCK ... $ becomes redraft.xread with $ resolved to the last ID here.
  const CommandSpec* spec = Lookup("xread");
  Argv xread{"XREAD", "BLOCK", "0", "STREAMS", "s", "missing", "$", "$"};
  XreadBlockForm(&spec, &xread, store(), 0);
  EXPECT_EQ(xread, (Argv{"redraft.xread", "BLOCK", "0", "STREAMS", "s", "missing", "1-1", "0-0"}));
  EXPECT_EQ(spec->name, "redraft.xread");
  EXPECT_FALSE(StreamWaitReady(store(), xread, "s", 0));
  E({"redraft.xread", "BLOCK", "0", "STREAMS", "s", "missing", "1-1", "0-0"}, "*-1\r\n");  // nothing yet: parks
  R({"XADD", "s", "2-1", "b", "2"});
  EXPECT_TRUE(StreamWaitReady(store(), xread, "s", 0));
  EXPECT_TRUE(StreamWaitReady(store(), group_read, "s", 0));
  E({"redraft.xread", "BLOCK", "0", "STREAMS", "s", "missing", "1-1", "0-0"},
    Array({Array({Bulk("s"), Array({Array({Bulk("2-1"), Array({Bulk("b"), Bulk("2")})})})})}));
  R({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
  EXPECT_FALSE(StreamWaitReady(store(), group_read, "s", 0));  // delivered: nothing new for the group
  R({"XGROUP", "DESTROY", "s", "g"});
  EXPECT_TRUE(StreamWaitReady(store(), group_read, "s", 0));  // woken to answer NOGROUP
  // Without BLOCK, or with an invalid one, XREAD stays a read.
  Argv plain{"XREAD", "STREAMS", "s", "$"};
  spec = Lookup("xread");
  XreadBlockForm(&spec, &plain, store(), 0);
  EXPECT_EQ(plain[0], "XREAD");
  Argv bad{"XREAD", "BLOCK", "-1", "STREAMS", "s", "$"};
  XreadBlockForm(&spec, &bad, store(), 0);
  EXPECT_EQ(bad[0], "XREAD");
}

}  // namespace
}  // namespace redraft::commands::testing
