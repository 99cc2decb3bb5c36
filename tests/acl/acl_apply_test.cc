// ACL checked where a write executes (docs/acl.md): an entry carries its client's user and the
// state machine judges it against that user's permissions as of the entry's log position, so a
// denial is the same reply and no change on every replica, however entries are grouped into
// apply batches. Also the entry format (with and without a user) and EXEC's per-command re-check.
#include <gtest/gtest.h>

#include "commands/acl_cmds.h"
#include "commands/transactions.h"
#include "commands/write_entry.h"
#include "server/state_machine.h"
#include "store/db_view.h"
#include "test_util.h"  // tests/commands: TempDir, OpenTestStore

namespace redraft::server {
namespace {

using commands::Argv;
using commands::testing::OpenTestStore;
using commands::testing::TempDir;

constexpr int64_t kNow = 1000;

std::string Entry(Argv argv, std::string user = "") {
  commands::LogCommand lc{kNow, std::move(argv)};
  lc.user = std::move(user);
  return commands::EncodeLogCommand(lc);
}

std::string Exec(const std::vector<Argv>& queued, const std::string& user) {
  commands::ExecPlan plan = commands::BuildExec(queued, commands::WatchState{}, kNow, 0,
                                                [](const commands::CommandSpec&, const Argv&) { return std::string(); });
  auto e = commands::PrepareWrite(*commands::Lookup("redraft.exec"), plan.argv, kNow, 0, user);
  EXPECT_TRUE(e.ok());
  return *e;
}

class AclApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenTestStore(dir_.path() + "/db");
    ASSERT_NE(store_, nullptr);
    sm_ = std::make_unique<StateMachine>(store_.get());
  }

