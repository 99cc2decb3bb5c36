// ACL SETUSER/DELUSER in their log form, against a real store: what reaches the log, what the
// state holds, and that users are not keys (docs/acl.md).
#include "commands/acl_cmds.h"

#include "acl/password.h"
#include "test_util.h"

namespace redraft::commands::testing {
namespace {

class AclCmdsTest : public CommandTest {};

TEST_F(AclCmdsTest, SetUserProposesHashesAndStoresOps) {
  EXPECT_EQ(Run({"redraft.aclsetuser", "u", "on", ">pw", "~app:*", "+get"}), kOk);
  const Argv& log = last_log_argv();
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[3], "#" + acl::HashPassword("pw"));  // no clear text in the log
  auto users = LoadAclUsers(store());
  ASSERT_EQ(users.count("u"), 1u);
  acl::User u("u", &AclCommandSet());
  ASSERT_FALSE(u.SetOps(users["u"]));
  EXPECT_EQ(u.Describe(), "on #" + acl::HashPassword("pw") + " ~app:* resetchannels -@all +get");
  EXPECT_TRUE(u.CheckPassword("pw"));
  // Modifiers apply to the stored user.
  EXPECT_EQ(Run({"redraft.aclsetuser", "u", "+set", "<pw"}), kOk);
  users = LoadAclUsers(store());
  acl::User v("u", &AclCommandSet());
  ASSERT_FALSE(v.SetOps(users["u"]));
  EXPECT_EQ(v.Describe(), "on ~app:* resetchannels -@all +get +set");
}

TEST_F(AclCmdsTest, ErrorsChangeNothing) {
  EXPECT_EQ(Run({"redraft.aclsetuser", "u", "on", "foo"}), Err("ERR Error in ACL SETUSER modifier 'foo': Syntax error"));
  EXPECT_FALSE(has_log());
  EXPECT_EQ(Run({"redraft.aclsetuser", "u b"}), Err("ERR Usernames can't contain spaces or null characters"));
  EXPECT_EQ(Run({"redraft.aclsetuser", "u", "on", "<nopw"}),
            Err("ERR Error in ACL SETUSER modifier '!" + acl::HashPassword("nopw") +
                "': The password you are trying to remove from the user does not exist"));
  EXPECT_TRUE(LoadAclUsers(store()).empty());  // all or nothing: not even "on"
  EXPECT_EQ(Run({"redraft.acldeluser", "default"}), Err("ERR The 'default' user cannot be removed"));
}

TEST_F(AclCmdsTest, UsersAreNotKeysAndSurviveFlushallAndCompaction) {
  EXPECT_EQ(Run({"redraft.aclsetuser", "a", "on"}), kOk);
  EXPECT_EQ(Run({"redraft.aclsetuser", "default", "resetpass", ">x"}), kOk);
  EXPECT_EQ(Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(store().KeyCount(), 1u);
  EXPECT_EQ(Run({"flushall"}), kOk);
  EXPECT_EQ(store().KeyCount(), 0u);
  ASSERT_TRUE(store().CompactAll().ok());
  auto users = LoadAclUsers(store());
  EXPECT_EQ(users.size(), 2u);
  EXPECT_EQ(Run({"redraft.acldeluser", "a", "nosuch"}), Int(1));
  EXPECT_EQ(Run({"redraft.acldeluser", "a"}), Int(0));
  EXPECT_EQ(LoadAclUsers(store()).size(), 1u);
}

TEST_F(AclCmdsTest, KeysAndPermissions) {
  auto keys = AclKeys(*Lookup("mset"), {"mset", "a", "1", "b", "2"});
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[1].pos, 3u);
  EXPECT_EQ(keys[0].perm, acl::kKeyWrite);
  EXPECT_EQ(AclKeys(*Lookup("get"), {"get", "a"})[0].perm, acl::kKeyRead);
  EXPECT_EQ(AclKeys(*Lookup("incr"), {"incr", "a"})[0].perm, acl::kKeyAll);
  auto z = AclKeys(*Lookup("zunionstore"), {"zunionstore", "d", "2", "a", "b", "weights", "1", "2"});
  ASSERT_EQ(z.size(), 3u);
  EXPECT_EQ(z[0].pos, 1u);
  EXPECT_EQ(z[2].pos, 4u);
  EXPECT_EQ(AclCommandId(*Lookup("client"), {"client", "ID"}), AclCommandSet().Find("client|id"));
  acl::User u("u", &AclCommandSet());
  ASSERT_FALSE(u.SetOps(std::vector<std::string>{"+@all", "%R~r:*"}));
  EXPECT_EQ(AclCheck(u, *Lookup("get"), {"get", "r:1"}).denial, acl::Denial::kNone);
  EXPECT_EQ(AclCheck(u, *Lookup("set"), {"set", "r:1", "v"}).denial, acl::Denial::kKey);
  EXPECT_EQ(AclDenialError(AclCheck(u, *Lookup("set"), {"set", "r:1", "v"}), *Lookup("set"), {}),
            "NOPERM this user has no permissions to access one of the keys used as arguments");
}

}  // namespace
}  // namespace redraft::commands::testing
