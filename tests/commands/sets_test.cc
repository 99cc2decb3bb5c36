// The set family (and COPY) against a real Store, through the same prepare -> log -> apply path
// as the server (test_util.h). Byte-exact replies against redis-server 7.0 are in
// tests/integration/compat_cases_sets.txt and compat_cases_copy.txt; these tests cover what a
// transcript cannot: the encoding (metadata payload, empty-valued sub-keys, versions), SPOP's
// determinism across replicas, S*STORE overwriting any type under a fresh version, SSCAN paging
// and its cursors (below 2^53), COPY/RENAME of collections larger than one copy chunk.
#include <gtest/gtest.h>

#include <random>

#include "commands/sets_pick_hint.h"

#include <set>

#include "commands/args.h"
#include "commands/scan_cursor.h"
#include "test_util.h"

namespace redraft::commands::testing {
namespace {

class SetsTest : public CommandTest {
 protected:
  // SADD key m0 ... m(n-1) with members prefix + a zero-padded number (byte order = number order).
  void AddMany(const std::string& key, int n, const std::string& prefix = "m") {
    Argv argv = {"SADD", key};
    for (int i = 0; i < n; i++) {
      char buf[16];
      snprintf(buf, sizeof buf, "%05d", i);
      argv.push_back(prefix + buf);
    }
    Expect(argv, Int(n));
  }
  // The members of a flat RESP array/set reply of bulk strings.
  static std::vector<std::string> Items(const std::string& reply) {
    std::vector<std::string> out;
    size_t pos = reply.find("\r\n") + 2;
    while (pos < reply.size()) {
      size_t nl = reply.find("\r\n", pos);
      size_t n = std::stoul(reply.substr(pos + 1, nl - pos - 1));
      out.push_back(reply.substr(nl + 2, n));
      pos = nl + 2 + n + 2;
    }
    return out;
  }
};

const std::string kWrongType = Err(kErrWrongType);

std::string Set3(std::initializer_list<std::string> items) {  // a RESP3 set
  std::string s = "~" + std::to_string(items.size()) + "\r\n";
  for (const auto& i : items) s += i;
  return s;
}

TEST_F(SetsTest, EncodingIsSizeThenEmptyValuedSubKeys) {
  Expect({"SADD", "s", "b", "a", "b", ""}, Int(3));
  store::Value v;
  ASSERT_TRUE(Raw("s", &v));
  EXPECT_EQ(v.type, store::ValueType::kSet);
  EXPECT_EQ(v.expire_ms, 0);
  EXPECT_EQ(v.payload, std::string("\x03\0\0\0\0\0\0\0", 8));  // [size:8 LE]
  EXPECT_EQ(v.version, (index() << 20) | 1);                     // NewVersion of the creating entry
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(SubKeyList("s", v.version), (std::vector<P>{{"", ""}, {"a", ""}, {"b", ""}}));
  Expect({"TYPE", "s"}, "+set\r\n");
  Expect({"SMEMBERS", "s"}, Array({kEmptyBulk, Bulk("a"), Bulk("b")}));
}

TEST_F(SetsTest, SremDeletesTheEmptySet) {
  Expect({"SADD", "s", "a", "b"}, Int(2));
  uint64_t v1 = VersionOf("s");
  Expect({"SREM", "s", "a", "zz", "a"}, Int(1));
  Expect({"SCARD", "s"}, Int(1));
  Expect({"SREM", "s", "b"}, Int(1));
  Expect({"EXISTS", "s"}, Int(0));
  EXPECT_EQ(store().KeyCount(), 0u);
  EXPECT_TRUE(SubKeyList("s", v1).empty());
}

TEST_F(SetsTest, ARecreatedSetHasNoOldMembers) {
  AddMany("s", 100);
  uint64_t v1 = VersionOf("s");
  Expect({"DEL", "s"}, Int(1));  // O(1): only the metadata record goes
  EXPECT_EQ(SubKeyList("s", v1).size(), 100u);
  Expect({"SADD", "s", "new"}, Int(1));
  EXPECT_NE(VersionOf("s"), v1);
  Expect({"SMEMBERS", "s"}, Array({Bulk("new")}));
  Expect({"SISMEMBER", "s", "m00001"}, Int(0));
  Expect({"SET", "s", "str"}, kOk);
  Expect({"SADD", "s", "x"}, kWrongType);
}

TEST_F(SetsTest, AnExpiredSetIsMissing) {
  Expect({"SADD", "s", "a", "b"}, Int(2));
  Expect({"PEXPIRE", "s", "100"}, Int(1));
  advance(100);
  Expect({"SCARD", "s"}, Int(0));
  Expect({"SISMEMBER", "s", "a"}, Int(0));
  Expect({"SADD", "s", "c"}, Int(1));  // a new set: the expired one is replaced
  Expect({"SMEMBERS", "s"}, Array({Bulk("c")}));
  Expect({"TTL", "s"}, Int(-1));
}

TEST_F(SetsTest, SmoveCreatesAndDeletes) {
  Expect({"SADD", "a", "x"}, Int(1));
  Expect({"SMOVE", "a", "b", "x"}, Int(1));
  Expect({"EXISTS", "a"}, Int(0));
  Expect({"SMEMBERS", "b"}, Array({Bulk("x")}));
  Expect({"SADD", "a", "x"}, Int(1));
  Expect({"SMOVE", "a", "b", "x"}, Int(1));  // already in b: b is unchanged, a loses it
  Expect({"SCARD", "b"}, Int(1));
  Expect({"EXISTS", "a"}, Int(0));
}

// SPOP's choice is made at apply time from the entry's index: two replicas applying the same
// entries at the same indexes pop the same members; the log holds the command as sent.
TEST_F(SetsTest, SpopIsTheSameOnEveryReplica) {
  TempDir other;
  auto twin = OpenTestStore(other.path() + "/db");
  ASSERT_NE(twin, nullptr);
  AddMany("s", 200);
  ApplyLog(*twin, last_log(), index());
  for (const Argv& cmd : {Argv{"SPOP", "s"}, Argv{"SPOP", "s", "7"}, Argv{"SPOP", "s", "150"}, Argv{"SPOP", "s"}}) {
    std::string here = Run(cmd);
    EXPECT_EQ(last_log_argv(), cmd);
    EXPECT_EQ(ApplyLog(*twin, last_log(), index()), here);
  }
  store::Value a, b;
  ASSERT_TRUE(Raw("s", &a));
  ASSERT_TRUE(twin->Get("s", 0, &b).ok());
  EXPECT_EQ(store::CollectionSize(a), 200u - 1 - 7 - 150 - 1);
  EXPECT_EQ(a.payload, b.payload);
  std::vector<std::string> mine, theirs;
  ASSERT_TRUE(store().ScanSub("s", a.version, "", [&](std::string_view m, std::string_view) {
    mine.emplace_back(m);
    return true;
  }).ok());
  ASSERT_TRUE(twin->ScanSub("s", b.version, "", [&](std::string_view m, std::string_view) {
    theirs.emplace_back(m);
    return true;
  }).ok());
  EXPECT_EQ(mine, theirs);
}

TEST_F(SetsTest, SpopWithCountPopsDistinctMembers) {
  AddMany("s", 50);
  std::set<std::string> all;
  for (int round = 0; round < 3; round++) {
    for (const auto& m : Items(Run({"SPOP", "s", "10"}))) EXPECT_TRUE(all.insert(m).second) << m;
  }
  EXPECT_EQ(all.size(), 30u);
  Expect({"SCARD", "s"}, Int(20));
  for (const auto& m : all) Expect({"SISMEMBER", "s", m}, Int(0));
  // More than half: the kept members are sampled instead; still exact.
  auto popped = Items(Run({"SPOP", "s", "15"}));
  EXPECT_EQ(std::set<std::string>(popped.begin(), popped.end()).size(), 15u);
  Expect({"SCARD", "s"}, Int(5));
  EXPECT_EQ(Items(Run({"SPOP", "s", "5"})).size(), 5u);
  Expect({"EXISTS", "s"}, Int(0));
  // Different entries choose differently (not a fixed member).
  std::set<std::string> firsts;
  for (int i = 0; i < 20; i++) {
    Expect({"SADD", "t", "a", "b", "c", "d"}, Int(4));
    firsts.insert(Run({"SPOP", "t"}));
    Expect({"DEL", "t"}, Int(1));
  }
  EXPECT_GT(firsts.size(), 1u);
}

// Sets over 1024 members pick by walking down the member trie (RandomMember), not by position:
// still deterministic per entry, still spread over the members, pops still distinct.
TEST_F(SetsTest, LargeSetsPickByTrieWalk) {
  TempDir other;
  auto twin = OpenTestStore(other.path() + "/db");
  ASSERT_NE(twin, nullptr);
  AddMany("s", 3000, "element:");
  ApplyLog(*twin, last_log(), index());
  for (const Argv& cmd : {Argv{"SPOP", "s"}, Argv{"SPOP", "s", "100"}, Argv{"SPOP", "s"}}) {
    std::string here = Run(cmd);
    EXPECT_EQ(ApplyLog(*twin, last_log(), index()), here);
  }
  Expect({"SCARD", "s"}, Int(2898));
  std::string popped = Run({"SPOP", "s", "100"});
  auto items = Items(popped);
  EXPECT_EQ(std::set<std::string>(items.begin(), items.end()).size(), 100u);
  for (const auto& m : items) Expect({"SISMEMBER", "s", m}, Int(0));
  Expect({"SCARD", "s"}, Int(2798));
  // Spread: members share the prefix "element:" and still many different ones come up.
  std::set<std::string> seen;
  for (int i = 0; i < 300; i++) seen.insert(Run({"SRANDMEMBER", "s"}));
  EXPECT_GT(seen.size(), 150u);
  auto repeated = Items(Run({"SRANDMEMBER", "s", "-500"}));
  EXPECT_EQ(repeated.size(), 500u);
  for (int i = 0; i < 20; i++) Expect({"SISMEMBER", "s", repeated[i]}, Int(1));
  // A member that is a prefix of others (the empty member, "a") is a member like any other...
  Argv nested = {"SADD", "n", ""};
  for (int i = 0; i < 1100; i++) nested.push_back(std::string(i % 7 + 1, 'a') + std::to_string(i / 7));
  nested.push_back("a");
  Run(nested);
  // ... without ending most walks there: "" is a prefix of every member, "a" of most.
  int empty = 0, a = 0;
  for (int i = 0; i < 2000; i++) {
    std::string r = Run({"SRANDMEMBER", "n"});
    empty += r == kEmptyBulk;
    a += r == Bulk("a");
  }
  EXPECT_LT(empty, 40);
  EXPECT_LT(a, 40);
}

// SPOP one by one drains a large set whose members are not zero-padded ("user:1".."user:1500",
// so short members are prefixes of longer ones): every member comes out exactly once, a replica
// applying the same log pops the same ones, and the early pops are spread over the whole range
// (the descent by byte ranges does not pop in byte order, nor shortest first).
TEST_F(SetsTest, SpopDrainsALargeSetEveryMemberOnce) {
  TempDir other;
  auto twin = OpenTestStore(other.path() + "/db");
  ASSERT_NE(twin, nullptr);
  constexpr int kN = 1500;
  Argv argv = {"SADD", "q"};
  for (int i = 1; i <= kN; i++) argv.push_back("user:" + std::to_string(i));
  Expect(argv, Int(kN));
  ApplyLog(*twin, last_log(), index());
  std::set<std::string> popped;
  double early_sum = 0;
  int short_early = 0;
  for (int i = 0; i < kN; i++) {
    std::string r = Run({"SPOP", "q"});
    ASSERT_EQ(ApplyLog(*twin, last_log(), index()), r) << "pop " << i;
    auto items = Items("*1\r\n" + r);
    ASSERT_EQ(items.size(), 1u) << r;
    ASSERT_TRUE(popped.insert(items[0]).second) << "popped twice: " << items[0];
    if (i < 300) {
      int n = std::stoi(items[0].substr(5));
      early_sum += n;
      short_early += n < 100;
    }
  }
  EXPECT_EQ(popped.size(), static_cast<size_t>(kN));
  Expect({"EXISTS", "q"}, Int(0));
  Expect({"SPOP", "q"}, kNil);
  const double mean = early_sum / 300;  // uniform over 1..1500 would be ~750
  EXPECT_GT(mean, 400);
  EXPECT_LT(mean, 1100);
  EXPECT_LT(short_early, 60);  // members 1..99 are 7 % of the set
}

// The SPOP pick hint (sets_pick_hint.h) never changes a result: a replica that picks by seeks
// alone pops exactly what this one pops through its mirror, across SADD/SREM/SMOVE/SPOP count in
// between (each of which must forget the mirror), and the mirror stays exact.
TEST_F(SetsTest, SpopPickHintChangesNoResult) {
  TempDir other;
  auto twin = OpenTestStore(other.path() + "/db");
  ASSERT_NE(twin, nullptr);
  set_detail::ForgetPickHints();
  auto both = [&](const Argv& cmd) {
    std::string here = Run(cmd);
    set_detail::SetPickHintsEnabledForTest(false);
    std::string there = ApplyLog(*twin, last_log(), index());
    set_detail::SetPickHintsEnabledForTest(true);
    return std::make_pair(here, there);
  };
  AddMany("big", 6000, "element:");
  set_detail::SetPickHintsEnabledForTest(false);
  ApplyLog(*twin, last_log(), index());
  set_detail::SetPickHintsEnabledForTest(true);
  std::mt19937 rng(3);
  for (int i = 0; i < 400; i++) {
    Argv cmd = {"SPOP", "big"};
    switch (rng() % 10) {
      case 0: cmd = {"SADD", "big", "element:" + std::to_string(rng() % 9000), "x" + std::to_string(rng() % 50)}; break;
      case 1: cmd = {"SREM", "big", "element:" + std::to_string(rng() % 9000)}; break;
      case 2: cmd = {"SMOVE", "big", "other", "element:0" + std::to_string(1000 + rng() % 5000)}; break;
      case 3: cmd = {"SPOP", "big", "3"}; break;
      default: break;
    }
    auto [here, there] = both(cmd);
    ASSERT_EQ(here, there) << "step " << i << " " << cmd[0];
  }
  // Drained through the hint: the pops keep agreeing.
  for (int i = 0; i < 1500; i++) {
    auto [here, there] = both({"SPOP", "big"});
    ASSERT_EQ(here, there) << "pop " << i;
  }
}

TEST_F(SetsTest, SpopBadCountNeverReachesTheLog) {
  Expect({"SPOP", "s", "-1"}, Err(kErrNotPositive));
  EXPECT_FALSE(has_log());
  Expect({"SPOP", "s", "1", "2"}, Err(kErrSyntax));
  EXPECT_FALSE(has_log());
}

TEST_F(SetsTest, SrandmemberCounts) {
  AddMany("s", 20);
  auto distinct = Items(Run({"SRANDMEMBER", "s", "8"}));
  EXPECT_EQ(std::set<std::string>(distinct.begin(), distinct.end()).size(), 8u);
  auto repeated = Items(Run({"SRANDMEMBER", "s", "-50"}));
  EXPECT_EQ(repeated.size(), 50u);
  EXPECT_EQ(Items(Run({"SRANDMEMBER", "s", "100"})).size(), 20u);
  Expect({"SCARD", "s"}, Int(20));  // a read: nothing removed
  // A reply of repeated picks that could never be built is refused, not attempted.
  Expect({"SRANDMEMBER", "s", "-9223372036854775807"}, Err("ERR value is out of range"));
}

// S*STORE replaces whatever the destination held (type, TTL) under a fresh version, may read
// the destination as a source, and deletes it when the result is empty.
TEST_F(SetsTest, StoreOverwritesUnderAFreshVersion) {
  Expect({"SADD", "a", "1", "2", "3"}, Int(3));
  Expect({"SADD", "b", "2", "3", "4"}, Int(2 + 1));
  Expect({"SET", "d", "x", "EX", "100"}, kOk);
  Expect({"SINTERSTORE", "d", "a", "b"}, Int(2));
  Expect({"TTL", "d"}, Int(-1));
  Expect({"SMEMBERS", "d"}, Array({Bulk("2"), Bulk("3")}));
  uint64_t v1 = VersionOf("d");
  Expect({"SUNIONSTORE", "d", "d", "a", "b"}, Int(4));
  EXPECT_NE(VersionOf("d"), v1);
  EXPECT_EQ(SubKeyList("d", VersionOf("d")).size(), 4u);
  Expect({"SDIFFSTORE", "a", "a", "b"}, Int(1));
  Expect({"SMEMBERS", "a"}, Array({Bulk("1")}));
  Expect({"HSET", "h", "f", "v"}, Int(1));
  Expect({"SDIFFSTORE", "h", "a", "a"}, Int(0));
  Expect({"EXISTS", "h"}, Int(0));
  Expect({"SINTERSTORE", "x", "a", "h"}, Int(0));  // a missing source: empty
  Expect({"SET", "str", "v"}, kOk);
  Expect({"SUNIONSTORE", "x", "a", "str"}, kWrongType);
  Expect({"EXISTS", "x"}, Int(0));
}

TEST_F(SetsTest, SintercardStopsAtTheLimit) {
  AddMany("a", 300);
  AddMany("b", 200);
  Expect({"SINTERCARD", "2", "a", "b"}, Int(200));
  Expect({"SINTERCARD", "2", "a", "b", "LIMIT", "17"}, Int(17));
  Expect({"SINTERCARD", "2", "a", "b", "LIMIT", "0"}, Int(200));
  Expect({"SINTERCARD", "1", "a", "LIMIT", "1000"}, Int(300));
}

TEST_F(SetsTest, SscanPagesLargeSets) {
  AddMany("big", 1500);
  std::string cursor = "0";
  std::set<std::string> seen;
  int calls = 0;
  do {
    std::string r = Run({"SSCAN", "big", cursor, "COUNT", "100"});
    size_t p = r.find("\r\n", 4);
    size_t q = r.find("\r\n", p + 2);
    cursor = r.substr(p + 2, q - p - 2);
    EXPECT_LT(std::stoull(cursor), 1ull << 53) << "node-redis reads cursors as JS numbers";
    for (const auto& m : Items(r.substr(q + 2))) EXPECT_TRUE(seen.insert(m).second) << m;
    calls++;
  } while (cursor != "0" && calls < 100);
  EXPECT_EQ(seen.size(), 1500u);
  EXPECT_EQ(calls, 15);
  // MATCH filters what a page visited; small sets answer whole whatever the cursor.
  std::string r = Run({"SSCAN", "big", "0", "MATCH", "m0000*", "COUNT", "5"});
  EXPECT_NE(r.find("m00004"), std::string::npos);
  Expect({"SADD", "small", "a"}, Int(1));
  Expect({"SSCAN", "small", "12345"}, "*2\r\n" + Bulk("0") + Array({Bulk("a")}));
  // A cursor not issued for this key (unknown, or another key's) is refused on a large set.
  Expect({"SSCAN", "big", "12345"}, Err("ERR invalid cursor"));
  std::string other = Run({"SSCAN", "big", "0", "COUNT", "10"});
  AddMany("big2", 600);
  size_t p = other.find("\r\n", 4);
  std::string c = other.substr(p + 2, other.find("\r\n", p + 2) - p - 2);
  Expect({"SSCAN", "big2", c}, Err("ERR invalid cursor"));
}

TEST_F(SetsTest, ScanCursorsStayBelow2To53) {
  ScanCursorTable t(1 << 17);
  std::set<uint64_t> seen;
  for (int i = 0; i < 100000; i++) {
    uint64_t c = t.Issue("k");
    ASSERT_GT(c, 0u);
    ASSERT_LT(c, 1ull << 53);
    ASSERT_TRUE(seen.insert(c).second);
  }
}

TEST_F(SetsTest, Resp3Shapes) {
  set_proto(3);
  Expect({"SADD", "s", "a", "b"}, Int(2));
  Expect({"SMEMBERS", "s"}, Set3({Bulk("a"), Bulk("b")}));
  Expect({"SMEMBERS", "nokey"}, "~0\r\n");
  Expect({"SUNION", "s", "nokey"}, Set3({Bulk("a"), Bulk("b")}));
  Expect({"SRANDMEMBER", "s", "5"}, Array({Bulk("a"), Bulk("b")}));
  Expect({"SRANDMEMBER", "nokey"}, "_\r\n");
  Expect({"SPOP", "nokey"}, "_\r\n");
  Expect({"SPOP", "s", "5"}, Set3({Bulk("a"), Bulk("b")}));
}

TEST_F(SetsTest, WrongTypeEverywhere) {
  Expect({"SET", "str", "v"}, kOk);
  for (const Argv& cmd : {Argv{"SADD", "str", "a"}, Argv{"SREM", "str", "a"}, Argv{"SMEMBERS", "str"},
                          Argv{"SISMEMBER", "str", "a"}, Argv{"SMISMEMBER", "str", "a"}, Argv{"SCARD", "str"},
                          Argv{"SPOP", "str"}, Argv{"SPOP", "str", "1"}, Argv{"SRANDMEMBER", "str"},
                          Argv{"SRANDMEMBER", "str", "2"}, Argv{"SINTER", "nokey", "str"},
                          Argv{"SUNION", "str"}, Argv{"SDIFF", "nokey", "str"},
                          Argv{"SINTERSTORE", "d", "nokey", "str"}, Argv{"SSCAN", "str", "0"},
                          Argv{"SINTERCARD", "2", "nokey", "str"}}) {
    Expect(cmd, kWrongType);
  }
  Expect({"GET", "str"}, Bulk("v"));
}

// COPY and RENAME carry a collection's sub-keys under a fresh version, in chunks (the copy reads
// and writes the same batch), so sets larger than one chunk come through whole.
TEST_F(SetsTest, CopyAndRenameLargeCollections) {
  AddMany("s", 2500);
  Expect({"PEXPIRE", "s", "100000"}, Int(1));
  Expect({"COPY", "s", "t"}, Int(1));
  EXPECT_NE(VersionOf("t"), VersionOf("s"));
  EXPECT_EQ(SubKeyList("t", VersionOf("t")).size(), 2500u);
  Expect({"PTTL", "t"}, Int(100000));
  Expect({"SREM", "s", "m00000"}, Int(1));  // independent copies
  Expect({"SCARD", "t"}, Int(2500));
  Expect({"SISMEMBER", "t", "m00000"}, Int(1));
  Expect({"HSET", "h", "f", "v"}, Int(1));
  Expect({"COPY", "h", "t"}, Int(0));
  Expect({"COPY", "h", "t", "REPLACE"}, Int(1));
  Expect({"TYPE", "t"}, "+hash\r\n");
  Expect({"HGET", "t", "f"}, Bulk("v"));
  Expect({"COPY", "s", "s"}, Err("ERR source and destination objects are the same"));
  EXPECT_FALSE(has_log());
  Expect({"COPY", "s", "x", "DB", "16"}, Err("ERR DB index is out of range"));  // databases 16
  EXPECT_FALSE(has_log());
  Expect({"RENAME", "s", "r"}, kOk);
  Expect({"SCARD", "r"}, Int(2499));
  EXPECT_EQ(SubKeyList("r", VersionOf("r")).size(), 2499u);
  Expect({"SISMEMBER", "r", "m02499"}, Int(1));
  Expect({"EXISTS", "s"}, Int(0));
}

}  // namespace
}  // namespace redraft::commands::testing
