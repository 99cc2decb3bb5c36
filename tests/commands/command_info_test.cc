// Introspection from the table (command_info.h): key finding as Redis's getKeysUsingKeySpecs,
// ACL categories as Redis derives them, and invariants every table entry must keep. Expected
// values checked against redis-server 7.0.15 (COMMAND GETKEYSANDFLAGS, COMMAND INFO).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "commands/command_info.h"

namespace redraft::commands {
namespace {

std::vector<std::pair<std::string, std::string>> Keys(const Argv& argv) {
  const CommandSpec* c = LookupArgv(argv);
  EXPECT_NE(c, nullptr) << argv[0];
  std::vector<std::pair<std::string, std::string>> out;
  if (!c) return out;
  for (auto& k : GetKeys(*c, argv)) out.emplace_back(argv[k.pos], std::string(k.flags));
  return out;
}

using KV = std::vector<std::pair<std::string, std::string>>;

TEST(CommandInfoTest, RangeSpecs) {
  EXPECT_EQ(Keys({"get", "k"}), (KV{{"k", "RO access"}}));
  EXPECT_EQ(Keys({"del", "a", "b"}), (KV{{"a", "RM delete"}, {"b", "RM delete"}}));
  EXPECT_EQ(Keys({"mset", "a", "1", "b", "2"}), (KV{{"a", "OW update"}, {"b", "OW update"}}));
  EXPECT_EQ(Keys({"rename", "a", "b"}), (KV{{"a", "RW access delete"}, {"b", "OW update"}}));
  EXPECT_EQ(Keys({"sunionstore", "d", "a", "b"}),
            (KV{{"d", "OW update"}, {"a", "RO access"}, {"b", "RO access"}}));
}

TEST(CommandInfoTest, NumkeysSpecs) {
  EXPECT_EQ(Keys({"lmpop", "2", "a", "b", "LEFT"}), (KV{{"a", "RW access delete"}, {"b", "RW access delete"}}));
  EXPECT_EQ(Keys({"sintercard", "1", "a", "LIMIT", "5"}), (KV{{"a", "RO access"}}));
  // Out of range or not a count: the specs fail, and the numkeys fallback (atoi) decides.
  EXPECT_EQ(Keys({"lmpop", "5", "a", "LEFT"}), KV{});
  EXPECT_EQ(Keys({"lmpop", "0", "a", "LEFT"}), KV{});
  EXPECT_EQ(Keys({"lmpop", "x", "a", "LEFT"}), KV{});
  EXPECT_EQ(Keys({"lmpop", "1x", "a", "LEFT"}), (KV{{"a", ""}}));
  EXPECT_TRUE(HasMovableKeys(*Lookup("lmpop")));
  EXPECT_TRUE(HasMovableKeys(*Lookup("sintercard")));
  EXPECT_FALSE(HasMovableKeys(*Lookup("set")));
}

TEST(CommandInfoTest, VariableFlagsComeFromTheCommand) {
  EXPECT_EQ(Keys({"set", "k", "v"}), (KV{{"k", "OW update"}}));
  EXPECT_EQ(Keys({"set", "k", "v", "EX", "1", "get"}), (KV{{"k", "RW access update"}}));
}

TEST(CommandInfoTest, Lookup) {
  EXPECT_EQ(LookupFullName("CLIENT|List")->name, "client|list");
  EXPECT_EQ(LookupFullName("client|nosuch"), nullptr);
  EXPECT_EQ(LookupArgv({"client"})->name, "client");
  EXPECT_EQ(LookupArgv({"Config", "GET", "x"})->name, "config|get");
  EXPECT_EQ(LookupArgv({"config", "nosuch"}), nullptr);
  EXPECT_EQ(LookupArgv({"get", "k"})->name, "get");
  EXPECT_FALSE(HasKeys(*LookupArgv({"ping"})));
}

TEST(CommandInfoTest, AclCategories) {
  EXPECT_EQ(AclCategories(*Lookup("get")), kAclRead | kAclString | kAclFast);
  EXPECT_EQ(AclCategories(*Lookup("del")), kAclKeyspace | kAclWrite | kAclSlow);
  EXPECT_EQ(AclCategories(*Lookup("keys")), kAclKeyspace | kAclRead | kAclSlow | kAclDangerous);
  EXPECT_EQ(AclCategories(*Lookup("client")), kAclSlow);  // a container has only @slow
  EXPECT_EQ(AclCategories(*LookupFullName("client|kill")), kAclAdmin | kAclDangerous | kAclSlow | kAclConnection);
  EXPECT_EQ(AclCategoryByName("SortedSet"), kAclSortedSet);
  EXPECT_EQ(AclCategoryByName("@hash"), 0u);
}

// Every entry: a lower-case unique name, Redis's arity sign convention, key specs that agree
// with the legacy range, and key-spec flags spelled as Redis spells them.
TEST(CommandInfoTest, TableInvariants) {
  static const std::set<std::string> kKeyFlags = {"RO",     "RW",     "OW",      "RM",         "access",        "update",
                                                  "insert", "delete", "not_key", "incomplete", "variable_flags"};
  std::set<std::string> names;
  auto check = [&](const CommandSpec& c) {
    std::string name(c.name);
    EXPECT_TRUE(names.insert(name).second) << name;
    for (char ch : name) EXPECT_FALSE(ch >= 'A' && ch <= 'Z') << name;
    EXPECT_NE(c.arity, 0) << name;
    std::string flags(c.key_flags);
    for (const KeySpec& s : c.key_specs) flags += " " + std::string(s.flags);
    size_t i = 0;
    while (i < flags.size()) {
      size_t j = flags.find(' ', i);
      if (j == std::string::npos) j = flags.size();
      if (j > i) EXPECT_TRUE(kKeyFlags.count(flags.substr(i, j - i))) << name << ": " << flags;
      i = j + 1;
    }
    if (!c.key_specs.empty() && !HasMovableKeys(c)) {
      EXPECT_EQ(c.key_specs.front().index, c.first_key) << name;
    }
    if (HasMovableKeys(c) && c.key_specs.front().keynum) EXPECT_EQ(c.first_key, 0) << name;
  };
  for (const CommandSpec* c : AllCommands()) {
    check(*c);
    for (const CommandSpec* s = c->subcommands; s && !s->name.empty(); ++s) {
      check(*s);
      EXPECT_EQ(s->name.substr(0, c->name.size() + 1), std::string(c->name) + "|");
      EXPECT_NE(s->execute, nullptr) << s->name;
    }
  }
}

// CommandSpec::id keys the per-command metrics records (observability::Registry::Command): two
// commands sharing an id would share their commandstats.
TEST(CommandTable, EveryCommandAndSubcommandHasItsOwnId) {
  std::map<uint32_t, std::string_view> seen;
  auto check = [&](const CommandSpec& c) {
    EXPECT_NE(c.id, 0u) << c.name;
    auto [it, fresh] = seen.emplace(c.id, c.name);
    EXPECT_TRUE(fresh) << c.name << " has the id of " << it->second;
  };
  for (const CommandSpec* c : AllCommands()) {
    check(*c);
    for (const CommandSpec* s = c->subcommands; s && !s->name.empty(); ++s) check(*s);
  }
  EXPECT_EQ(Lookup("SET")->id, Lookup("set")->id);
}

}  // namespace
}  // namespace redraft::commands