  // Applies entries as one batch from the next index; returns their replies.
  static std::vector<std::string> ApplyTo(StateMachine& sm, const std::vector<std::string>& data) {
    std::vector<raft::Entry> entries;
    for (const auto& d : data) {
      raft::Entry e;
      e.index = sm.applied_index() + 1 + entries.size();
      e.term = 1;
      e.data = d;
      entries.push_back(std::move(e));
    }
    std::vector<std::string> replies(entries.size());
    std::vector<resp::ReplyBuilder> builders;
    for (auto& r : replies) builders.emplace_back(&r);
    sm.ApplyBatch(entries, [&](size_t i) { return &builders[i]; });
    return replies;
  }
  std::vector<std::string> ApplyBatch(const std::vector<std::string>& data) { return ApplyTo(*sm_, data); }
  bool Has(const std::string& key) {
    store::Value v;
    store::DbStore db0(*store_, 0);
    return db0.Get(key, kNow, &v).ok();
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<StateMachine> sm_;
};

const char kKeyDenied[] = "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n";

TEST(AclEntryFormat, UserRoundTripsWithDatabaseAndTagAndOldEntriesHaveNone) {
  commands::LogCommand lc{kNow, {"set", "k", "v"}};
  lc.db = 3;
  lc.user = "alice";
  std::string data = commands::EncodeLogCommand(lc);
  ASSERT_TRUE(commands::TagLogCommand(&data, commands::WriteTag{7, 9}));
  commands::LogCommand out;
  ASSERT_TRUE(commands::DecodeLogCommand(data, &out));
  EXPECT_EQ(out.db, 3);
  EXPECT_EQ(out.user, "alice");
  EXPECT_EQ(out.tag, (commands::WriteTag{7, 9}));
  EXPECT_EQ(commands::LogCommandTag(data), (commands::WriteTag{7, 9}));
  // A user alone (database 0) and no user at all: what entries looked like before.
  lc.db = 0;
  ASSERT_TRUE(commands::DecodeLogCommand(commands::EncodeLogCommand(lc), &out));
  EXPECT_EQ(out.db, 0);
  EXPECT_EQ(out.user, "alice");
  ASSERT_TRUE(commands::DecodeLogCommand(Entry({"set", "k", "v"}), &out));
  EXPECT_EQ(out.user, "");
  // Two database fields, or a user before a database, do not decode.
  std::string twice = Entry({"set", "k", "v"});
  twice += std::string("\x00\x02\x00\x03", 4);
  EXPECT_FALSE(commands::DecodeLogCommand(twice, &out));
  std::string order = Entry({"set", "k", "v"}, "bob");
  order += std::string("\x00\x02", 2);
  EXPECT_FALSE(commands::DecodeLogCommand(order, &out));
}

TEST_F(AclApplyTest, EntryIsJudgedByItsUserAsOfItsLogPosition) {
  const std::vector<std::string> entries = {
      Entry({"redraft.aclsetuser", "app", "on", "nopass", "~app:*", "+@all"}),
      Entry({"set", "app:1", "v"}, "app"),
      Entry({"set", "other", "v"}, "app"),                                       // denied: key
      Entry({"set", "other2", "v"}),                                             // no user: as old logs
      Entry({"set", "other3", "v"}, "default"),                                  // default: everything
      Entry({"redraft.aclsetuser", "app", "resetkeys", "~none:*", "-@admin"}, "default"),
      Entry({"set", "app:2", "v"}, "app"),                                       // revoked just before
      Entry({"redraft.aclsetuser", "app", "-set"}, "app"),                       // app may not run ACL
      Entry({"redraft.acldeluser", "app"}),
      Entry({"set", "app:3", "v"}, "app"),                                       // user gone
  };
  auto replies = ApplyBatch(entries);  // one batch: the revocation must still count at once
  EXPECT_EQ(replies[0], "+OK\r\n");
  EXPECT_EQ(replies[1], "+OK\r\n");
  EXPECT_EQ(replies[2], kKeyDenied);
  EXPECT_EQ(replies[3], "+OK\r\n");
  EXPECT_EQ(replies[4], "+OK\r\n");
  EXPECT_EQ(replies[5], "+OK\r\n");
  EXPECT_EQ(replies[6], kKeyDenied);
  EXPECT_EQ(replies[7], "-NOPERM this user has no permissions to run the 'acl|setuser' command\r\n");
  EXPECT_EQ(replies[8], ":1\r\n");
  EXPECT_EQ(replies[9], "-NOPERM User app does not exist any more\r\n");
  EXPECT_TRUE(Has("app:1"));
  EXPECT_FALSE(Has("other"));
  EXPECT_TRUE(Has("other2"));
  EXPECT_TRUE(Has("other3"));
  EXPECT_FALSE(Has("app:2"));
  EXPECT_FALSE(Has("app:3"));
  EXPECT_EQ(sm_->applied_index(), entries.size());

  // A replica that applies the same entries one at a time answers the same.
  TempDir dir2;
  auto store2 = OpenTestStore(dir2.path() + "/db");
  StateMachine sm2(store2.get());
  std::vector<std::string> one_by_one;
  for (const auto& d : entries) one_by_one.push_back(ApplyTo(sm2, {d})[0]);
  EXPECT_EQ(one_by_one, replies);
}

TEST_F(AclApplyTest, ExecJudgesEachQueuedCommandAndRunsTheOthers) {
  ApplyBatch({Entry({"redraft.aclsetuser", "app", "on", "nopass", "~app:*", "+@all", "-incr"})});
  auto replies = ApplyBatch({Exec({{"set", "app:1", "1"}, {"set", "other", "1"}, {"get", "app:1"}, {"incr", "app:1"}}, "app")});
  const std::string prefix =
      "-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. "
      "This command is no longer allowed for the following reason: ";
  EXPECT_EQ(replies[0], "*4\r\n+OK\r\n" + prefix + "no permission to touch the specified keys\r\n$1\r\n1\r\n" + prefix +
                            "no permission to execute the command or subcommand\r\n");
  EXPECT_TRUE(Has("app:1"));
  EXPECT_FALSE(Has("other"));
  // The same transaction without a user (an old log) runs everything.
  replies = ApplyBatch({Exec({{"set", "other", "1"}, {"incr", "app:1"}}, "")});
  EXPECT_EQ(replies[0], "*2\r\n+OK\r\n:2\r\n");
}


TEST_F(AclApplyTest, AclLoadReplacesAllUsersAndASeedOnlyFillsAnEmptyState) {
  std::map<std::string, std::vector<std::string>> file = {{"y", {"on", "nopass", "~y:*", "+@all"}}};
  auto load = [&](bool seed, std::string user = "") {
    Argv argv = commands::AclLoadForm(file, seed);
    auto e = commands::PrepareWrite(*commands::Lookup("redraft.aclload"), argv, kNow, 0, user);
    EXPECT_TRUE(e.ok());
    return *e;
  };
  auto names = [&] {
    std::vector<std::string> out;
    for (const auto& [name, u] : sm_->acl().users()) out.push_back(name);
    return out;
  };
  auto replies = ApplyBatch({load(/*seed=*/true)});  // empty state: the seed applies
  EXPECT_EQ(replies[0], "+OK\r\n");
  EXPECT_EQ(names(), (std::vector<std::string>{"default", "y"}));
  replies = ApplyBatch({Entry({"redraft.aclsetuser", "x", "on", "nopass", "~*", "+@all", "-@admin"}),
                        Entry({"redraft.acldeluser", "y"}), load(true)});  // users exist: a seed is a no-op
  EXPECT_EQ(replies[2], "+OK\r\n");
  EXPECT_EQ(names(), (std::vector<std::string>{"default", "x"}));
  replies = ApplyBatch({load(false, "x"), load(false)});  // x may not ACL LOAD; replace drops x
  EXPECT_EQ(replies[0], "-NOPERM this user has no permissions to run the 'acl|load' command\r\n");
  EXPECT_EQ(replies[1], "+OK\r\n");
  EXPECT_EQ(names(), (std::vector<std::string>{"default", "y"}));
  // Every user deleted: the state was managed, so a seed still does nothing.
  replies = ApplyBatch({Entry({"redraft.acldeluser", "y"}), load(true)});
  EXPECT_EQ(replies[0], ":1\r\n");
  EXPECT_EQ(names(), (std::vector<std::string>{"default"}));
  EXPECT_TRUE(commands::AclStateManaged(*store_));
}

}  // namespace
}  // namespace redraft::server
