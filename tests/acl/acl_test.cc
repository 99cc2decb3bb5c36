#include <gtest/gtest.h>

#include "acl/acl_log.h"
#include "acl/category.h"
#include "acl/password.h"
#include "acl/registry.h"
#include "acl/user.h"
#include "commands/glob.h"

namespace redraft::acl {
namespace {

bool Glob(std::string_view p, std::string_view s) { return commands::GlobMatch(p, s); }

const CommandSet& Commands() {
  static const CommandSet cs({
      {"get", kRead | kString | kFast},
      {"set", kWrite | kString | kSlow},
      {"hget", kRead | kHash | kFast},
      {"hset", kWrite | kHash | kFast},
      {"del", kKeyspace | kWrite | kSlow},
      {"flushall", kKeyspace | kWrite | kSlow | kDangerous},
      {"client", kSlow},
      {"client|id", kSlow | kConnection, false, 6},
      {"client|kill", kAdmin | kSlow | kDangerous | kConnection, false, 6},
      {"select", kFast | kConnection},
      {"auth", kFast | kConnection, true},
      {"keys", kKeyspace | kRead | kSlow | kDangerous},
  });
  return cs;
}

User Make(std::vector<std::string> ops, std::string* err = nullptr) {
  User u("u", &Commands());
  auto e = u.SetOps(ops);
  if (err) *err = e.value_or("");
  else EXPECT_FALSE(e) << *e;
  return u;
}

TEST(AclUser, NewUserAndDefault) {
  EXPECT_EQ(User("u", &Commands()).Describe(), "off resetchannels -@all");
  EXPECT_EQ(User::Default(&Commands()).Describe(), "on nopass ~* &* +@all");
  EXPECT_EQ(Make({"reset"}).Describe(), "off sanitize-payload resetchannels -@all");
}

TEST(AclUser, Passwords) {
  std::string a = HashPassword("a");
  EXPECT_EQ(a, "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
  User u = Make({"on", ">a", ">b", ">a"});
  EXPECT_EQ(u.passwords().size(), 2u);
  EXPECT_TRUE(u.CheckPassword("a"));
  EXPECT_TRUE(u.CheckPassword("b"));
  EXPECT_FALSE(u.CheckPassword("c"));
  EXPECT_EQ(Make({">a", "nopass"}).Describe(), "off nopass resetchannels -@all");
  EXPECT_EQ(Make({"nopass", ">a"}).Describe(), "off #" + a + " resetchannels -@all");
  EXPECT_EQ(Make({">a", "<a"}).passwords().size(), 0u);
  EXPECT_EQ(Make({"#" + a, "!" + a}).passwords().size(), 0u);
  EXPECT_EQ(Make({">a", "resetpass"}).Describe(), "off resetchannels -@all");
  EXPECT_FALSE(Make({">a"}).CheckPassword("a"));  // off
  EXPECT_TRUE(Make({"on", "nopass"}).CheckPassword("anything"));
  std::string err;
  Make({"<x"}, &err);
  EXPECT_EQ(err, "ERR Error in ACL SETUSER modifier '<x': The password you are trying to remove from the user does not exist");
  Make({"#abc"}, &err);
  EXPECT_EQ(err, "ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and "
                 "contain only lowercase hexadecimal characters");
  Make({"#" + std::string(64, 'A')}, &err);
  EXPECT_NE(err, "");
}

TEST(AclUser, ErrorsLeaveUserUnchanged) {
  User u = Make({"on", "+get"});
  User before = u;
  auto err = u.SetOps(std::vector<std::string>{"+set", "foo"});
  ASSERT_TRUE(err);
  EXPECT_EQ(*err, "ERR Error in ACL SETUSER modifier 'foo': Syntax error");
  EXPECT_EQ(u, before);
  std::string e;
  Make({"+nosuch"}, &e);
  EXPECT_EQ(e, "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
  Make({"+@nosuch"}, &e);
  EXPECT_EQ(e, "ERR Error in ACL SETUSER modifier '+@nosuch': Unknown command or category name in ACL");
  Make({"+client|id|x"}, &e);
  EXPECT_EQ(e, "ERR Error in ACL SETUSER modifier '+client|id|x': Allowing first-arg of a subcommand is not supported");
  Make({"+client|"}, &e);
  EXPECT_EQ(e, "ERR Error in ACL SETUSER modifier '+client|': Syntax error");
  Make({"+client|nosuch"}, &e);
  EXPECT_EQ(e, "ERR Error in ACL SETUSER modifier '+client|nosuch': Unknown command or category name in ACL");
  Make({"%X~a"}, &e);
  EXPECT_EQ(e, "ERR Error in ACL SETUSER modifier '%X~a': Syntax error");
  Make({"%~a"}, &e);
  EXPECT_EQ(e, "ERR Error in ACL SETUSER modifier '%~a': Syntax error");
  Make({"~a b"}, &e);
  EXPECT_EQ(e, "ERR Error in ACL SETUSER modifier '~a b': Syntax error");
  Make({"~*", "~x"}, &e);
  EXPECT_NE(e.find("Try 'resetkeys'"), std::string::npos);
  Make({"&*", "&x"}, &e);
  EXPECT_NE(e.find("Try 'resetchannels'"), std::string::npos);
}

TEST(AclUser, Commands) {
  // Redis's best fit: a category is used once it covers more of the user's commands than not.
  EXPECT_EQ(Make({"+get", "+set"}).DescribeCommands(), "-@all +@string");
  EXPECT_EQ(Make({"+get", "+del"}).DescribeCommands(), "-@all +get +del");
  EXPECT_EQ(Make({"+@hash"}).DescribeCommands(), "-@all +@hash");
  EXPECT_EQ(Make({"+@hash", "-hset", "+get"}).DescribeCommands(), "-@all +@read -keys");
  EXPECT_EQ(Make({"+@all", "-@dangerous"}).DescribeCommands(), "+@all -@dangerous");
  EXPECT_EQ(Make({"allcommands", "-get"}).DescribeCommands(), "+@all -get");
  EXPECT_EQ(Make({"+@all", "-get", "+get"}).DescribeCommands(), "+@all");
  EXPECT_EQ(Make({"+get", "-get"}).DescribeCommands(), "-@all");
  EXPECT_EQ(Make({"+@all", "nocommands"}).DescribeCommands(), "-@all");
  EXPECT_EQ(Make({"+client", "-client|id"}).DescribeCommands(), "-@all +@admin +client -client|id");
  EXPECT_EQ(Make({"+client|id", "+client|kill", "+client"}).DescribeCommands(), "-@all +@admin +client");
  EXPECT_EQ(Make({"+select|0", "+select|1"}).DescribeCommands(), "-@all +select|0 +select|1");
  EXPECT_EQ(Make({"+select|0", "+select"}).DescribeCommands(), "-@all +select");
  EXPECT_EQ(Make({"+GET"}).DescribeCommands(), "-@all +get");
}

TEST(AclUser, KeysAndChannels) {
  EXPECT_EQ(Make({"~app:*", "%R~r:*", "%W~w:*"}).DescribeKeys(), "~app:* %R~r:* %W~w:*");
  EXPECT_EQ(Make({"%R~x", "%W~x"}).DescribeKeys(), "~x");
  EXPECT_EQ(Make({"%RW~x"}).DescribeKeys(), "~x");
  EXPECT_EQ(Make({"%r~x"}).DescribeKeys(), "%R~x");
  EXPECT_EQ(Make({"%R"}).DescribeKeys(), "%R~");
  EXPECT_EQ(Make({"allkeys", "resetkeys", "~a"}).DescribeKeys(), "~a");
  EXPECT_EQ(Make({"~a", "allkeys"}).DescribeKeys(), "~*");
  EXPECT_EQ(Make({"&x", "&y", "&x"}).Describe(), "off resetchannels &x &y -@all");
  EXPECT_EQ(Make({"allchannels"}).Describe(), "off &* -@all");
  EXPECT_EQ(Make({"ON", "AllKeys"}).Describe(), "on ~* resetchannels -@all");
}

TEST(AclUser, Check) {
  User u = Make({"on", "+get", "+set", "+@hash", "~app:*", "%R~ro:*", "%W~wo:*", "&news.*"});
  std::vector<std::string> argv = {"get", "app:1"};
  int get = Commands().Find("get"), set = Commands().Find("set"), del = Commands().Find("del");
  KeyArg rd{1, kKeyRead}, wr{1, kKeyWrite}, rw{1, kKeyAll};
  EXPECT_EQ(u.Check(get, argv, {&rd, 1}, {}, false, Glob).denial, Denial::kNone);
  argv[1] = "other";
  auto r = u.Check(get, argv, {&rd, 1}, {}, false, Glob);
  EXPECT_EQ(r.denial, Denial::kKey);
  EXPECT_EQ(r.argpos, 1u);
  argv[1] = "ro:1";
  EXPECT_EQ(u.Check(get, argv, {&rd, 1}, {}, false, Glob).denial, Denial::kNone);
  EXPECT_EQ(u.Check(set, argv, {&wr, 1}, {}, false, Glob).denial, Denial::kKey);
  argv[1] = "wo:1";
  EXPECT_EQ(u.Check(set, argv, {&wr, 1}, {}, false, Glob).denial, Denial::kNone);
  EXPECT_EQ(u.Check(set, argv, {&rw, 1}, {}, false, Glob).denial, Denial::kKey);
  EXPECT_EQ(u.Check(del, argv, {&wr, 1}, {}, false, Glob).denial, Denial::kCommand);
  EXPECT_EQ(u.Check(Commands().Find("auth"), argv, {}, {}, false, Glob).denial, Denial::kNone);  // no-auth
  std::vector<std::string> pub = {"publish", "news.x", "sports"};
  size_t ch[] = {1, 2};
  r = u.Check(get, pub, {}, ch, false, Glob);
  EXPECT_EQ(r.denial, Denial::kChannel);
  EXPECT_EQ(r.argpos, 2u);
  EXPECT_TRUE(u.ChannelAllowed("news.*", true, Glob));
  EXPECT_FALSE(u.ChannelAllowed("news.x", true, Glob));
  // First args: +select|0 allows SELECT 0 only.
  User s = Make({"+select|0"});
  int sel = Commands().Find("select");
  EXPECT_EQ(s.Check(sel, std::vector<std::string>{"select", "0"}, {}, {}, false, Glob).denial, Denial::kNone);
  EXPECT_EQ(s.Check(sel, std::vector<std::string>{"select", "1"}, {}, {}, false, Glob).denial, Denial::kCommand);
  // Subcommands.
  User c = Make({"+client", "-client|kill"});
  EXPECT_TRUE(c.CommandAllowed(Commands().Find("client|id")));
  EXPECT_FALSE(c.CommandAllowed(Commands().Find("client|kill")));
  EXPECT_TRUE(User::Default(&Commands()).unrestricted());
  EXPECT_FALSE(Make({"+@all", "~*"}).unrestricted());  // no channels
}

TEST(AclUser, PrefixPatternsMatchAsGlob) {
  // The prefix fast path must agree with the glob matcher on every pattern/key pair.
  std::vector<std::string> pats = {"app:*", "*", "a", "app:", "a*b*", "a?*", "a[b]*", "a\\*", "", "app:**", "\\*"};
  std::vector<std::string> keys = {"app:1", "app:", "app", "a", "ab", "a*", "a\\x", "", "b", "app:**x", "*"};
  for (const auto& p : pats) {
    User u = Make({"%R~" + p});  // not "~*": that is allkeys
    for (const auto& k : keys) {
      EXPECT_EQ(u.KeyAllowed(k, kKeyRead, Glob), Glob(p, k)) << p << " vs " << k;
    }
  }
}

TEST(AclUser, OpsRoundTrip) {
  for (auto ops : std::vector<std::vector<std::string>>{
           {"on", ">p", "~a", "%R~b", "&c", "+@hash", "-hset", "+select|0", "+client", "-client|kill"},
           {"+@all", "-@dangerous", "allkeys", "allchannels", "nopass", "skip-sanitize-payload"},
           {"reset"}}) {
    User u = Make(ops);
    User back("u", &Commands());
    ASSERT_FALSE(back.SetOps(u.Ops()));
    EXPECT_EQ(back.Describe(), u.Describe());
    EXPECT_EQ(back, u);
  }
}

TEST(AclRegistry, DefaultAndRequirePass) {
  Registry r(&Commands());
  EXPECT_TRUE(r.DefaultOpensWithoutPassword());
  uint64_t g = r.generation();
  r.SetRequirePass("secret");
  EXPECT_GT(r.generation(), g);
  EXPECT_FALSE(r.DefaultOpensWithoutPassword());
  EXPECT_TRUE(r.Find("default")->CheckPassword("secret"));
  EXPECT_EQ(r.Find("default")->Describe(), "on #" + HashPassword("secret") + " ~* &* +@all");
  r.Replace({{"alice", {"on", ">x", "~app:*", "+get"}}});
  EXPECT_TRUE(r.Find("alice")->CheckPassword("x"));
  EXPECT_TRUE(r.Find("default")->CheckPassword("secret"));  // requirepass stays on this node
  r.SetRequirePass("");
  EXPECT_TRUE(r.DefaultOpensWithoutPassword());
  EXPECT_EQ(r.Find("bob"), nullptr);
}

TEST(AclLog, GroupsSimilarDenials) {
  DenialLog log(3);
  LogEntry e{1, Denial::kKey, "toplevel", "k", "u", 1000, "id=1"};
  log.Add(e);
  e.ctime_ms = 2000;
  e.client_info = "id=2";
  log.Add(e);
  ASSERT_EQ(log.entries().size(), 1u);
  EXPECT_EQ(log.entries()[0].count, 2u);
  EXPECT_EQ(log.entries()[0].client_info, "id=2");
  e.ctime_ms = 100000;  // more than 60 s later: a new entry
  log.Add(e);
  EXPECT_EQ(log.entries().size(), 2u);
  for (int i = 0; i < 5; i++) log.Add(LogEntry{1, Denial::kCommand, "toplevel", "c" + std::to_string(i), "u", 0, ""});
  EXPECT_EQ(log.entries().size(), 3u);
  EXPECT_EQ(log.entries()[0].object, "c4");
}

TEST(AclPassword, GenpassAndHash) {
  EXPECT_EQ(RandomHex(256).size(), 64u);
  EXPECT_EQ(RandomHex(5).size(), 2u);
  EXPECT_TRUE(ValidHash(HashPassword("")));
  EXPECT_EQ(HashPassword(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(CategoryByName("SortedSet"), kSortedSet);
  EXPECT_EQ(CategoryByName("all"), 0u);
}


TEST(AclUser, SelectorsAllowWhatTheRootDoesNotAndRoundTripThroughOps) {
  User u = Make({"on", "nopass", "~a*", "+get", "(~b* +set)", "(%R~c* &ch +@read -get)"});
  EXPECT_EQ(u.Describe(),
            "on nopass ~a* resetchannels -@all +get (~b* resetchannels -@all +set) "
            "(%R~c* resetchannels &ch -@all +@read -get)");
  auto check = [&](std::vector<std::string> argv, std::vector<KeyArg> keys) {
    int id = Commands().Find(argv[0]);
    return u.Check(id, argv, keys, {}, false, &Glob);
  };
  EXPECT_EQ(check({"get", "a1"}, {{1, kKeyRead}}).denial, Denial::kNone);
  EXPECT_EQ(check({"set", "b1", "x"}, {{1, kKeyWrite}}).denial, Denial::kNone);   // selector 1
  EXPECT_EQ(check({"hget", "c1", "f"}, {{1, kKeyRead}}).denial, Denial::kNone);   // selector 2
  EXPECT_EQ(check({"hset", "c1", "f", "v"}, {{1, kKeyWrite}}).denial, Denial::kCommand);
  CheckResult r = check({"set", "c1", "x"}, {{1, kKeyWrite}});  // key (selector 1) beats command
  EXPECT_EQ(r.denial, Denial::kKey);
  EXPECT_EQ(r.argpos, 1u);
  // Applying Ops() to a new user recreates it (how users are stored), selectors included.
  User again("u", &Commands());
  EXPECT_FALSE(again.SetOps(u.Ops()));
  EXPECT_EQ(again, u);
  EXPECT_EQ(Make({"(~x +get)", "clearselectors"}).Describe(), "off resetchannels -@all");
  EXPECT_EQ(Make({"(~x +get)", "reset"}).Describe(), "off sanitize-payload resetchannels -@all");
  // Inside a selector only selector rules, split as sdssplitargs (quotes; unbalanced: no rules).
  std::string err;
  Make({"(on)"}, &err);
  EXPECT_EQ(err, "ERR Error in ACL SETUSER modifier '(on)': Syntax error");
  Make({"(~'a b')"}, &err);
  EXPECT_EQ(err, "ERR Error in ACL SETUSER modifier '(~'a b')': Syntax error");
  EXPECT_EQ(Make({"(~\"q\" '+get')"}).Describe(), "off resetchannels -@all (~q resetchannels -@all +get)");
  EXPECT_EQ(Make({"(~\"x)"}).Describe(), "off resetchannels -@all (resetchannels -@all)");
}

}  // namespace
}  // namespace redraft::acl
